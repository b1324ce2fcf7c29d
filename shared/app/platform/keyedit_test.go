package platform

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// PATCH /api-keys/{id} with permissions changes a restricted key's access, validated as on
// create; standard keys and revoked keys refuse it with the field named, and nothing changes.
// The new access applies once the authorizer's cached policy is renewed (docs/keys.md).
func TestEditRestrictedKeyPermissions(t *testing.T) {
	h := newHarness(t)
	sk := h.keys["sk_test"]
	created := h.do(req{key: sk, method: "POST", path: "/api-keys", body: `{"name":"reporting","permissions":{"patients":"read"}}`})
	require.Equal(t, 201, created.status, created.body)
	rk, rid := created.body["secret"].(string), created.body["id"].(string)
	list := h.do(req{key: sk, method: "GET", path: "/api-keys"})
	standard := map[string]string{"secret": findKey(t, list.body["data"].([]any), "secret"), "publishable": findKey(t, list.body["data"].([]any), "publishable")}
	revoked := h.do(req{key: sk, method: "POST", path: "/api-keys", body: `{"name":"old"}`})
	require.Equal(t, 200, h.do(req{key: sk, method: "DELETE", path: "/api-keys/" + revoked.body["id"].(string)}).status)

	write := func(cached bool) int {
		return h.do(req{key: rk, method: "POST", path: "/patients", body: `{"firstName":"A","lastName":"B"}`, cached: cached}).status
	}
	require.Equal(t, 403, write(false), "read only at first")

	tests := []struct {
		name, id, body string
		status         int
		field          string
	}{
		{"unknown level", rid, `{"permissions":{"patients":"admin"}}`, 400, "permissions.patients"},
		{"unknown resource", rid, `{"permissions":{"nonsense":"read"}}`, 400, "permissions.nonsense"},
		{"never api-keys", rid, `{"permissions":{"api-keys":"write"}}`, 400, "permissions.api-keys"},
		{"not an object", rid, `{"permissions":"all"}`, 400, "permissions"},
		{"secret key", standard["secret"], `{"permissions":{"patients":"read"}}`, 400, "permissions"},
		{"publishable key", standard["publishable"], `{"permissions":{"patients":"read"}}`, 400, "permissions"},
		{"revoked key", revoked.body["id"].(string), `{"permissions":{"patients":"write"}}`, 400, "id"},
		{"no such key", "key_nope", `{"permissions":{"patients":"write"}}`, 404, ""},
		{"grant write, rename", rid, `{"name":"sync","permissions":{"patients":"write","events":"read"}}`, 200, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := h.do(req{key: sk, method: "PATCH", path: "/api-keys/" + tc.id, body: tc.body})
			require.Equal(t, tc.status, r.status, r.body)
			if tc.field != "" {
				assert.Contains(t, fmt.Sprint(r.body["errors"]), "field:"+tc.field+" ", r.body)
			}
		})
	}
	got := h.do(req{key: sk, method: "GET", path: "/api-keys/" + rid})
	assert.Equal(t, map[string]any{"patients": "write", "events": "read"}, got.body["permissions"])
	assert.Equal(t, "sync", got.body["name"])
	std := h.do(req{key: sk, method: "GET", path: "/api-keys/" + standard["secret"]})
	assert.Empty(t, std.body["permissions"], "a refused edit changed nothing")

	// The authorizer's cached policy still carries the old access; a fresh one the new.
	assert.Equal(t, 403, write(true), "within the cache TTL the old permissions hold")
	assert.Equal(t, 201, write(false), "after it, the new ones")

	// Taking access away works the same way; a resource left out (events) is none.
	r := h.do(req{key: sk, method: "PATCH", path: "/api-keys/" + rid, body: `{"permissions":{"patients":"read"}}`})
	require.Equal(t, 200, r.status, r.body)
	assert.Equal(t, map[string]any{"patients": "read"}, r.body["permissions"])
	assert.Equal(t, 403, write(false))
	assert.Equal(t, 200, h.do(req{key: rk, method: "GET", path: "/patients"}).status)
}
