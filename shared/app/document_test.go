package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/shared/apiversion"
	"github.com/hapihub/hapihub/shared/app/clinical"
	"github.com/hapihub/hapihub/shared/app/organizations"
	"github.com/hapihub/hapihub/shared/app/platform"
	"github.com/hapihub/hapihub/shared/schema"
)

// docValidator checks response bodies against the served OpenAPI document's schemas with a JSON
// Schema 2020-12 validator (santhosh-tekuri/jsonschema/v6: OpenAPI 3.1 schemas are 2020-12),
// independently of kin-openapi, which the harness also runs on every response.
type docValidator struct {
	c   *jsonschema.Compiler
	doc map[string]any
}

const docURL = "https://hapihub.test/openapi.json"

func newDocValidator(t *testing.T, raw string) *docValidator {
	doc, err := jsonschema.UnmarshalJSON(strings.NewReader(raw))
	require.NoError(t, err)
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	require.NoError(t, c.AddResource(docURL, doc))
	return &docValidator{c: c, doc: doc.(map[string]any)}
}

func pointerEscape(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

// check validates body as the response of (method, path template) with status, using the
// operation's response for that status (or default).
func (v *docValidator) check(t *testing.T, method, tmpl string, status int, body string) {
	t.Helper()
	op, ok := v.doc["paths"].(map[string]any)[tmpl].(map[string]any)[strings.ToLower(method)].(map[string]any)
	require.True(t, ok, "%s %s is in the document", method, tmpl)
	responses := op["responses"].(map[string]any)
	key := fmt.Sprint(status)
	if _, ok := responses[key]; !ok {
		key = "default"
	}
	require.Contains(t, responses, key, "%s %s documents %d", method, tmpl, status)
	resp := responses[key].(map[string]any)
	ptr := "#/paths/" + pointerEscape(tmpl) + "/" + strings.ToLower(method) + "/responses/" + key
	if ref, ok := resp["$ref"].(string); ok {
		ptr = ref
	}
	sch, err := v.c.Compile(docURL + ptr + "/content/application~1json/schema")
	require.NoError(t, err)
	inst, err := jsonschema.UnmarshalJSON(strings.NewReader(body))
	require.NoError(t, err)
	require.NoError(t, sch.Validate(inst), "%s %s → %d %s", method, tmpl, status, body)
}

// TestEveryOperationAgainstTheDocument drives every operation of the document through the real
// routers, its success and its documented errors (400 bad input, 401 no key, 403 wrong mode, 404
// no such id, 412 stale If-Match; and 409, 415, 426, 429, 500 on a few routes, the way each
// arises), and checks each response against the document; then that no operation went untried.
func TestEveryOperationAgainstTheDocument(t *testing.T) {
	s := newStack(t)
	a := s.newAccount("Acme")
	p := &a.test
	docResp := s.do(nil, "GET", "/openapi.json", nil)
	require.Equal(t, 200, docResp.Status)
	v := newDocValidator(t, docResp.Raw)
	seen := map[string]map[int]bool{}
	try := func(pr *principal, method, tmpl, path string, body any, want int, hdr ...string) resp {
		t.Helper()
		r := s.do(pr, method, path, body, hdr...)
		require.Equal(t, want, r.Status, "%s %s: %s", method, path, r.Raw)
		v.check(t, method, tmpl, r.Status, r.Raw)
		key := method + " " + tmpl
		if seen[key] == nil {
			seen[key] = map[int]bool{}
		}
		seen[key][r.Status] = true
		return r
	}
	id := func(r resp) string { return r.Body["id"].(string) }

	// The clinical resources, from their schemas.
	pats := s.do(p, "GET", "/patients?$limit=1", nil)
	patient := pats.data()[0].(map[string]any)["id"].(string)
	pracs := s.do(p, "GET", "/practitioners?$limit=1", nil)
	prac := pracs.data()[0].(map[string]any)["id"].(string)
	bodies := map[string]map[string]any{
		"patients":      {"firstName": "Ada", "lastName": "Lovelace"},
		"practitioners": {"firstName": "Poppy", "lastName": "Pomfrey", "title": "Matron", "email": "poppy@example.com", "phone": "+442079460001"},
		"appointments":  {"patientId": patient, "practitionerId": prac, "startsAt": 1767258000000, "endsAt": 1767259800000, "reason": "Check-up"},
		"messages":      {"patientId": patient, "roomId": "room_t1", "direction": "outbound", "channel": "sms", "text": "See you tomorrow"},
		"invoices":      {"patientId": patient, "currency": "jpy", "lineItems": []any{map[string]any{"description": "Consultation", "quantity": 2, "unitAmount": 5500}}},
	}
	for _, res := range schema.All() {
		base := "/" + res.Name
		one := base + "/{id}"
		q := "?$limit=2&$sort[0][createdAt]=-1&$select[]=createdAt"
		if res.Name == "organizations" {
			q = "?$limit=2&$total=true" // paged, not queried
		}
		try(p, "GET", base, base+q, nil, 200)
		try(p, "GET", base, base+"?nope=1", nil, 400)
		try(nil, "GET", base, base, nil, 401)
		list := s.do(p, "GET", base+"?$limit=1", nil)
		existing := list.data()[0].(map[string]any)["id"].(string)
		// Cursor pages (issue 20): documented, answered with hasMore, refused with $skip.
		try(p, "GET", base, base+"?$limit=1&startingAfter="+existing, nil, 200)
		try(p, "GET", base, base+"?$limit=1&endingBefore="+existing, nil, 200)
		try(p, "GET", base, base+"?$skip=1&startingAfter="+existing, nil, 400)
		try(p, "GET", one, base+"/"+existing, nil, 200)
		try(p, "GET", one, base+"/"+res.Prefix+"_nope", nil, 404)
		target := existing
		if res.Has(schema.Create) {
			c := try(p, "POST", base, base, bodies[res.Name], 201)
			target = id(c)
			try(p, "POST", base, base, map[string]any{"nope": 1}, 400)
		} else {
			try(p, "POST", base, base, map[string]any{}, 404) // METHOD_NOT_SUPPORTED
		}
		if res.Has(schema.Patch) {
			try(p, "PATCH", one, base+"/"+target, map[string]any{"metadata": map[string]any{"k": "v"}}, 200)
			try(p, "PATCH", one, base+"/"+target, map[string]any{"metadata": "x"}, 400)
			if res.Name != "organizations" { // its own handler, without If-Match (not documented)
				try(p, "PATCH", one, base+"/"+target, map[string]any{"metadata": map[string]any{}}, 412, "If-Match", `"999"`)
			}
			try(p, "PATCH", one, base+"/"+res.Prefix+"_nope", map[string]any{"metadata": map[string]any{}}, 404)
		} else {
			try(p, "PATCH", one, base+"/"+target, map[string]any{}, 404)
		}
		if res.Has(schema.Update) {
			try(p, "PUT", one, base+"/"+target, bodies[res.Name], 200)
			try(p, "PUT", one, base+"/"+target, map[string]any{}, 400)
			try(p, "PUT", one, base+"/"+res.Prefix+"_nope", bodies[res.Name], 404)
		} else {
			try(p, "PUT", one, base+"/"+target, map[string]any{}, 404)
		}
		if res.Has(schema.Remove) {
			try(p, "DELETE", one, base+"/"+target, nil, 412, "If-Match", `W/"1"`)
			try(p, "DELETE", one, base+"/"+target, nil, 200)
			try(p, "DELETE", one, base+"/"+target, nil, 404)
		} else {
			try(p, "DELETE", one, base+"/"+target, nil, 404)
		}
	}

	// 409 resource_in_use: a patient and a practitioner that seeded appointments refer to.
	ref := s.do(p, "GET", "/appointments?$limit=1", nil).data()[0].(map[string]any)
	try(p, "DELETE", "/patients/{id}", "/patients/"+ref["patientId"].(string), nil, 409)
	if pr, ok := ref["practitionerId"].(string); ok {
		try(p, "DELETE", "/practitioners/{id}", "/practitioners/"+pr, nil, 409)
	}

	// API keys.
	try(p, "GET", "/api-keys", "/api-keys", nil, 200)
	try(nil, "GET", "/api-keys", "/api-keys", nil, 401)
	k := try(p, "POST", "/api-keys", "/api-keys", map[string]any{"name": "ci", "permissions": map[string]any{"patients": "read"}}, 201)
	try(p, "POST", "/api-keys", "/api-keys", map[string]any{}, 400)
	try(p, "GET", "/api-keys/{id}", "/api-keys/"+id(k), nil, 200)
	try(p, "GET", "/api-keys/{id}", "/api-keys/key_nope", nil, 404)
	try(p, "PATCH", "/api-keys/{id}", "/api-keys/"+id(k), map[string]any{"note": "for CI"}, 200)
	try(p, "PATCH", "/api-keys/{id}", "/api-keys/"+id(k), map[string]any{"nope": 1}, 400)
	try(p, "PATCH", "/api-keys/{id}", "/api-keys/"+id(k), map[string]any{"permissions": map[string]any{"patients": "write", "events": "read"}}, 200)
	try(p, "PATCH", "/api-keys/{id}", "/api-keys/"+id(k), map[string]any{"permissions": map[string]any{"patients": "admin"}}, 400)
	rolled := try(p, "POST", "/api-keys/{id}/roll", "/api-keys/"+id(k)+"/roll", map[string]any{}, 201)
	try(p, "POST", "/api-keys/{id}/roll", "/api-keys/key_nope/roll", map[string]any{}, 404)
	try(p, "POST", "/api-keys/{id}/roll", "/api-keys/"+id(rolled)+"/roll", map[string]any{"expiresAt": "soon"}, 400)
	try(p, "DELETE", "/api-keys/{id}", "/api-keys/"+id(rolled), nil, 200)
	try(p, "DELETE", "/api-keys/{id}", "/api-keys/key_nope", nil, 404)

	// Tokens.
	tok := try(p, "POST", "/tokens", "/tokens", map[string]any{"type": "patient_intake", "data": map[string]any{"firstName": "Ada", "lastName": "L"}}, 201)
	try(p, "POST", "/tokens", "/tokens", map[string]any{"type": "nope", "data": map[string]any{}}, 400)
	try(p, "GET", "/tokens/{id}", "/tokens/"+id(tok), nil, 200)
	try(p, "GET", "/tokens/{id}", "/tokens/tok_nope", nil, 404)

	// Account.
	try(p, "GET", "/account/ip-allowlist", "/account/ip-allowlist", nil, 200)
	try(&a.live, "PUT", "/account/ip-allowlist", "/account/ip-allowlist", map[string]any{"cidrs": []any{}}, 200)
	try(&a.live, "PUT", "/account/ip-allowlist", "/account/ip-allowlist", map[string]any{"cidrs": []any{"nope"}}, 400)
	try(p, "PUT", "/account/ip-allowlist", "/account/ip-allowlist", map[string]any{"cidrs": []any{}}, 403)
	try(p, "GET", "/account/api-version", "/account/api-version", nil, 200)
	try(&a.live, "PUT", "/account/api-version", "/account/api-version", map[string]any{"apiVersion": string(apiversion.Releases.Latest())}, 200)
	try(&a.live, "PUT", "/account/api-version", "/account/api-version", map[string]any{"apiVersion": "1999-01-01"}, 400)
	try(p, "PUT", "/account/api-version", "/account/api-version", map[string]any{"apiVersion": string(apiversion.Releases.Latest())}, 403)

	// Events (the writes above made some) and request logs.
	evs := try(p, "GET", "/events", "/events?$limit=3", nil, 200)
	require.NotEmpty(t, evs.data())
	try(p, "GET", "/events", "/events?nope=1", nil, 400)
	try(p, "GET", "/events/{id}", "/events/"+evs.data()[0].(map[string]any)["id"].(string), nil, 200)
	try(p, "GET", "/events/{id}", "/events/evt_nope", nil, 404)
	try(p, "GET", "/event-types", "/event-types?type=patient.*", nil, 200)
	try(p, "GET", "/event-types", "/event-types?type=nope", nil, 400)
	logs := try(p, "GET", "/request-logs", "/request-logs?$limit=3", nil, 200)
	try(p, "GET", "/request-logs", "/request-logs?nope=1", nil, 400)
	try(p, "GET", "/request-logs", "/request-logs?requestId="+evs.Header["Request-Id"], nil, 200)
	if len(logs.data()) > 0 {
		try(p, "GET", "/request-logs/{id}", "/request-logs/"+logs.data()[0].(map[string]any)["id"].(string), nil, 200)
	}
	try(p, "GET", "/request-logs/{id}", "/request-logs/req_nope", nil, 404)

	// Webhook endpoints and deliveries.
	if _, served := s.routers["POST /webhook-endpoints"]; served {
		ep := try(p, "POST", "/webhook-endpoints", "/webhook-endpoints", map[string]any{"url": "http://127.0.0.1:9/hook", "enabledEvents": []any{"patient.*"}}, 201)
		try(p, "POST", "/webhook-endpoints", "/webhook-endpoints", map[string]any{"url": "nope"}, 400)
		e := "/webhook-endpoints/" + id(ep)
		try(p, "GET", "/webhook-endpoints", "/webhook-endpoints", nil, 200)
		try(p, "GET", "/webhook-endpoints/{id}", e, nil, 200)
		try(p, "GET", "/webhook-endpoints/{id}", "/webhook-endpoints/we_nope", nil, 404)
		try(p, "PATCH", "/webhook-endpoints/{id}", e, map[string]any{"description": "CRM"}, 200)
		try(p, "PATCH", "/webhook-endpoints/{id}", e, map[string]any{"url": 5}, 400)
		try(p, "POST", "/webhook-endpoints/{id}/roll-secret", e+"/roll-secret", map[string]any{"expiresInSeconds": 60}, 200)
		try(p, "POST", "/webhook-endpoints/{id}/roll-secret", e+"/roll-secret", map[string]any{"expiresInSeconds": "x"}, 400)
		d := try(p, "POST", "/webhook-endpoints/{id}/test", e+"/test", map[string]any{"type": "patient.created"}, 202)
		try(p, "POST", "/webhook-endpoints/{id}/test", e+"/test", map[string]any{"type": "nope"}, 400)
		try(p, "GET", "/webhook-endpoints/{id}/deliveries", e+"/deliveries", nil, 200)
		try(p, "GET", "/webhook-endpoints/{id}/deliveries", "/webhook-endpoints/we_nope/deliveries", nil, 404)
		dp := e + "/deliveries/" + id(d)
		try(p, "GET", "/webhook-endpoints/{id}/deliveries/{deliveryId}", dp, nil, 200)
		try(p, "GET", "/webhook-endpoints/{id}/deliveries/{deliveryId}", e+"/deliveries/whd_nope", nil, 404)
		try(p, "POST", "/webhook-endpoints/{id}/deliveries/{deliveryId}/resend", dp+"/resend", nil, 202)
		try(p, "POST", "/webhook-endpoints/{id}/deliveries/{deliveryId}/resend", e+"/deliveries/whd_nope/resend", nil, 404)
		try(p, "PATCH", "/webhook-endpoints/{id}", e, map[string]any{"headers": map[string]any{"X-Api-Key": "k1"}}, 200)
		try(p, "PATCH", "/webhook-endpoints/{id}", e, map[string]any{"headers": map[string]any{"Host": "x"}}, 400)
		try(p, "POST", "/webhook-endpoints/{id}/recover", e+"/recover", map[string]any{"since": time.Now().Add(-time.Hour).UnixMilli()}, 202)
		try(p, "POST", "/webhook-endpoints/{id}/recover", e+"/recover", map[string]any{"since": 0}, 400)
		try(p, "POST", "/webhook-endpoints/{id}/recover", "/webhook-endpoints/we_nope/recover", map[string]any{"since": time.Now().Add(-time.Hour).UnixMilli()}, 404)
		try(nil, "GET", "/webhook-source-ips", "/webhook-source-ips", nil, 200)
		try(p, "DELETE", "/webhook-endpoints/{id}", e, nil, 200)
		try(p, "DELETE", "/webhook-endpoints/{id}", e, nil, 404)
	}

	// The sandbox and the document.
	// Reset jobs need their queue: the routes as TestSandboxResetOverHTTP serves them.
	jobs, _ := smallJobs(t, s.st)
	small := platform.PlatformRouter(s.st, s.cfg, organizations.Routes(s.st, jobs))
	for _, rt := range small.Routes() {
		s.routers[rt.Key()] = small
	}
	try(p, "GET", "/sandbox/reset", "/sandbox/reset", nil, 404) // never reset yet
	try(p, "POST", "/sandbox/reset", "/sandbox/reset", map[string]any{}, 202)
	try(p, "GET", "/sandbox/reset", "/sandbox/reset", nil, 200)
	try(&a.live, "POST", "/sandbox/reset", "/sandbox/reset", map[string]any{}, 403)
	try(nil, "GET", "/openapi.json", "/openapi.json", nil, 200)

	// The errors a request alone does not cause, each through the real routers and checked
	// against the document like the rest.
	// 409: an Idempotency-Key replayed with another API key of the account (the stored response
	// is sealed with the first key's secret; the authorizer has already checked both keys).
	second := s.do(p, "POST", "/api-keys", map[string]any{"name": "second"})
	require.Equal(t, 201, second.Status, second.Raw)
	other := *p
	other.keyID = id(second)
	try(p, "POST", "/patients", "/patients", bodies["patients"], 201, "Idempotency-Key", "doc-409", "Authorization", "Bearer sk_test_first")
	try(&other, "POST", "/patients", "/patients", bodies["patients"], 409, "Idempotency-Key", "doc-409", "Authorization", "Bearer sk_test_second")
	// 415: a body that is not JSON.
	try(p, "POST", "/patients", "/patients", map[string]any{}, 415, "Content-Type", "text/plain")
	// 426: plain HTTP from outside (the local runner allows it from loopback only).
	try(p, "GET", "/patients", "/patients", nil, 426, "X-Forwarded-Proto", "http", sourceIP, "203.0.113.7")
	// 429 lock_timeout: a change that conflicts on every attempt. An organization's write is
	// conditioned on the updatedAt it read; one stored as a string never matches the number the
	// condition compares, so each of UpdateOrganization's attempts conflicts.
	ctx := context.Background()
	liveOrg := a.live.in(a.liveOrgs[0])
	_, err := s.st.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: &s.st.Table,
		Key:                       map[string]types.AttributeValue{"PK": &types.AttributeValueMemberS{Value: "ORG#" + a.liveOrgs[0]}, "SK": &types.AttributeValueMemberS{Value: "ORG"}},
		UpdateExpression:          aws.String("SET updatedAt = :s"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":s": &types.AttributeValueMemberS{Value: "conflicting"}}})
	require.NoError(t, err)
	locked := try(&liveOrg, "PATCH", "/organizations/{id}", "/organizations/"+a.liveOrgs[0], map[string]any{"metadata": map[string]any{"k": "v"}}, 429)
	assert.Equal(t, "lock_timeout", locked.Body["reason"], locked.Raw)
	// 500: the same routes built over a database that does not answer (a closed port).
	down := s.cfg
	down.DynamoDBEndpoint = "http://127.0.0.1:1"
	h, err := clinical.NewFunction(ctx, down, schema.Patients)
	require.NoError(t, err)
	for _, key := range []string{"GET /patients/{id}", "GET /patients"} {
		saved := s.routers[key]
		s.routers[key] = h
		try(p, "GET", strings.TrimPrefix(key, "GET "), strings.Replace(strings.TrimPrefix(key, "GET "), "{id}", patient, 1), nil, 500)
		s.routers[key] = saved
	}

	// Every operation was tried, with a success, and unless public a 401 or its resource's.
	var missing []string
	for path, item := range v.doc["paths"].(map[string]any) {
		for method := range item.(map[string]any) {
			key := strings.ToUpper(method) + " " + path
			if _, served := s.routers[key]; !served && key != "GET /openapi.json" {
				continue // a function this stack cannot build (its queue): reported below if none ran
			}
			ok := false
			for st := range seen[key] {
				ok = ok || st < 300 || st == 404 && !strings.Contains(path, "{") // METHOD_NOT_SUPPORTED ops answer only 404
			}
			if !ok && !onlyNotSupported(seen[key]) {
				missing = append(missing, key)
			}
		}
	}
	assert.Empty(t, missing, "operations never answered with success")
	assert.Greater(t, len(seen), 60)
	t.Logf("operations driven: %d", len(seen))
}

// onlyNotSupported: an operation of a method the resource lacks answers only 404.
func onlyNotSupported(st map[int]bool) bool { return len(st) == 1 && st[404] }

// Every list operation of the document declares the cursor parameters, and every list schema
// requires hasMore (issue 20: cursor pages on every list).
func TestDocumentDeclaresCursorsOnEveryList(t *testing.T) {
	s := newStack(t)
	r := s.do(nil, "GET", "/openapi.json", nil)
	require.Equal(t, 200, r.Status)
	var doc struct {
		Paths map[string]map[string]struct {
			OperationID string           `json:"operationId"`
			Parameters  []map[string]any `json:"parameters"`
		} `json:"paths"`
		Components struct {
			Schemas map[string]struct {
				Required []string `json:"required"`
			} `json:"schemas"`
		} `json:"components"`
	}
	require.NoError(t, json.Unmarshal([]byte(r.Raw), &doc))
	lists := 0
	for path, ops := range doc.Paths {
		op, ok := ops["get"]
		if !ok || !strings.HasPrefix(op.OperationID, "list") || op.OperationID == "listEventTypes" || op.OperationID == "listWebhookSourceIps" {
			continue
		}
		lists++
		names := map[string]bool{}
		for _, p := range op.Parameters {
			names[fmt.Sprint(p["name"])] = true
		}
		assert.True(t, names["startingAfter"] && names["endingBefore"], "%s (%s) declares startingAfter and endingBefore", path, op.OperationID)
	}
	assert.GreaterOrEqual(t, lists, 11, "the clinical and platform lists")
	for name, sc := range doc.Components.Schemas {
		if (strings.HasSuffix(name, "List") && name != "EventTypeList") || name == "Page" {
			assert.Contains(t, sc.Required, "hasMore", name)
		}
	}
}
