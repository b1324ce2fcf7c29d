package localtest_test

import (
	"context"
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
	"github.com/hapihub/hapihub/shared/accounts"
	"github.com/hapihub/hapihub/shared/app/sandboxworker"
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

// TestRateLimitPerKeyAcrossRoutes: with the stock template, 90 GETs spread over 3 routes within
// one second with one test key: the plan's per-key budget (25) holds across routes, the rest are
// 429 with the template's headers; a second later the key works again.
func TestRateLimitPerKeyAcrossRoutes(t *testing.T) {
	clk := &clock{t: time.Now()}
	env := localtest.New(t, localtest.Options{Now: clk.Now})
	const limit = 25 // test plan: 25 requests/s per key in all (shared/auth.RateLimits, template.yaml)
	routes := []string{"/patients?$limit=1", "/practitioners?$limit=1", "/appointments?$limit=1"}
	ok, limited := 0, 0
	for i := 0; i < 90; i++ {
		r := env.Do(t, "GET", routes[i%3], env.TestKey, nil)
		switch r.Status {
		case http.StatusOK:
			ok++
		case http.StatusTooManyRequests:
			limited++
			assert.Equal(t, "RATE_LIMIT_EXCEEDED", r.JSON(t)["name"])
			assert.Equal(t, strconv.Itoa(limit), r.Header.Get("RateLimit-Limit"))
			assert.Equal(t, "0", r.Header.Get("RateLimit-Remaining"))
			assert.Equal(t, "1", r.Header.Get("RateLimit-Reset"))
			assert.Equal(t, "1", r.Header.Get("Retry-After"))
		default:
			t.Fatalf("request %d: %d %s", i, r.Status, r.Body)
		}
	}
	assert.Equal(t, limit, ok, "the key's budget across all routes")
	assert.Equal(t, 90-limit, limited)
	clk.Add(time.Second)
	r := env.Do(t, "GET", "/patients?$limit=1", env.TestKey, nil)
	assert.Equal(t, http.StatusOK, r.Status, "the next second: %s", r.Body)

	// A live key: 100 reads/s per method, 200/s in all (docs/keys.md, "Rate limits").
	org := liveOrg(t, env) // one live request: the next second starts with full buckets
	clk.Add(time.Second)
	count := func(path string, n int) int {
		okN := 0
		for range n {
			if env.Do(t, "GET", path, env.LiveKey, nil, org...).Status == http.StatusOK {
				okN++
			}
		}
		return okN
	}
	assert.Equal(t, 100, count("/patients?$limit=1", 110), "one read route: the method's 100")
	assert.Equal(t, 100, count("/practitioners?$limit=1", 110), "another read route: its own 100")
	assert.Equal(t, 0, count("/appointments?$limit=1", 5), "the key's 200 in all are spent")
}

// TestUnregisteredOrDisabledUsageKeys: a key whose account's usage key is disabled at API
// Gateway gets 403 at the gateway (INVALID_API_KEY, our format), and works again when enabled;
// without a key, Accept: application/problem+json gets problem details.
func TestUnregisteredOrDisabledUsageKeys(t *testing.T) {
	env := localtest.New(t)
	ctx := context.Background()
	require.Equal(t, http.StatusOK, env.Do(t, "GET", "/patients?$limit=1", env.TestKey, nil).Status)
	reg, err := sandboxworker.UsageKeys(ctx, env.Stack.Config)
	require.NoError(t, err)
	acct, err := env.Store.GetAccount(ctx, env.Stack.Bootstrap.AccountID)
	require.NoError(t, err)
	require.NoError(t, accounts.Disable(ctx, reg, acct))
	r := env.Do(t, "GET", "/patients?$limit=1", env.TestKey, nil)
	assert.Equal(t, http.StatusForbidden, r.Status, "%s", r.Body)
	assert.Equal(t, "PERMISSIONS_ERROR", r.JSON(t)["name"])
	r = env.Do(t, "GET", "/patients?$limit=1", env.LiveKey, nil)
	assert.Equal(t, http.StatusForbidden, r.Status, "every mode of the account")
	require.NoError(t, reg.SetEnabled(ctx, acct, true))
	assert.Equal(t, http.StatusOK, env.Do(t, "GET", "/patients?$limit=1", env.TestKey, nil).Status)

	r = env.Do(t, "GET", "/patients", "", nil, "Accept", "application/problem+json")
	assert.Equal(t, http.StatusUnauthorized, r.Status)
	assert.Equal(t, "application/problem+json", r.Header.Get("Content-Type"))
	p := r.JSON(t)
	assert.Equal(t, "AUTH_ERROR", p["name"])
	assert.EqualValues(t, 401, p["status"])
	assert.Equal(t, "urn:uuid:"+r.Header.Get("X-Amzn-Requestid"), p["instance"])

	r = env.Do(t, "POST", "/patients", env.TestKey, strings.Repeat("x", 11<<20))
	assert.Equal(t, http.StatusRequestEntityTooLarge, r.Status, "11 MB: over API Gateway's 10 MB")
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
