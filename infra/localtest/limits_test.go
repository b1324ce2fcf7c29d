package localtest_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/infra/localtest"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// TestBurstPastTheLimit: a test key's 26th GET within a second is refused with that plan's
// numbers; a second later it succeeds again. The gateway's clock is frozen, so the burst is exact.
func TestBurstPastTheLimit(t *testing.T) {
	clk := &clock{t: time.Now()}
	env := localtest.New(t, localtest.Options{Now: clk.Now})
	const limit = 25 // test plan: 25 reads/s per key (shared/auth.RateLimits, template.yaml)
	for i := 0; i < limit; i++ {
		r := env.Do(t, "GET", "/patients?$limit=1", env.TestKey, nil)
		require.Equal(t, http.StatusOK, r.Status, "request %d of the burst: %s", i, r.Body)
	}
	for range 3 {
		r := env.Do(t, "GET", "/patients?$limit=1", env.TestKey, nil)
		require.Equal(t, http.StatusTooManyRequests, r.Status, "%s", r.Body)
		assert.Equal(t, "RATE_LIMIT_EXCEEDED", r.JSON(t)["name"])
		assert.Equal(t, strconv.Itoa(limit), r.Header.Get("RateLimit-Limit"))
		assert.Equal(t, "0", r.Header.Get("RateLimit-Remaining"))
		assert.Equal(t, "1", r.Header.Get("RateLimit-Reset"))
		assert.Equal(t, "1", r.Header.Get("Retry-After"))
	}
	// Another route has its own bucket; the live key has its own plan.
	assert.Equal(t, http.StatusOK, env.Do(t, "GET", "/practitioners?$limit=1", env.TestKey, nil).Status)
	clk.Add(time.Second)
	r := env.Do(t, "GET", "/patients?$limit=1", env.TestKey, nil)
	assert.Equal(t, http.StatusOK, r.Status, "the next second: %s", r.Body)
}

// TestRolledKeyWorksUntilItsGraceEnds: a rolled restricted key keeps working until expiresAt,
// then answers 401, while its replacement works.
func TestRolledKeyWorksUntilItsGraceEnds(t *testing.T) {
	env := localtest.Shared(t)
	c := env.Do(t, "POST", "/api-keys", env.TestKey, map[string]any{"name": "roll " + uuid.NewString()[:6], "type": "restricted", "permissions": map[string]any{"patients": "read"}})
	require.Equal(t, http.StatusCreated, c.Status, "%s", c.Body)
	old := c.JSON(t)
	require.Equal(t, http.StatusOK, env.Do(t, "GET", "/patients?$limit=1", old["secret"].(string), nil).Status)

	grace := 1500 * time.Millisecond
	until := time.Now().Add(grace)
	rr := env.Do(t, "POST", "/api-keys/"+old["id"].(string)+"/roll", env.TestKey, map[string]any{"expiresAt": until.UnixMilli()})
	require.Equal(t, http.StatusCreated, rr.Status, "%s", rr.Body)
	nk := rr.JSON(t)["secret"].(string)
	assert.Equal(t, http.StatusOK, env.Do(t, "GET", "/patients?$limit=1", old["secret"].(string), nil).Status, "in its grace period")
	assert.Equal(t, http.StatusOK, env.Do(t, "GET", "/patients?$limit=1", nk, nil).Status)

	time.Sleep(time.Until(until) + 50*time.Millisecond)
	r := env.Do(t, "GET", "/patients?$limit=1", old["secret"].(string), nil)
	assert.Equal(t, http.StatusUnauthorized, r.Status, "%s", r.Body)
	assert.Equal(t, "AUTH_ERROR", r.JSON(t)["name"])
	assert.Equal(t, http.StatusOK, env.Do(t, "GET", "/patients?$limit=1", nk, nil).Status)
}

// TestPublishableKeyOnlyCreatesTokens: POST /tokens works with a publishable key; every other
// route answers 403 PERMISSIONS_ERROR.
func TestPublishableKeyOnlyCreatesTokens(t *testing.T) {
	env := localtest.Shared(t)
	tok := env.Do(t, "POST", "/tokens", env.PubKey, map[string]any{"type": "patient_intake", "data": map[string]any{"firstName": "Ada", "lastName": "Pub"}})
	require.Equal(t, http.StatusCreated, tok.Status, "%s", tok.Body)
	assert.True(t, strings.HasPrefix(tok.JSON(t)["id"].(string), "tok_"))
	refused := []struct{ method, path string }{
		{"GET", "/patients"}, {"POST", "/patients"}, {"GET", "/tokens/" + tok.JSON(t)["id"].(string)},
		{"GET", "/events"}, {"GET", "/api-keys"}, {"POST", "/webhook-endpoints"}, {"GET", "/appointments"},
	}
	for _, c := range refused {
		t.Run(c.method+" "+c.path, func(t *testing.T) {
			r := env.Do(t, c.method, c.path, env.PubKey, map[string]any{})
			assert.Equal(t, http.StatusForbidden, r.Status, "%s", r.Body)
			assert.Equal(t, "PERMISSIONS_ERROR", r.JSON(t)["name"])
		})
	}
}

// delivery is one webhook POST the receiver got.
type delivery struct {
	header http.Header
	body   []byte
	at     time.Time
}

// verify checks both signature schemes as an independent receiver would (docs/webhooks.md),
// without the project's own webhook package.
func verify(t *testing.T, d delivery, secret string) {
	t.Helper()
	parts := map[string][]string{}
	for _, kv := range strings.Split(d.header.Get("HapiHub-Signature"), ",") {
		k, v, _ := strings.Cut(kv, "=")
		parts[k] = append(parts[k], v)
	}
	require.Len(t, parts["t"], 1)
	ts, err := strconv.ParseInt(parts["t"][0], 10, 64)
	require.NoError(t, err)
	assert.InDelta(t, time.Now().Unix(), ts, 300, "timestamp within 5 minutes")
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(parts["t"][0] + "." + string(d.body)))
	want := hex.EncodeToString(mac.Sum(nil))
	assert.Contains(t, parts["v1"], want, "HapiHub-Signature v1")

	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	require.NoError(t, err)
	mac = hmac.New(sha256.New, key)
	mac.Write([]byte(d.header.Get("webhook-id") + "." + d.header.Get("webhook-timestamp") + "." + string(d.body)))
	sw := "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
	assert.Contains(t, strings.Fields(d.header.Get("webhook-signature")), sw, "Standard Webhooks signature")
}

// TestWebhookEndpointReceivesPatch: an endpoint created over HTTP receives a patient patch within a
// second, signed with both schemes under the endpoint's secret.
func TestWebhookEndpointReceivesPatch(t *testing.T) {
	env := localtest.Shared(t)
	got := make(chan delivery, 16)
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- delivery{header: r.Header.Clone(), body: b, at: time.Now()}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer recv.Close()
	url := strings.Replace(recv.URL, "127.0.0.1", "localhost", 1)
	ep := env.Do(t, "POST", "/webhook-endpoints", env.TestKey, map[string]any{"url": url, "enabledEvents": []string{"patient.updated"}})
	require.Equal(t, http.StatusCreated, ep.Status, "%s", ep.Body)
	secret := ep.JSON(t)["secret"].(string)
	defer env.Do(t, "DELETE", "/webhook-endpoints/"+ep.JSON(t)["id"].(string), env.TestKey, nil)

	p := env.Do(t, "POST", "/patients", env.TestKey, map[string]any{"firstName": "Hook", "lastName": "Ed"})
	require.Equal(t, http.StatusCreated, p.Status, "%s", p.Body)
	id := p.JSON(t)["id"].(string)
	sent := time.Now()
	require.Equal(t, http.StatusOK, env.Do(t, "PATCH", "/patients/"+id, env.TestKey, map[string]any{"preferredName": "Hooky"}).Status)
	for {
		select {
		case d := <-got:
			if !strings.Contains(string(d.body), id) {
				continue // another test's patient
			}
			assert.Less(t, d.at.Sub(sent), time.Second, "delivered within a second")
			assert.Contains(t, string(d.body), `"patient.updated"`)
			assert.Contains(t, string(d.body), `"Hooky"`)
			verify(t, d, secret)
			return
		case <-time.After(2 * time.Second):
			t.Fatal("no delivery within 2 s")
		}
	}
}
