package platform

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRollKeyExpiresAt: a key roll's expiresAt (Unix ms, the canonical form webhook secret rolls
// also take) is bounded to now..12 hours ahead; seconds for milliseconds, fractions and strings
// are refused naming it, and expiresInSeconds (a webhook secret roll's first form) names itself
// with the way to say it here. A refused roll leaves the key active.
func TestRollKeyExpiresAt(t *testing.T) {
	h := newHarness(t)
	sk := h.keys["sk_test"]
	now := h.clock.Now()
	ms := func(d time.Duration) int64 { return now.Add(d).UnixMilli() }
	cases := []struct {
		name  string
		body  map[string]any
		field string // "" when the roll succeeds
	}{
		{"no body: blocked now", nil, ""},
		{"in an hour", map[string]any{"expiresAt": ms(time.Hour)}, ""},
		{"at the 12 h bound", map[string]any{"expiresAt": ms(12 * time.Hour)}, ""},
		{"now", map[string]any{"expiresAt": ms(0)}, ""},
		{"past the bound", map[string]any{"expiresAt": ms(12*time.Hour) + 1}, "expiresAt"},
		{"in the past", map[string]any{"expiresAt": ms(-time.Millisecond)}, "expiresAt"},
		{"seconds, not ms", map[string]any{"expiresAt": now.Unix() + 60}, "expiresAt"},
		{"fractional", map[string]any{"expiresAt": float64(ms(time.Hour)) + 0.5}, "expiresAt"},
		{"a string", map[string]any{"expiresAt": "soon"}, "expiresAt"},
		{"the secret roll's first form", map[string]any{"expiresInSeconds": 3600}, "expiresInSeconds"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			created := h.do(req{key: sk, method: "POST", path: "/api-keys", body: `{"name":"roll me"}`})
			require.Equal(t, 201, created.status, created.body)
			id := created.body["id"].(string)
			body := ""
			if c.body != nil {
				b, err := json.Marshal(c.body)
				require.NoError(t, err)
				body = string(b)
			}
			r := h.do(req{key: sk, method: "POST", path: "/api-keys/" + id + "/roll", body: body})
			old := h.do(req{key: sk, method: "GET", path: "/api-keys/" + id})
			if c.field != "" {
				require.Equal(t, 400, r.status, r.body)
				assert.Equal(t, c.field, r.body["errors"].([]any)[0].(map[string]any)["field"], r.body)
				assert.Equal(t, "active", old.body["status"], "a refused roll changes nothing")
				return
			}
			require.Equal(t, 201, r.status, r.body)
			assert.Equal(t, id, r.body["rolledFrom"])
			if e, ok := c.body["expiresAt"]; ok && e.(int64) > now.UnixMilli() {
				assert.Equal(t, "expiring", old.body["status"])
				assert.EqualValues(t, e, old.body["expiresAt"])
			}
		})
	}
}
