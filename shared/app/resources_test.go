package app_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/docs"
	"github.com/hapihub/hapihub/infra/local/runner"
	"github.com/hapihub/hapihub/shared/domain"
	"github.com/hapihub/hapihub/shared/openapi"
	"github.com/hapihub/hapihub/shared/store/core"
)

func TestClinicalResourcesOverHTTP(t *testing.T) {
	s := newStack(t)
	a := s.newAccount("Acme")
	p := &a.test
	pats := s.do(p, "GET", "/patients?$limit=2", nil)
	require.Equal(t, 200, pats.Status, pats.Raw)
	patient := pats.data()[0].(map[string]any)["id"].(string)
	pracs := s.do(p, "GET", "/practitioners", nil)
	require.Equal(t, 200, pracs.Status, pracs.Raw)
	prac := pracs.data()[0].(map[string]any)["id"].(string)

	bodies := map[string]map[string]any{
		"practitioners": {"firstName": "Poppy", "lastName": "Pomfrey", "title": "Matron", "email": "poppy@example.com", "phone": "+442079460001"},
		"appointments":  {"patientId": patient, "practitionerId": prac, "startsAt": 1767258000000, "endsAt": 1767259800000, "reason": "Check-up"},
		"messages":      {"patientId": patient, "roomId": "room_t1", "direction": "outbound", "channel": "sms", "text": "See you tomorrow"},
		"invoices":      {"patientId": patient, "currency": "jpy", "lineItems": []any{map[string]any{"description": "Consultation", "quantity": 2, "unitAmount": 5500}}},
	}
	for _, res := range []string{"practitioners", "appointments", "messages", "invoices"} {
		t.Run(res, func(t *testing.T) {
			c := s.do(p, "POST", "/"+res, bodies[res])
			require.Equal(t, http.StatusCreated, c.Status, c.Raw)
			id := c.Body["id"].(string)
			assert.Equal(t, a.acct.SandboxOrg, c.Body["organizationId"])
			assert.Equal(t, false, c.Body["livemode"])
			g := s.do(p, "GET", "/"+res+"/"+id, nil)
			require.Equal(t, 200, g.Status, g.Raw)
			assert.Equal(t, `"1"`, g.Header["ETag"])
			pt := s.do(p, "PATCH", "/"+res+"/"+id, map[string]any{"metadata": map[string]any{"k": "v"}}, "If-Match", `"1"`)
			require.Equal(t, 200, pt.Status, pt.Raw)
			u := s.do(p, "PUT", "/"+res+"/"+id, bodies[res])
			require.Equal(t, 200, u.Status, u.Raw)
			assert.Empty(t, u.Body["metadata"], "update replaces the whole object")
			f := s.do(p, "GET", "/"+res+"?$limit=100&$total=true", nil)
			require.Equal(t, 200, f.Status, f.Raw)
			assert.Positive(t, f.Body["total"])
			d := s.do(p, "DELETE", "/"+res+"/"+id, nil)
			require.Equal(t, 200, d.Status, d.Raw)
			assert.Equal(t, true, d.Body["deleted"])
			assert.Equal(t, "NOT_FOUND", s.do(p, "GET", "/"+res+"/"+id, nil).name())
		})
	}
	inv := s.do(p, "POST", "/invoices", bodies["invoices"])
	assert.EqualValues(t, 11000, inv.Body["total"], "JPY amounts are not multiplied")
	assert.Equal(t, "JPY", inv.Body["currency"])
}

func TestRuleErrorsOverHTTP(t *testing.T) {
	s := newStack(t)
	a := s.newAccount("Acme")
	p := &a.test
	patient := s.do(p, "GET", "/patients", nil).data()[0].(map[string]any)["id"].(string)
	live := s.do(&a.live, "GET", "/patients", nil, "HapiHub-Organization", a.liveOrgs[0]).data()[0].(map[string]any)["id"].(string)
	appt := func(kv ...any) map[string]any {
		b := map[string]any{"patientId": patient, "startsAt": 1767258000000, "endsAt": 1767259800000}
		for i := 0; i < len(kv); i += 2 {
			b[kv[i].(string)] = kv[i+1]
		}
		return b
	}
	tests := []struct {
		name, path string
		body       map[string]any
		field      string
	}{
		{"appointment ends before it starts", "/appointments", appt("endsAt", 1767250000000), "endsAt"},
		{"unknown patient", "/appointments", appt("patientId", "pat_00000000000000000000000000"), "patientId"},
		{"live patient from test mode", "/appointments", appt("patientId", live), "patientId"},
		{"cancelled without reason", "/appointments", appt("status", "cancelled"), "cancellationReason"},
		{"date-time as a string", "/appointments", appt("startsAt", "2026-01-01T09:00:00Z"), "startsAt"},
		{"overpaid invoice", "/invoices", map[string]any{"patientId": patient, "currency": "USD", "amountPaid": 1}, "amountPaid"},
		{"total is read-only", "/invoices", map[string]any{"patientId": patient, "currency": "USD", "total": 5}, "total"},
		{"unknown currency", "/invoices", map[string]any{"patientId": patient, "currency": "XXX"}, "currency"},
		{"alpha-2 country", "/patients", map[string]any{"firstName": "A", "lastName": "B", "address": map[string]any{"country": "GB"}}, "address.country"},
		{"phone not E.164", "/practitioners", map[string]any{"firstName": "A", "lastName": "B", "phone": "020 7946 0000"}, "phone"},
		{"bad email", "/practitioners", map[string]any{"firstName": "A", "lastName": "B", "email": "a@b"}, "email"},
		{"message direction", "/messages", map[string]any{"patientId": patient, "roomId": "r", "direction": "sideways", "channel": "sms", "text": "x"}, "direction"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, accept := range []string{"application/json", "application/problem+json"} {
				r := s.do(p, "POST", tc.path, tc.body, "Accept", accept)
				require.Equal(t, 400, r.Status, r.Raw)
				assert.Equal(t, "INVALID_PARAMETERS", r.name())
				assert.Contains(t, r.Raw, `"field":"`+tc.field+`"`)
			}
		})
	}
	// Transitions and events over HTTP.
	c := s.do(p, "POST", "/appointments", appt())
	require.Equal(t, 201, c.Status, c.Raw)
	id := c.Body["id"].(string)
	r := s.do(p, "PATCH", "/appointments/"+id, map[string]any{"status": "fulfilled"})
	assert.Equal(t, 400, r.Status)
	assert.Contains(t, r.Raw, `"field":"status"`)
	r = s.do(p, "PATCH", "/appointments/"+id, map[string]any{"status": "cancelled", "cancellationReason": "Unwell"})
	require.Equal(t, 200, r.Status, r.Raw)
	r = s.do(p, "PATCH", "/appointments/"+id, map[string]any{"status": "booked"})
	assert.Contains(t, r.Raw, "final")
	inv := s.do(p, "POST", "/invoices", map[string]any{"patientId": patient, "currency": "GBP", "status": "open",
		"lineItems": []any{map[string]any{"description": "Consultation", "quantity": 1, "unitAmount": 9500}}})
	require.Equal(t, 201, inv.Status, inv.Raw)
	r = s.do(p, "PATCH", "/invoices/"+inv.Body["id"].(string), map[string]any{"status": "paid"})
	require.Equal(t, 200, r.Status, r.Raw)
	assert.EqualValues(t, 9500, r.Body["amountPaid"])
	r = s.do(p, "PATCH", "/invoices/"+inv.Body["id"].(string), map[string]any{"status": "open"})
	assert.Equal(t, 400, r.Status)
	// Partly paid: "paid" alone keeps the amount recorded, so the refusal says what to send.
	part := s.do(p, "POST", "/invoices", map[string]any{"patientId": patient, "currency": "GBP", "status": "open", "amountPaid": 4000,
		"lineItems": []any{map[string]any{"description": "Consultation", "quantity": 1, "unitAmount": 9500}}})
	require.Equal(t, 201, part.Status, part.Raw)
	r = s.do(p, "PATCH", "/invoices/"+part.Body["id"].(string), map[string]any{"status": "paid"})
	assert.Equal(t, 400, r.Status, r.Raw)
	assert.Contains(t, r.Raw, "send amountPaid 9500 with the status")
	r = s.do(p, "PATCH", "/invoices/"+part.Body["id"].(string), map[string]any{"status": "paid", "amountPaid": 9500})
	assert.Equal(t, 200, r.Status, r.Raw)
	evs, err := s.st.ListEvents(context.Background(), a.acct.ID, domain.Test, core.EventQuery{Limit: 100})
	require.NoError(t, err)
	var types []string
	for _, e := range evs.Events {
		types = append(types, fmt.Sprint(e["type"]))
	}
	joined := strings.Join(types, ",")
	assert.Contains(t, joined, "appointment.cancelled")
	assert.Contains(t, joined, "invoice.paid")
	assert.Equal(t, 1, strings.Count(joined, "appointment.cancelled"), "one cancelled event, not one per attempt")
}

// docs/openapi.json is valid OpenAPI and is what the code generates (make openapi), and it
// documents every route of template.yaml.
func TestCommittedOpenAPIDocument(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "docs", "openapi.json"))
	require.NoError(t, err)
	spec, err := openapi3.NewLoader().LoadFromData(b)
	require.NoError(t, err)
	require.NoError(t, spec.Validate(context.Background()))
	fresh, err := openapi.JSON(runner.OpenAPI(context.Background(), testConfig()))
	require.NoError(t, err)
	assert.Equal(t, string(fresh), string(b), "docs/openapi.json is stale: run make openapi")
	assert.Equal(t, string(b), string(docs.OpenAPI), "the openapi function's embedded document is not docs/openapi.json")
	web := webRoutes(t)
	for _, r := range loadTemplate(t).Routes() {
		if web[r.Method+" "+r.Path] {
			continue // the console's pages are not the API
		}
		item := spec.Paths.Find(r.Path)
		require.NotNil(t, item, "%s %s is not documented", r.Method, r.Path)
		assert.NotNil(t, item.GetOperation(r.Method), "%s %s is not documented", r.Method, r.Path)
	}
}

// RFC 9110 §13.1.1: If-Match is "*" or a list of entity tags compared strongly; a well-formed tag
// that matches nothing (weak tags included: they never match strongly) is 412, a malformed
// header 400, a missing object 404 before any precondition (§13.2.1).
func TestIfMatchRFC9110(t *testing.T) {
	s := newStack(t)
	a := s.newAccount("Acme")
	p := &a.test
	c := s.do(p, "POST", "/patients", map[string]any{"firstName": "Ada", "lastName": "Lovelace"})
	require.Equal(t, http.StatusCreated, c.Status, c.Raw)
	path := "/patients/" + c.Body["id"].(string)
	tests := []struct {
		ifMatch string
		status  int
		class   string
	}{
		{`"anything-else"`, 412, "precondition-failed"},
		{`"2"`, 412, "precondition-failed"},
		{`W/"1"`, 412, "precondition-failed"},
		{`"01"`, 412, "precondition-failed"},
		{`"7", "8"`, 412, "precondition-failed"},
		{`3`, 400, "bad-request"},
		{`"1`, 400, "bad-request"},
		{`"a"b"`, 400, "bad-request"},
		{`"9", "1"`, 200, ""},
		{`*`, 200, ""},
		{`"3"`, 200, ""}, // after two successful patches
	}
	for _, tc := range tests {
		r := s.do(p, "PATCH", path, map[string]any{"metadata": map[string]any{"k": "v"}}, "If-Match", tc.ifMatch)
		assert.Equal(t, tc.status, r.Status, "If-Match: %s → %s", tc.ifMatch, r.Raw)
		if tc.class != "" {
			assert.Equal(t, tc.class, r.Body["className"], tc.ifMatch)
			assert.EqualValues(t, tc.status, r.Body["code"], tc.ifMatch)
		}
	}
	missing := s.do(p, "DELETE", "/patients/pat_doesnotexist", nil, "If-Match", `"1"`)
	assert.Equal(t, 404, missing.Status, missing.Raw)
	assert.Equal(t, "not-found", missing.Body["className"])
	del := s.do(p, "DELETE", path, nil, "If-Match", `W/"4"`)
	assert.Equal(t, 412, del.Status, del.Raw)
	del = s.do(p, "DELETE", path, nil, "If-Match", `"4"`)
	assert.Equal(t, 200, del.Status, del.Raw)
}

// Several sort keys through the router: the event's map loses object-form order, so that form is
// refused naming the array form; the array form and Hubpay's repeated sort= come back in order.
// Hard limits on query work answer 400 naming the limit, fast (issue 16: 20,000 $search terms).
func TestQueryOrderAndLimitsOverHTTP(t *testing.T) {
	s := newStack(t)
	a := s.newAccount("Acme")
	p := &a.test
	obj := s.do(p, "GET", "/patients?$sort[lastName]=1&$sort[firstName]=-1", nil)
	assert.Equal(t, 400, obj.Status, obj.Raw)
	assert.Contains(t, obj.Raw, "$sort[0][")

	arr := s.do(p, "GET", "/patients?$sort[0][lastName]=1&$sort[1][firstName]=-1&$limit=100", nil)
	require.Equal(t, 200, arr.Status, arr.Raw)
	hub := s.do(p, "GET", "/patients?sort=lastName,asc&sort=firstName,desc&size=100", nil)
	require.Equal(t, 200, hub.Status, hub.Raw)
	rows := arr.data()
	require.NotEmpty(t, rows)
	for i := 1; i < len(rows); i++ {
		a, b := rows[i-1].(map[string]any), rows[i].(map[string]any)
		al, bl := a["lastName"].(string), b["lastName"].(string)
		require.LessOrEqual(t, al, bl, "lastName ascending first")
		if al == bl {
			require.GreaterOrEqual(t, a["firstName"].(string), b["firstName"].(string), "then firstName descending")
		}
		assert.Equal(t, a["id"], hub.Body["content"].([]any)[i-1].(map[string]any)["id"], "Hubpay's repeated sort agrees")
	}

	words := make([]string, 20000)
	for i := range words {
		words[i] = fmt.Sprintf("w%d", i)
	}
	for _, tc := range []struct{ raw, limit string }{
		{"$search=" + strings.Join(words, "%20"), "MaxQueryLength"},
		{"$search=" + strings.Join(words[:33], "%20"), "MaxSearchTerms"},
		{"$or[0][lastName]=a&$or[1][lastName]=a&$or[2][lastName]=a&$or[3][lastName]=a&$or[4][lastName]=a&$or[5][lastName]=a" +
			"&$or[6][lastName]=a&$or[7][lastName]=a&$or[8][lastName]=a&$or[9][lastName]=a&$or[10][lastName]=a", "MaxBranches"},
		{"$sort[firstName]=1", "query_not_indexed"},
		// A deep skip points to cursor pages (a range on a non-unique sort field would skip ties),
		// and a cursor in Hubpay's dialect says which dialect takes it.
		{"$sort[0][lastName]=1&$skip=3000", "startingAfter (the id of the last object seen)"},
		{"page=0&size=2&startingAfter=pat_01JGXDFAM00VPX4M4C47E5W3A6", "not part of the page/size dialect"},
		{"page=0&size=2&endingBefore=pat_01JGXDFAM00VPX4M4C47E5W3A6", "cursor pages take the $ operators"},
	} {
		r := s.do(p, "GET", "/patients?"+tc.raw, nil)
		assert.Equal(t, 400, r.Status, r.Raw[:min(len(r.Raw), 300)])
		assert.Equal(t, "INVALID_PARAMETERS", r.name())
		assert.Contains(t, r.Raw, tc.limit)
	}
}

// The document names the server it was fetched from (make run: http://localhost:3000), has a
// readable operationId for every operation, and types $sort as the array form.
func TestOpenAPIServersAndOperationIDs(t *testing.T) {
	s := newStack(t)
	r := s.do(nil, "GET", "/openapi.json", nil, "Host", "localhost:3000", "X-Forwarded-Proto", "http")
	require.Equal(t, 200, r.Status)
	assert.Equal(t, []any{map[string]any{"url": "http://localhost:3000", "description": "Where this document was served from."}}, r.Body["servers"])
	ids := map[string]bool{}
	for path, item := range r.Body["paths"].(map[string]any) {
		for method, op := range item.(map[string]any) {
			id := op.(map[string]any)["operationId"].(string)
			assert.Regexp(t, `^[a-z]+[A-Z][A-Za-z]*$`, id, "%s %s", method, path)
			assert.False(t, ids[id], "operationId %s twice", id)
			ids[id] = true
		}
	}
	for _, id := range []string{"listPatients", "getPatient", "createPatient", "updatePatient", "replacePatient", "deletePatient",
		"createWebhookEndpoint", "listWebhookDeliveries", "resendWebhookDelivery", "rollApiKey", "listEvents", "resetSandbox", "getIpAllowlist"} {
		assert.True(t, ids[id], id)
	}
	var sortParam map[string]any
	for _, p := range r.Body["paths"].(map[string]any)["/patients"].(map[string]any)["get"].(map[string]any)["parameters"].([]any) {
		if p.(map[string]any)["name"] == "$sort" {
			sortParam = p.(map[string]any)
		}
	}
	require.NotNil(t, sortParam)
	assert.Equal(t, "array", sortParam["schema"].(map[string]any)["anyOf"].([]any)[0].(map[string]any)["type"])
}
