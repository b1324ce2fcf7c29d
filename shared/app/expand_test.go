package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/shared/domain"
	"github.com/hapihub/hapihub/shared/schema"
	"github.com/hapihub/hapihub/shared/store/core"
)

// expandFixture is one organization's chain invoice -> appointment -> patient/practitioner, with
// a second appointment that has no practitioner.
type expandFixture struct {
	s                                      *stack
	p                                      *principal
	tenant                                 domain.Tenant
	patient, practitioner, appt, bare, inv string
}

func newExpandFixture(t *testing.T) expandFixture {
	s := newStack(t)
	a := s.newAccount("Acme")
	p := &a.test
	f := expandFixture{s: s, p: p, tenant: domain.Tenant{Account: a.acct.ID, Mode: domain.Test, Org: a.acct.SandboxOrg}}
	id := func(r resp) string {
		require.Equal(t, 201, r.Status, r.Raw)
		return r.Body["id"].(string)
	}
	f.patient = id(s.do(p, "POST", "/patients", map[string]any{"firstName": "Ada", "lastName": "Lovelace"}))
	f.practitioner = id(s.do(p, "POST", "/practitioners", map[string]any{"firstName": "Gregory", "lastName": "House"}))
	f.appt = id(s.do(p, "POST", "/appointments", map[string]any{"patientId": f.patient, "practitionerId": f.practitioner, "startsAt": 1_900_000_000_000, "endsAt": 1_900_000_900_000}))
	f.bare = id(s.do(p, "POST", "/appointments", map[string]any{"patientId": f.patient, "startsAt": 1_900_001_000_000, "endsAt": 1_900_001_900_000}))
	f.inv = id(s.do(p, "POST", "/invoices", map[string]any{"patientId": f.patient, "appointmentId": f.appt, "currency": "GBP",
		"lineItems": []any{map[string]any{"description": "Consultation", "quantity": 1, "unitAmount": 5000}}}))
	return f
}

func obj(t *testing.T, v any, what string) map[string]any {
	t.Helper()
	m, ok := v.(map[string]any)
	require.True(t, ok, "%s is an object, got %#v", what, v)
	return m
}

// TestExpandOverHTTP: expand[] on get and find, every accepted spelling, nesting, $select, and
// the 400s naming the parameter.
func TestExpandOverHTTP(t *testing.T) {
	f := newExpandFixture(t)
	cases := []struct {
		name, path string
		check      func(t *testing.T, body map[string]any)
	}{
		{"get, expand[]", "/appointments/" + f.appt + "?expand[]=patient", func(t *testing.T, b map[string]any) {
			assert.Equal(t, f.patient, b["patientId"], "the id field keeps its id")
			assert.Equal(t, f.patient, obj(t, b["patient"], "patient")["id"])
			assert.Equal(t, "Lovelace", obj(t, b["patient"], "patient")["lastName"])
			assert.NotContains(t, b, "practitioner", "only what was asked for is expanded")
		}},
		{"get, two repeated expand[]", "/appointments/" + f.appt + "?expand[]=patient&expand[]=practitioner", func(t *testing.T, b map[string]any) {
			assert.Equal(t, f.patient, obj(t, b["patient"], "patient")["id"])
			assert.Equal(t, f.practitioner, obj(t, b["practitioner"], "practitioner")["id"])
		}},
		{"get, indexed expand[0]", "/appointments/" + f.appt + "?expand[0]=practitioner&expand[1]=patient", func(t *testing.T, b map[string]any) {
			assert.Equal(t, f.patient, obj(t, b["patient"], "patient")["id"])
			assert.Equal(t, f.practitioner, obj(t, b["practitioner"], "practitioner")["id"])
		}},
		{"get, plain repeated expand", "/appointments/" + f.appt + "?expand=patient", func(t *testing.T, b map[string]any) {
			assert.Equal(t, f.patient, obj(t, b["patient"], "patient")["id"])
		}},
		{"unset reference is null", "/appointments/" + f.bare + "?expand[]=practitioner", func(t *testing.T, b map[string]any) {
			v, ok := b["practitioner"]
			assert.True(t, ok)
			assert.Nil(t, v)
		}},
		{"two levels on an invoice", "/invoices/" + f.inv + "?expand[]=appointment.patient", func(t *testing.T, b map[string]any) {
			appt := obj(t, b["appointment"], "appointment")
			assert.Equal(t, f.appt, appt["id"])
			assert.Equal(t, f.patient, obj(t, appt["patient"], "appointment.patient")["id"])
			assert.NotContains(t, appt, "practitioner")
			assert.NotContains(t, b, "patient", "appointment.patient does not expand the invoice's own patient")
		}},
		{"both levels and the invoice's patient", "/invoices/" + f.inv + "?expand[]=appointment.practitioner&expand[]=patient&expand[]=appointment", func(t *testing.T, b map[string]any) {
			appt := obj(t, b["appointment"], "appointment")
			assert.Equal(t, f.practitioner, obj(t, appt["practitioner"], "appointment.practitioner")["id"])
			assert.Equal(t, f.patient, obj(t, b["patient"], "patient")["id"])
			assert.NotContains(t, obj(t, b["patient"], "patient"), "practitioner")
		}},
		{"$select without the id field", "/appointments/" + f.appt + "?$select[]=startsAt&expand[]=patient", func(t *testing.T, b map[string]any) {
			assert.NotContains(t, b, "patientId", "$select still applies")
			assert.Contains(t, b, "startsAt")
			assert.Equal(t, f.patient, obj(t, b["patient"], "patient")["id"], "an expansion is kept by $select")
		}},
		{"find, Stripe's data. prefix", "/appointments?expand[]=data.patient&expand[]=data.practitioner", func(t *testing.T, b map[string]any) {
			data := b["data"].([]any)
			require.NotEmpty(t, data)
			for _, d := range data {
				m := obj(t, d, "data[]")
				assert.Equal(t, m["patientId"], obj(t, m["patient"], "patient")["id"])
				if id, ok := m["practitionerId"]; ok {
					assert.Equal(t, id, obj(t, m["practitioner"], "practitioner")["id"])
				} else {
					assert.Nil(t, m["practitioner"])
				}
			}
		}},
		{"find, plain name, with $select", "/invoices?expand[]=appointment.patient&$select[]=total", func(t *testing.T, b map[string]any) {
			found, seededBilled := false, 0
			for _, d := range b["data"].([]any) {
				m := obj(t, d, "data[]")
				assert.NotContains(t, m, "patientId")
				if m["id"] == f.inv {
					found = true
					assert.Equal(t, f.patient, obj(t, obj(t, m["appointment"], "appointment")["patient"], "appointment.patient")["id"])
				} else if m["appointment"] != nil {
					// Seeded invoices bill their patient's appointments (docs/sandbox.md): expanded
					// two levels like the fixture's.
					appt := obj(t, m["appointment"], "appointment")
					assert.Equal(t, appt["patientId"], obj(t, appt["patient"], "appointment.patient")["id"])
					seededBilled++
				}
			}
			assert.True(t, found)
			assert.Positive(t, seededBilled, "seeded invoices name appointments")
		}},
		{"find, Hubpay's page", "/appointments?size=5&expand[]=patient", func(t *testing.T, b map[string]any) {
			content := b["content"].([]any)
			require.NotEmpty(t, content)
			for _, d := range content {
				m := obj(t, d, "content[]")
				assert.Equal(t, m["patientId"], obj(t, m["patient"], "patient")["id"])
			}
		}},
		{"find messages", "/messages?$limit=3&expand[]=data.patient", func(t *testing.T, b map[string]any) {
			data := b["data"].([]any)
			require.NotEmpty(t, data)
			for _, d := range data {
				m := obj(t, d, "data[]")
				assert.Equal(t, m["patientId"], obj(t, m["patient"], "patient")["id"])
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := f.s.do(f.p, "GET", c.path, nil)
			require.Equal(t, 200, r.Status, r.Raw)
			c.check(t, r.Body)
		})
	}

	bad := []struct{ name, path, field, says string }{
		{"unknown field", "/appointments/" + f.appt + "?expand[]=doctor", "expand[]", `no expandable field "doctor" (expandable: patient, practitioner)`},
		{"not a reference", "/appointments/" + f.appt + "?expand[0]=status", "expand[0]", `no expandable field "status"`},
		{"three levels", "/invoices/" + f.inv + "?expand[]=appointment.patient.practitioner", "expand[]", "3 levels deep; at most 2"},
		{"nothing to expand in a patient", "/patients/" + f.patient + "?expand[]=appointment", "expand[]", "(it has none)"},
		{"data. on get", "/appointments/" + f.appt + "?expand[]=data.patient", "expand[]", `no expandable field "data"`},
		{"find, three levels after data.", "/invoices?expand[]=data.appointment.patient.x", "expand[]", "3 levels deep"},
		{"find, unknown nested", "/invoices?expand[]=appointment.room", "expand[]", `appointment has no expandable field "room"`},
		{"empty path", "/appointments/" + f.appt + "?expand[]=", "expand[]", `no expandable field ""`},
		{"too many", "/appointments?" + manyExpands(11), "expand[]", "at most 10 expand paths"},
	}
	for _, c := range bad {
		t.Run("400 "+c.name, func(t *testing.T) {
			r := f.s.do(f.p, "GET", c.path, nil)
			require.Equal(t, 400, r.Status, r.Raw)
			assert.Equal(t, "INVALID_PARAMETERS", r.name())
			errs, _ := r.Body["errors"].([]any)
			require.NotEmpty(t, errs, r.Raw)
			e := obj(t, errs[0], "errors[0]")
			assert.Equal(t, c.field, e["field"])
			assert.Contains(t, e["message"], c.says)
		})
	}
}

func manyExpands(n int) string {
	v := url.Values{}
	for i := 0; i < n; i++ {
		v.Add("expand[]", fmt.Sprintf("data.patient%d", i))
	}
	return v.Encode()
}

// TestExpandPermissionsAndTenancy: an expansion reads with the checks of a direct read (a
// restricted key needs read on the expanded resource: 403 naming the path), never leaves the
// request's organization, and a referenced object that is gone expands to null.
func TestExpandPermissionsAndTenancy(t *testing.T) {
	f := newExpandFixture(t)
	s := f.s
	restricted := func(perms map[string]any) *principal {
		r := s.do(f.p, "POST", "/api-keys", map[string]any{"name": "expand", "permissions": perms})
		require.Equal(t, 201, r.Status, r.Raw)
		b, err := json.Marshal(perms)
		require.NoError(t, err)
		q := *f.p
		q.keyID, q.perms = r.Body["id"].(string), string(b)
		return &q
	}
	apptsOnly := restricted(map[string]any{"appointments": "read", "invoices": "read"})
	withPatients := restricted(map[string]any{"appointments": "read", "invoices": "read", "patients": "read"})
	perms := []struct {
		name   string
		p      *principal
		path   string
		status int
		says   string
	}{
		{"no read on patients", apptsOnly, "/appointments/" + f.appt + "?expand[]=patient", 403, "lacks read permission on patients, which expand[]=patient needs"},
		{"no read on patients, find", apptsOnly, "/appointments?expand[]=data.patient", 403, "expand[]=patient needs"},
		{"nested path is named", apptsOnly, "/invoices/" + f.inv + "?expand[]=appointment.patient", 403, "which expand[]=appointment.patient needs"},
		{"first level allowed", apptsOnly, "/invoices/" + f.inv + "?expand[]=appointment", 200, ""},
		{"read on patients", withPatients, "/appointments/" + f.appt + "?expand[]=patient", 200, ""},
		{"read on patients, not practitioners", withPatients, "/appointments/" + f.appt + "?expand[]=patient&expand[]=practitioner", 403, "permission on practitioners"},
		{"without expand", apptsOnly, "/appointments/" + f.appt, 200, ""},
	}
	for _, c := range perms {
		t.Run(c.name, func(t *testing.T) {
			r := s.do(c.p, "GET", c.path, nil)
			require.Equal(t, c.status, r.Status, r.Raw)
			if c.status == 403 {
				assert.Equal(t, "PERMISSIONS_ERROR", r.name())
				assert.Contains(t, r.Body["message"], c.says)
			}
		})
	}

	t.Run("another account's id stays unexpanded", func(t *testing.T) {
		b := s.newAccount("Other")
		other := s.do(&b.test, "POST", "/patients", map[string]any{"firstName": "Eve", "lastName": "Other"})
		require.Equal(t, 201, other.Status, other.Raw)
		// The API and the store's writes refuse such a reference; the row is seeded directly, as a
		// corrupted or migrated row might be, to show the read itself is scoped.
		now := s.st.Now()
		doc := domain.Doc{"id": core.NewID("appt", now), "object": "appointment", "organizationId": f.tenant.Org, "livemode": f.tenant.Live(),
			"createdAt": now.UnixMilli(), "updatedAt": now.UnixMilli(),
			"patientId": other.Body["id"], "startsAt": int64(1_900_002_000_000), "endsAt": int64(1_900_002_900_000), "status": "booked"}
		require.NoError(t, s.st.SeedObjects(context.Background(), f.tenant, "appointments", []domain.Doc{doc}))
		r := s.do(f.p, "GET", "/appointments/"+doc["id"].(string)+"?expand[]=patient", nil)
		require.Equal(t, 200, r.Status, r.Raw)
		assert.Equal(t, other.Body["id"], r.Body["patientId"])
		v, ok := r.Body["patient"]
		assert.True(t, ok)
		assert.Nil(t, v, "never the other account's patient")
	})

	t.Run("a removed object expands to null", func(t *testing.T) {
		// A referenced object cannot be deleted through the API (409, docs/resources.md); removed
		// from under its references as a purge or an older version could, it expands to null.
		_, err := s.st.DeleteObject(context.Background(), f.tenant, schema.Practitioners, f.practitioner, 0, domain.Meta{})
		require.Error(t, err, "referenced: the delete is refused")
		_, err = s.st.PurgeObjects(context.Background(), f.tenant, schema.Practitioners)
		require.NoError(t, err)
		r := s.do(f.p, "GET", "/invoices/"+f.inv+"?expand[]=appointment.practitioner", nil)
		require.Equal(t, 200, r.Status, r.Raw)
		appt := obj(t, r.Body["appointment"], "appointment")
		assert.Equal(t, f.practitioner, appt["practitionerId"], "the id still says which it was")
		v, ok := appt["practitioner"]
		assert.True(t, ok)
		assert.Nil(t, v)
	})
}
