package app_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/shared/domain"
	"github.com/hapihub/hapihub/shared/sandbox"
	"github.com/hapihub/hapihub/shared/schema"
	"github.com/hapihub/hapihub/shared/store/core"
)

// Every clinical object's createdAt is the time its id begins with, whichever path made it (the
// sandbox's seeds and resets, live demo data, creates through the API, with or without a
// createdAt of the client's), and no update moves it: the planner answers createdAt order as id
// order (shared/store/search/timeorder.go), so an object breaking this would be listed out of
// order. A seeded object breaking it is refused (SeedObjects).
func TestCreatedAtIsTheIDTime(t *testing.T) {
	s := newStack(t)
	a := s.newAccount("Acme")
	p := &a.test
	ctx := context.Background()
	patient := s.do(p, "GET", "/patients?$limit=1", nil).data()[0].(map[string]any)["id"]
	prac := s.do(p, "GET", "/practitioners?$limit=1", nil).data()[0].(map[string]any)["id"]
	bodies := map[string]map[string]any{
		"patients":      {"firstName": "Luna", "lastName": "Lovegood"},
		"practitioners": {"firstName": "Poppy", "lastName": "Pomfrey"},
		"appointments":  {"patientId": patient, "practitionerId": prac, "startsAt": 1767258000000, "endsAt": 1767259800000},
		"messages":      {"patientId": patient, "roomId": "room_t1", "direction": "outbound", "channel": "sms", "text": "Hello"},
		"invoices":      {"patientId": patient, "currency": "gbp", "lineItems": []any{map[string]any{"description": "Consultation", "quantity": 1, "unitAmount": 5500}}},
	}
	for _, res := range schema.ClinicalResources {
		body := bodies[res]
		c := s.do(p, "POST", "/"+res, body)
		require.Equal(t, http.StatusCreated, c.Status, c.Raw)
		id := c.Body["id"].(string)
		created := c.Body["createdAt"]
		// A client's createdAt is not the object's creation time: refused as read-only.
		withTime := map[string]any{"createdAt": 1_000}
		for k, v := range body {
			withTime[k] = v
		}
		for _, method := range []string{"POST", "PATCH", "PUT"} {
			path := "/" + res
			if method != "POST" {
				path += "/" + id
			}
			r := s.do(p, method, path, withTime)
			assert.Equal(t, http.StatusBadRequest, r.Status, r.Raw)
			assert.Contains(t, r.Raw, "createdAt", r.Raw)
		}
		for _, method := range []string{"PATCH", "PUT"} {
			r := s.do(p, method, "/"+res+"/"+id, map[string]any{"metadata": map[string]any{"k": "v"}})
			if method == "PUT" {
				r = s.do(p, method, "/"+res+"/"+id, body)
			}
			require.Equal(t, http.StatusOK, r.Status, r.Raw)
			assert.Equal(t, created, r.Body["createdAt"], "%s %s keeps createdAt", method, res)
		}
	}
	// A reset of the sandbox reseeds every resource (the path the reset job takes too).
	sb := domain.Tenant{Account: a.acct.ID, Mode: domain.Test, Org: a.acct.SandboxOrg}
	_, err := sandbox.Reset(ctx, s.st, sb, 99, sandbox.Sizes{Patients: 30, Practitioners: 3, Appointments: 40, Messages: 20, Invoices: 10})
	require.NoError(t, err)
	after := s.do(p, "POST", "/patients", bodies["patients"])
	require.Equal(t, http.StatusCreated, after.Status, after.Raw)

	checked := 0
	for _, tn := range append([]domain.Tenant{sb}, liveTenants(a)...) {
		for _, name := range schema.ClinicalResources {
			res, _ := schema.Lookup(name)
			all, err := s.st.ListAll(ctx, tn, res)
			require.NoError(t, err)
			for _, d := range all {
				at, ok := core.IDTime(d["id"].(string))
				require.True(t, ok, "%s: %s is no time-ordered id", name, d["id"])
				require.EqualValues(t, at.UnixMilli(), d["createdAt"], "%s %s in %s: createdAt is its id's time", name, d["id"], tn.Org)
				checked++
			}
		}
	}
	require.Greater(t, checked, 100)

	// SeedObjects refuses an object whose createdAt is not its id's time.
	bad := domain.Doc{"id": core.NewID("pat", s.st.Now()), "object": "patient", "organizationId": sb.Org, "livemode": false,
		"createdAt": s.st.Now().UnixMilli() - 5, "updatedAt": s.st.Now().UnixMilli(), "firstName": "A", "lastName": "B"}
	require.ErrorContains(t, s.st.SeedObjects(ctx, sb, "patients", []domain.Doc{bad}), "createdAt")
}

func liveTenants(a tenantOf) []domain.Tenant {
	var out []domain.Tenant
	for _, org := range a.liveOrgs {
		out = append(out, domain.Tenant{Account: a.acct.ID, Mode: domain.Live, Org: org})
	}
	return out
}
