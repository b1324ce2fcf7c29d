package platform

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/shared/auth"
)

// A read runs concurrently with the re-check of its key (shared/api.Permissions), so the
// handler's answer exists before the check ends: it must never reach a client whose key no
// longer passes, whatever the handler answered, and the refusals keep their precedence.
func TestReadsOfAFailedKeyRecheckAreDiscarded(t *testing.T) {
	h := newHarness(t)
	old := h.keys["sk_test"]
	list := h.do(req{key: old, method: "GET", path: "/api-keys"})
	require.Equal(t, 200, list.status, list.body)
	sk := findKey(t, list.body["data"].([]any), auth.Secret)
	// Cache the old key's authorizer result, then roll it with a grace that ends.
	require.Equal(t, 200, h.do(req{key: old, method: "GET", path: "/api-keys/" + sk, cached: true}).status)
	rolled := h.do(req{key: old, method: "POST", path: "/api-keys/" + sk + "/roll", body: fmt.Sprintf(`{"expiresAt":%d}`, h.clock.Now().Add(time.Minute).UnixMilli())})
	require.Equal(t, 201, rolled.status, rolled.body)
	next := rolled.body["secret"].(string)
	h.clock.Advance(time.Minute)

	// A read that would reveal a secret (GET /api-keys/{id} shows a test key in full), one that
	// finds nothing (404) and a list: each answers 401 with the refusal's body only.
	for _, path := range []string{"/api-keys/" + sk, "/api-keys/key_none", "/patients", "/patients/pat_none"} {
		r := h.do(req{key: old, method: "GET", path: path, cached: true})
		assert.Equal(t, 401, r.status, path)
		assert.Equal(t, "AUTH_ERROR", r.name(), path)
		assert.NotContains(t, fmt.Sprint(r.body), next, path)
		assert.NotContains(t, fmt.Sprint(r.body), "sk_test_", path)
	}

	// A restricted key that lacks the permission and is revoked: 401 (the key) before 403.
	created := h.do(req{key: next, method: "POST", path: "/api-keys", body: `{"name":"ro","permissions":{"patients":"read"}}`})
	require.Equal(t, 201, created.status, created.body)
	rk, id := created.body["secret"].(string), created.body["id"].(string)
	assert.Equal(t, 403, h.do(req{key: rk, method: "GET", path: "/request-logs", cached: true}).status)
	require.Equal(t, 200, h.do(req{key: next, method: "DELETE", path: "/api-keys/" + id}).status)
	for _, path := range []string{"/request-logs", "/patients"} {
		r := h.do(req{key: rk, method: "GET", path: path, cached: true})
		assert.Equal(t, 401, r.status, path)
		assert.True(t, strings.Contains(fmt.Sprint(r.body["message"]), "revoked"), r.body)
	}
}
