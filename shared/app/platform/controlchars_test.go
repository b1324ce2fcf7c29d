package platform

import (
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPlatformStringsRefuseControlCharacters: a key's name and note, and the request-log
// requestId filter, follow the clinical bodies' rule (docs/decisions.md#writes): C0 control
// characters other than tab, line feed and carriage return are 400 naming the field with the
// same words as a patient's field, and nothing changes. Invalid UTF-8 is refused by the router
// for every route; the last cases check that it is for platform routes too.
func TestPlatformStringsRefuseControlCharacters(t *testing.T) {
	h := newHarness(t)
	sk := h.keys["sk_test"]
	created := h.do(req{key: sk, method: "POST", path: "/api-keys", body: `{"name":"reporting","note":"in the vault"}`})
	require.Equal(t, 201, created.status, created.body)
	kid := created.body["id"].(string)
	before := h.do(req{key: sk, method: "GET", path: "/api-keys"})
	require.Equal(t, 200, before.status)

	cases := []struct {
		name, method, path, body string
		status                   int
		field, message           string
	}{
		// The reference: a clinical body's string.
		{"patient firstName (clinical)", "POST", "/patients", `{"firstName":"A\u0000","lastName":"B"}`, 400, "firstName", "cannot contain the control character U+0000 (at character 1)"},
		{"key name on create", "POST", "/api-keys", `{"name":"a\u0000b"}`, 400, "name", "cannot contain the control character U+0000 (at character 1)"},
		{"key note on create", "POST", "/api-keys", `{"name":"ok","note":"\u001b[31mred"}`, 400, "note", "cannot contain the control character U+001B (at character 0)"},
		{"key name on edit", "PATCH", "/api-keys/" + kid, `{"name":"bell\u0007"}`, 400, "name", "cannot contain the control character U+0007 (at character 4)"},
		{"key note on edit", "PATCH", "/api-keys/" + kid, `{"note":"x\u007f\u0001"}`, 400, "note", "cannot contain the control character U+0001 (at character 2)"},
		{"requestId filter", "GET", "/request-logs?requestId=" + url.QueryEscape("req\x01"), "", 400, "requestId", "cannot contain the control character U+0001 (at character 3)"},
		{"invalid UTF-8 body", "POST", "/api-keys", "{\"name\":\"a\xffb\"}", 400, "body", "is not valid UTF-8 (byte 10); send JSON encoded as UTF-8"},
		{"lone surrogate", "PATCH", "/api-keys/" + kid, `{"note":"\ud800"}`, 400, "body", ""},
		{"invalid UTF-8 query", "GET", "/request-logs?requestId=%FF", "", 400, "requestId", ""},
		// Tab, line feed and carriage return are text, as in clinical strings.
		{"tab and newlines are text", "PATCH", "/api-keys/" + kid, `{"note":"line one\r\n\tline two"}`, 200, "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := h.do(req{key: sk, method: c.method, path: c.path, body: c.body})
			require.Equal(t, c.status, r.status, r.body)
			if c.field == "" {
				return
			}
			assert.Equal(t, "INVALID_PARAMETERS", r.name())
			errs, _ := r.body["errors"].([]any)
			require.Len(t, errs, 1, r.body)
			fe := errs[0].(map[string]any)
			assert.Equal(t, c.field, fe["field"])
			if c.message != "" {
				assert.Equal(t, c.message, fe["message"])
			}
		})
	}
	after := h.do(req{key: sk, method: "GET", path: "/api-keys"})
	assert.Len(t, after.body["data"], len(before.body["data"].([]any)), "no key was created")
	got := h.do(req{key: sk, method: "GET", path: "/api-keys/" + kid})
	assert.Equal(t, "reporting", got.body["name"], "refused edits changed nothing")
	assert.Equal(t, "line one\r\n\tline two", got.body["note"])
}
