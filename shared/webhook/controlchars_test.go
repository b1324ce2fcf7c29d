package webhook_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/shared/domain"
)

// TestEndpointStringsRefuseControlCharacters: a webhook endpoint's url, description and metadata
// follow the clinical bodies' rule (docs/decisions.md#writes, shared/schema.ControlChar): C0
// control characters other than tab, line feed and carriage return are 400 naming the field in
// the same words, on create and on patch, and nothing changes.
func TestEndpointStringsRefuseControlCharacters(t *testing.T) {
	h := newAPI(t)
	_, ep := h.call(domain.Test, "POST", "/webhook-endpoints", nil, "", map[string]any{
		"url": "https://hooks.example.com/h", "enabledEvents": []string{"*"}, "description": "CRM", "metadata": map[string]any{"team": "crm"}})
	id := ep["id"].(string)
	ok := func(body map[string]any) map[string]any {
		body["url"], body["enabledEvents"] = "https://hooks.example.com/h", []string{"*"}
		return body
	}
	cases := []struct {
		name    string
		method  string
		body    map[string]any
		field   string
		message string
	}{
		{"url", "POST", map[string]any{"url": "https://hooks.example.com/\x00", "enabledEvents": []string{"*"}}, "url", "cannot contain the control character U+0000 (at character 26)"},
		{"description", "POST", ok(map[string]any{"description": "esc \x1b[2J"}), "description", "cannot contain the control character U+001B (at character 4)"},
		{"metadata value", "POST", ok(map[string]any{"metadata": map[string]any{"team": "c\x07"}}), "metadata.team", "cannot contain the control character U+0007 (at character 1)"},
		{"metadata key", "POST", ok(map[string]any{"metadata": map[string]any{"t\x00": "x"}}), "metadata", `key "t\x00" cannot contain the control character U+0000 (at character 1)`},
		{"url on patch", "PATCH", map[string]any{"url": "https://hooks.example.com/\x1f"}, "url", "cannot contain the control character U+001F (at character 26)"},
		{"description on patch", "PATCH", map[string]any{"description": "\x00"}, "description", "cannot contain the control character U+0000 (at character 0)"},
		{"metadata value on patch", "PATCH", map[string]any{"metadata": map[string]any{"team": "\x02"}}, "metadata.team", "cannot contain the control character U+0002 (at character 0)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path, params := "/webhook-endpoints", map[string]string(nil)
			if c.method == "PATCH" {
				path, params = "/webhook-endpoints/{id}", map[string]string{"id": id}
			}
			status, out := h.call(domain.Test, c.method, path, params, "", c.body)
			require.Equal(t, http.StatusBadRequest, status, out)
			assert.Equal(t, "INVALID_PARAMETERS", out["name"])
			errs, _ := out["errors"].([]any)
			require.Len(t, errs, 1, out)
			assert.Equal(t, c.field, errs[0].(map[string]any)["field"])
			assert.Equal(t, c.message, errs[0].(map[string]any)["message"])
		})
	}
	_, list := h.call(domain.Test, "GET", "/webhook-endpoints", nil, "", nil)
	assert.Len(t, list["data"], 1, "no endpoint was created")
	_, got := h.call(domain.Test, "GET", "/webhook-endpoints/{id}", map[string]string{"id": id}, "", nil)
	assert.Equal(t, "CRM", got["description"])
	assert.Equal(t, map[string]any{"team": "crm"}, got["metadata"])
	assert.Equal(t, "https://hooks.example.com/h", got["url"])
	// Tab, line feed and carriage return stay text.
	status, patched := h.call(domain.Test, "PATCH", "/webhook-endpoints/{id}", map[string]string{"id": id}, "", map[string]any{"description": "a\tb\r\nc"})
	require.Equal(t, http.StatusOK, status, patched)
	assert.Equal(t, "a\tb\r\nc", patched["description"])
}
