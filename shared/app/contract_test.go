package app_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/infra/template"
	"github.com/hapihub/hapihub/shared/apperr"
	"github.com/hapihub/hapihub/shared/domain"
	"github.com/hapihub/hapihub/shared/store/core"
)

// TestWriteQueryParametersRefused: no write reads the query string, so a parameter on one is
// 400 naming it and changes nothing (the guide's Feathers clients send `$select` on create and
// patch; ignoring it answered a full object as if it had been honoured, and a typo'd field
// looked accepted). The Idempotency-Key of a refused request is not used up.
func TestWriteQueryParametersRefused(t *testing.T) {
	s := newStack(t)
	a := s.newAccount("Acme")
	p := &a.test
	created := s.do(p, "POST", "/patients", map[string]any{"firstName": "Query", "lastName": "Writes"})
	require.Equal(t, 201, created.Status, created.Raw)
	id := created.Body["id"].(string)
	events := func() int {
		evs, err := s.st.ListEvents(context.Background(), a.acct.ID, domain.Test, core.EventQuery{Limit: 100})
		require.NoError(t, err)
		return len(evs.Events)
	}
	count := func() int { return len(s.do(p, "GET", "/patients?$limit=100", nil).data()) }
	before, beforeEvents := count(), events()

	tests := []struct {
		name, method, path string
		body               any
		fields             []string
	}{
		{"$select on create", "POST", "/patients?$select[]=id", map[string]any{"firstName": "A", "lastName": "B"}, []string{"$select[]"}},
		{"a field in the query of a create", "POST", "/patients?firstName=A", map[string]any{"firstName": "A", "lastName": "B"}, []string{"firstName"}},
		{"several, named in order", "POST", "/patients?zeta=1&alpha=2", map[string]any{"firstName": "A", "lastName": "B"}, []string{"alpha", "zeta"}},
		{"$select on patch", "PATCH", "/patients/" + id + "?$select[]=id", map[string]any{"preferredName": "Q"}, []string{"$select[]"}},
		{"update", "PUT", "/patients/" + id + "?lastName=X", map[string]any{"firstName": "Query", "lastName": "Y"}, []string{"lastName"}},
		{"remove", "DELETE", "/patients/" + id + "?force=true", nil, []string{"force"}},
		{"platform create", "POST", "/webhook-endpoints?url=http://localhost:9/h", map[string]any{"url": "http://localhost:9/h", "enabledEvents": []string{"*"}}, []string{"url"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := s.do(p, tc.method, tc.path, tc.body, "Idempotency-Key", "aud2-"+tc.name)
			require.Equal(t, 400, r.Status, r.Raw)
			assert.Equal(t, "INVALID_PARAMETERS", r.name())
			var got []string
			for _, e := range r.Body["errors"].([]any) {
				got = append(got, e.(map[string]any)["field"].(string))
			}
			assert.Equal(t, tc.fields, got)
			assert.Contains(t, r.Body["message"], "not accepted on "+tc.method)
			if tc.body != nil {
				// The key was not used up: the same key without the query runs.
				clean := s.do(p, tc.method, strings.SplitN(tc.path, "?", 2)[0], tc.body, "Idempotency-Key", "aud2-"+tc.name)
				assert.Less(t, clean.Status, 300, clean.Raw)
				assert.Empty(t, clean.Header["Idempotent-Replayed"])
			}
		})
	}
	// Only the clean retries changed anything: three creates, a patch, an update (the remove was refused).
	assert.Equal(t, before+3, count())
	assert.Equal(t, beforeEvents+5, events(), "3 created, 1 patch, 1 update: no event for a refused request")
	g := s.do(p, "GET", "/patients/"+id, nil)
	require.Equal(t, 200, g.Status, "the refused DELETE removed nothing")
	// Reads keep their query: $select on a get still works.
	sel := s.do(p, "GET", "/patients/"+id+"?$select[]=firstName", nil)
	require.Equal(t, 200, sel.Status, sel.Raw)
	assert.Equal(t, "Query", sel.Body["firstName"])
	assert.NotContains(t, sel.Body, "lastName")
}

// TestBodyMustBeUnicode: a body with bytes that are not UTF-8, or a \u escape naming half a
// surrogate pair, is 400 naming the body (RFC 8259 §8.1, §8.2) and creates nothing;
// encoding/json would have stored U+FFFD in their place, changing the client's data silently.
func TestBodyMustBeUnicode(t *testing.T) {
	s := newStack(t)
	a := s.newAccount("Acme")
	p := &a.test
	count := func() int { return len(s.do(p, "GET", "/patients?$limit=100", nil).data()) }
	before := count()
	tests := []struct {
		name, body, msg string
	}{
		{"raw 0xff", "{\"firstName\":\"A\xff\",\"lastName\":\"B\"}", "not valid UTF-8 (byte 15)"},
		{"truncated sequence", "{\"firstName\":\"\xc3\",\"lastName\":\"B\"}", "not valid UTF-8 (byte 14)"},
		{"lone high surrogate", `{"firstName":"\ud800","lastName":"B"}`, `\ud800 at byte 14`},
		{"lone low surrogate", `{"firstName":"\uDC00x","lastName":"B"}`, `\uDC00 at byte 14`},
		{"high then not low", `{"firstName":"\ud83d\u0041","lastName":"B"}`, `\ud83d at byte 14`},
		{"high at the end of a string", `{"firstName":"A","lastName":"\ud83d"}`, `\ud83d at byte 29`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := s.do(p, "POST", "/patients", []byte(tc.body))
			require.Equal(t, 400, r.Status, r.Raw)
			assert.Equal(t, "INVALID_PARAMETERS", r.name())
			assert.Equal(t, "body", r.Body["errors"].([]any)[0].(map[string]any)["field"])
			assert.Contains(t, r.Body["message"], tc.msg)
		})
	}
	assert.Equal(t, before, count(), "nothing was created")
	// Valid escapes and characters outside the BMP pass unchanged.
	for _, body := range []string{`{"firstName":"\ud83d\ude00 \u00e9\\u","lastName":"Ok"}`, `{"firstName":"😀 é","lastName":"Ok"}`} {
		r := s.do(p, "POST", "/patients", []byte(body))
		require.Equal(t, 201, r.Status, r.Raw)
		assert.Contains(t, []string{"😀 é\\u", "😀 é"}, r.Body["firstName"])
	}
}

// TestGatewayResponsesSpeakTheErrorTable: API Gateway's own answers (template.yaml's gateway
// responses) are written by hand, outside apperr's one table, so each is checked against it:
// a name the table has, Feathers' code and className for the status it is sent with, and a
// Problem Details variant that says the same thing (RFC 9457: status, title, type by name,
// instance the event).
func TestGatewayResponsesSpeakTheErrorTable(t *testing.T) {
	tpl := loadTemplate(t)
	kinds := map[string]apperr.Kind{}
	for _, k := range apperr.Kinds() {
		kinds[k.Name()] = k
	}
	require.NotEmpty(t, tpl.API.GatewayResponses)
	const event = "0f8fad5b-d9cb-469f-a165-70867728950e"
	for typ, gr := range tpl.API.GatewayResponses {
		t.Run(typ, func(t *testing.T) {
			render := func(ct string) map[string]any {
				src, ok := gr.Templates[ct]
				require.True(t, ok, "%s has no %s template", typ, ct)
				var v map[string]any
				// $context.error.messageString is API Gateway's message, already a quoted JSON string.
				src = strings.ReplaceAll(src, "$context.error.messageString", `"Invalid request body"`)
				require.NoError(t, json.Unmarshal([]byte(strings.ReplaceAll(src, "$context.requestId", event)), &v), src)
				return v
			}
			js, pd := render("application/json"), render("application/problem+json")
			name, _ := js["name"].(string)
			kind, ok := kinds[name]
			require.True(t, ok, "%s answers %q, which is not in apperr's table", typ, name)
			status := gr.StatusCode
			if status == 0 {
				// DEFAULT_4XX/5XX keep the status of whatever failed, which the body cannot
				// know: it says the table's, and Problem Details leaves status out (optional).
				status = kind.Status()
				assert.NotContains(t, pd, "status")
			} else {
				assert.EqualValues(t, status, pd["status"])
			}
			departures := map[string]int{
				// A body over API Gateway's limit is INVALID_PARAMETERS with the gateway's own
				// status for it, a timeout UNKNOWN_ERROR with 504, an integration failure with 502
				// (docs/aws.md).
				"REQUEST_TOO_LARGE": 413, "INTEGRATION_TIMEOUT": 504, "INTEGRATION_FAILURE": 502,
			}
			if status != kind.Status() {
				assert.Equal(t, departures[typ], status, "%s: %s is %d in the table", typ, name, kind.Status())
			}
			assert.EqualValues(t, status, js["code"], "Feathers reads the status from code")
			assert.Equal(t, apperr.ClassName(status), js["className"])
			assert.Equal(t, event, js["event"])
			assert.NotEmpty(t, js["message"])
			_, _, want := apperr.Render(apperr.New(kind, "x"), event, true)
			var ref map[string]any
			require.NoError(t, json.Unmarshal(want, &ref))
			assert.Equal(t, ref["type"], pd["type"])
			assert.Equal(t, ref["title"], pd["title"])
			assert.Equal(t, ref["instance"], pd["instance"])
			for _, k := range []string{"name", "event", "code", "className"} {
				assert.Equal(t, js[k], pd[k], k)
			}
			assert.Equal(t, js["message"], pd["detail"])
		})
	}
}

// awsGatewayResponseTypes is every gateway response type API Gateway documents, with its default
// status (https://docs.aws.amazon.com/apigateway/latest/developerguide/supported-gateway-response-types.html;
// the valid values of responseType: https://docs.aws.amazon.com/apigateway/latest/api/API_GatewayResponse.html).
// DEFAULT_4XX and DEFAULT_5XX have no status of their own: they keep the status of the type they stand in for.
var awsGatewayResponseTypes = map[string]int{
	"ACCESS_DENIED": 403, "API_CONFIGURATION_ERROR": 500, "AUTHORIZER_CONFIGURATION_ERROR": 500,
	"AUTHORIZER_FAILURE": 500, "BAD_REQUEST_PARAMETERS": 400, "BAD_REQUEST_BODY": 400, "DEFAULT_4XX": 0,
	"DEFAULT_5XX": 0, "EXPIRED_TOKEN": 403, "INTEGRATION_FAILURE": 504, "INTEGRATION_TIMEOUT": 504,
	"INVALID_API_KEY": 403, "INVALID_SIGNATURE": 403, "MISSING_AUTHENTICATION_TOKEN": 403,
	"QUOTA_EXCEEDED": 429, "REQUEST_TOO_LARGE": 413, "RESOURCE_NOT_FOUND": 404, "THROTTLED": 429,
	"UNAUTHORIZED": 401, "UNSUPPORTED_MEDIA_TYPE": 415, "WAF_FILTERED": 403,
}

// TestEveryGatewayResponseTypeSaysItsStatus: whatever answer API Gateway gives itself, the body's
// code is the HTTP status it is sent with. A type without a response of its own is rendered by
// DEFAULT_4XX or DEFAULT_5XX at its default status, and those bodies can say only one status (400,
// 500): so every type whose default status is another needs its own response (EXPIRED_TOKEN,
// WAF_FILTERED, UNSUPPORTED_MEDIA_TYPE... answered INVALID_PARAMETERS 400 with a 403 or 415).
func TestEveryGatewayResponseTypeSaysItsStatus(t *testing.T) {
	tpl := loadTemplate(t)
	for typ := range tpl.API.GatewayResponses {
		_, ok := awsGatewayResponseTypes[typ]
		assert.True(t, ok, "%s is no gateway response type API Gateway documents", typ)
	}
	code := func(gr template.GatewayResponse) float64 {
		var v map[string]any
		src := strings.ReplaceAll(gr.Templates["application/json"], "$context.error.messageString", `"m"`)
		require.NoError(t, json.Unmarshal([]byte(src), &v), src)
		c, _ := v["code"].(float64)
		return c
	}
	for typ, def := range awsGatewayResponseTypes {
		if def == 0 {
			continue
		}
		t.Run(typ, func(t *testing.T) {
			gr, own := tpl.API.GatewayResponses[typ]
			status := def
			if !own {
				fallback := "DEFAULT_4XX"
				if def >= 500 {
					fallback = "DEFAULT_5XX"
				}
				gr, own = tpl.API.GatewayResponses[fallback]
				require.True(t, own, "%s falls back to %s, which the template must define", typ, fallback)
				require.Zero(t, gr.StatusCode, "a status on %s would change every type it stands in for", fallback)
			} else if gr.StatusCode != 0 {
				status = gr.StatusCode
			}
			assert.EqualValues(t, status, code(gr), "%s is sent as %d; its body must say so", typ, status)
		})
	}
	// On this API (no IAM methods) API Gateway reads Authorization as a SigV4 signature only on a
	// request that matched no method: which of these types it then uses, the client sees one answer.
	want := tpl.API.GatewayResponses["MISSING_AUTHENTICATION_TOKEN"]
	for _, typ := range []string{"RESOURCE_NOT_FOUND", "INVALID_SIGNATURE", "EXPIRED_TOKEN"} {
		assert.Equal(t, want, tpl.API.GatewayResponses[typ], "%s answers as MISSING_AUTHENTICATION_TOKEN", typ)
	}
}

// TestListsRefuseUnknownParameters: every list refuses a parameter it does not read, naming it;
// ignored, a filter answers every item as if it had been applied (GET .../deliveries?eventId=
// listed all deliveries). The parameters a list does read still work.
func TestListsRefuseUnknownParameters(t *testing.T) {
	s := newStack(t)
	a := s.newAccount("Acme")
	p := &a.test
	ep := s.do(p, "POST", "/webhook-endpoints", map[string]any{"url": "http://localhost:9/h", "enabledEvents": []string{"*"}})
	require.Equal(t, 201, ep.Status, ep.Raw)
	deliveries := "/webhook-endpoints/" + ep.Body["id"].(string) + "/deliveries"
	tests := []struct{ path, param string }{
		{"/patients?nope=1", "nope"},
		{"/events?nope=1", "nope"},
		{"/api-keys?nope=1", "nope"},
		{"/organizations?nope=1", "nope"},
		{"/request-logs?nope=1", "nope"},
		{"/event-types?nope=1", "nope"},
		{"/webhook-endpoints?nope=1", "nope"},
		{"/webhook-endpoints?page=0&size=2&nope=1", "nope"}, // in Hubpay's page/size dialect too
		{"/events?page=0&$total=true", "page"},              // the dialects do not mix
		{"/organizations?sort=name,asc", "sort"},            // a fixed order
		{deliveries + "?eventId=evt_01JZZZZZZZZZZZZZZZZZZZZZZZ", "eventId"},
		{deliveries + "?$total=true", "$total"}, // deliveries are not counted
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			r := s.do(p, "GET", tc.path, nil)
			require.Equal(t, 400, r.Status, r.Raw)
			assert.Equal(t, "INVALID_PARAMETERS", r.name())
			assert.Equal(t, tc.param, r.Body["errors"].([]any)[0].(map[string]any)["field"])
		})
	}
	for _, path := range []string{"/webhook-endpoints?$limit=1&$total=true", deliveries + "?status=failed&$limit=5&$skip=0",
		"/webhook-endpoints?page=0&size=2", deliveries + "?status=failed&page=1&size=5", "/organizations?page=0&size=1"} {
		r := s.do(p, "GET", path, nil)
		assert.Equal(t, 200, r.Status, r.Raw)
	}
}

// TestReadsWithoutParametersRefuseThem: a single-object read that takes no parameters refuses
// any (the guide's `$select` on GET /events/{id} answered the whole event; a typo'd ?expand=
// looked honoured). Clinical gets still read $select and expand.
func TestReadsWithoutParametersRefuseThem(t *testing.T) {
	s := newStack(t)
	a := s.newAccount("Acme")
	p := &a.test
	ep := s.do(p, "POST", "/webhook-endpoints", map[string]any{"url": "http://localhost:9/h", "enabledEvents": []string{"*"}})
	require.Equal(t, 201, ep.Status, ep.Raw)
	pat := s.do(p, "POST", "/patients", map[string]any{"firstName": "Read", "lastName": "Only"})
	require.Equal(t, 201, pat.Status, pat.Raw)
	evs, err := s.st.ListEvents(context.Background(), a.acct.ID, domain.Test, core.EventQuery{Limit: 1})
	require.NoError(t, err)
	require.NotEmpty(t, evs.Events)
	keys := s.do(p, "GET", "/api-keys", nil).data()
	require.NotEmpty(t, keys)
	tests := []struct{ path, param string }{
		{"/events/" + evs.Events[0]["id"].(string) + "?$select[]=type", "$select[]"},
		{"/webhook-endpoints/" + ep.Body["id"].(string) + "?expand[]=deliveries", "expand[]"},
		{"/api-keys/" + keys[0].(map[string]any)["id"].(string) + "?reveal=true", "reveal"},
		{"/account/api-version?v=1", "v"},
		{"/organizations/" + a.acct.SandboxOrg + "?_=1700000000", "_"},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			r := s.do(p, "GET", tc.path, nil)
			require.Equal(t, 400, r.Status, r.Raw)
			assert.Equal(t, tc.param, r.Body["errors"].([]any)[0].(map[string]any)["field"])
			assert.Contains(t, r.Body["message"], "takes no query parameters")
			// Without the parameter the same read answers.
			plain := s.do(p, "GET", strings.SplitN(tc.path, "?", 2)[0], nil)
			assert.Equal(t, 200, plain.Status, plain.Raw)
		})
	}
	sel := s.do(p, "GET", "/patients/"+pat.Body["id"].(string)+"?$select[]=lastName", nil)
	require.Equal(t, 200, sel.Status, sel.Raw)
	assert.Equal(t, "Only", sel.Body["lastName"])
	assert.NotContains(t, sel.Body, "firstName")
}

// TestQueryMustBeUnicode: a query value or name that is not UTF-8 once percent-decoded is 400
// naming it, not an empty page (it could match nothing, and would look like "no such patient").
func TestQueryMustBeUnicode(t *testing.T) {
	s := newStack(t)
	a := s.newAccount("Acme")
	p := &a.test
	for _, tc := range []struct{ path, field string }{
		{"/patients?firstName=%ff", "firstName"},
		{"/patients?$search=caf%e9", "$search"},
		{"/patients?lastName[$in][]=ok&lastName[$in][]=%c3", "lastName[$in][]"},
		{"/patients?%ff=1", `"\xff"`},
	} {
		t.Run(tc.path, func(t *testing.T) {
			r := s.do(p, "GET", tc.path, nil)
			require.Equal(t, 400, r.Status, r.Raw)
			assert.Equal(t, tc.field, r.Body["errors"].([]any)[0].(map[string]any)["field"])
			assert.Contains(t, r.Body["message"], "not valid UTF-8")
		})
	}
	ok := s.do(p, "GET", "/patients?$search=caf%C3%A9", nil)
	assert.Equal(t, 200, ok.Status, ok.Raw)
}
