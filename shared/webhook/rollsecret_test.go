package webhook_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/shared/domain"
)

// TestRollSecretForms: roll-secret takes the canonical expiresAt (Unix ms, as POST
// /api-keys/{id}/roll takes it) and still its first form, expiresInSeconds; each is bounded to
// 24 hours ahead, both at once is refused, and the old secret verifies exactly until the end.
func TestRollSecretForms(t *testing.T) {
	h := newAPI(t)
	now := h.clock.Now()
	ms := func(d time.Duration) int64 { return now.Add(d).UnixMilli() }
	cases := []struct {
		name  string
		body  map[string]any
		field string        // "" when the roll succeeds
		grace time.Duration // how long the old secret stays valid on success
	}{
		{"empty body: expire now", nil, "", 0},
		{"expiresAt in an hour", map[string]any{"expiresAt": ms(time.Hour)}, "", time.Hour},
		{"expiresAt now", map[string]any{"expiresAt": ms(0)}, "", 0},
		{"expiresAt at the 24 h bound", map[string]any{"expiresAt": ms(24 * time.Hour)}, "", 24 * time.Hour},
		{"expiresAt past the bound", map[string]any{"expiresAt": ms(24*time.Hour) + 1}, "expiresAt", 0},
		{"expiresAt in the past", map[string]any{"expiresAt": ms(-time.Millisecond)}, "expiresAt", 0},
		{"expiresAt in seconds, not ms", map[string]any{"expiresAt": now.Unix() + 60}, "expiresAt", 0},
		{"expiresAt fractional", map[string]any{"expiresAt": float64(ms(time.Hour)) + 0.5}, "expiresAt", 0},
		{"expiresAt a string", map[string]any{"expiresAt": "soon"}, "body", 0},
		{"expiresInSeconds 3600", map[string]any{"expiresInSeconds": 3600}, "", time.Hour},
		{"expiresInSeconds 0", map[string]any{"expiresInSeconds": 0}, "", 0},
		{"expiresInSeconds at the bound", map[string]any{"expiresInSeconds": 86400}, "", 24 * time.Hour},
		{"expiresInSeconds past the bound", map[string]any{"expiresInSeconds": 86401}, "expiresInSeconds", 0},
		{"expiresInSeconds negative", map[string]any{"expiresInSeconds": -1}, "expiresInSeconds", 0},
		{"expiresInSeconds fractional", map[string]any{"expiresInSeconds": 1.5}, "expiresInSeconds", 0},
		{"both forms", map[string]any{"expiresAt": ms(time.Hour), "expiresInSeconds": 3600}, "expiresInSeconds", 0},
		{"unknown field", map[string]any{"expires": 3600}, "body", 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, ep := h.call(domain.Test, "POST", "/webhook-endpoints", nil, "", map[string]any{"url": "https://hooks.example.com/h", "enabledEvents": []string{"*"}})
			id, old := ep["id"].(string), ep["secret"].(string)
			defer h.call(domain.Test, "DELETE", "/webhook-endpoints/{id}", map[string]string{"id": id}, "", nil) // at most 16 per mode
			var body any
			if c.body != nil {
				body = c.body
			}
			status, out := h.call(domain.Test, "POST", "/webhook-endpoints/{id}/roll-secret", map[string]string{"id": id}, "", body)
			e, err := h.st.GetEndpoint(h.ctx, tenant.Account, domain.Test, id)
			require.NoError(t, err)
			if c.field != "" {
				require.Equal(t, http.StatusBadRequest, status, out)
				assert.Equal(t, c.field, out["errors"].([]any)[0].(map[string]any)["field"], out)
				assert.Equal(t, []string{old}, e.ActiveSecrets(now), "a refused roll changes nothing")
				return
			}
			require.Equal(t, http.StatusOK, status, out)
			secret := out["secret"].(string)
			require.NotEqual(t, old, secret)
			if c.grace == 0 {
				assert.Equal(t, []string{secret}, e.ActiveSecrets(now))
				return
			}
			assert.Equal(t, []string{secret, old}, e.ActiveSecrets(now.Add(c.grace-time.Millisecond)))
			assert.Equal(t, []string{secret}, e.ActiveSecrets(now.Add(c.grace)))
		})
	}
}
