package platform

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/shared/accounts"
	"github.com/hapihub/hapihub/shared/api"
	"github.com/hapihub/hapihub/shared/auth"
	"github.com/hapihub/hapihub/shared/config"
	"github.com/hapihub/hapihub/shared/domain"
	"github.com/hapihub/hapihub/shared/sandbox"
	"github.com/hapihub/hapihub/shared/schema"
	"github.com/hapihub/hapihub/shared/store"
	"github.com/hapihub/hapihub/shared/store/storetest"
)

// harness runs requests the way API Gateway does: the authorizer (with its own clock, so its
// expiry checks are testable) turns the Authorization header into the context the router reads.
type harness struct {
	t      testing.TB
	st     *store.Store
	clock  *storetest.Clock
	router *api.Router
	keys   map[string]string // sk_test, pk_test, sk_live, pk_live
	acct   string
	org    string // the live organization
	// cached authorizer results by key, as API Gateway's authorizer cache keeps them.
	cache map[string]map[string]any
	mu    sync.Mutex
}

func newHarness(t testing.TB) *harness {
	t.Helper()
	clock := storetest.NewClock(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	st := storetest.New(t)
	st.Now = clock.Now
	// Keys, tokens and idempotency need an account, not St. Mungo's whole clinic (localtest and
	// hapihub's run test bootstrap that).
	ctx := sandbox.WithSizes(context.Background(), sandbox.Sizes{Patients: 3, Practitioners: 1, Appointments: 2, Messages: 1, Invoices: 1})
	created, err := sandbox.CreateAccount(ctx, st, accounts.Options{Name: "Test Co",
		LiveOrgs: []domain.Doc{{"id": "org_live1", "object": "organization", "name": "Live Clinic"}}}, 7)
	require.NoError(t, err)
	p := &Platform{Store: st}
	routes := append(append(p.KeyRoutes(), p.TokenRoutes()...), p.AccountRoutes()...)
	routes = append(routes, (&api.Resource{Schema: schema.Patients, Store: st}).Routes()...)
	return &harness{t: t, st: st, clock: clock, router: PlatformRouter(st, config.Config{}, routes), keys: created.Keys,
		acct: created.Account.ID, org: "org_live1", cache: map[string]map[string]any{}}
}

type reply struct {
	status int
	header map[string]string
	body   map[string]any
}

func (r reply) name() string { s, _ := r.body["name"].(string); return s }

// req describes one request; zero values are sensible defaults.
type req struct {
	key, method, path, body string
	header                  map[string]string
	sourceIP                string
	cached                  bool // reuse the authorizer result of an earlier request with this key
}

func (h *harness) do(q req) reply {
	h.t.Helper()
	ev := events.APIGatewayProxyRequest{HTTPMethod: q.method, Path: q.path, Body: q.body, Headers: map[string]string{"X-Forwarded-Proto": "https"}}
	if path, raw, ok := strings.Cut(q.path, "?"); ok {
		// A query string in the path becomes the proxy event's parameters, as API Gateway splits them.
		vals, err := url.ParseQuery(raw)
		require.NoError(h.t, err)
		ev.Path, ev.MultiValueQueryStringParameters, q.path = path, vals, path
	}
	for k, v := range q.header {
		ev.Headers[k] = v
	}
	if q.body != "" {
		ev.Headers["Content-Type"] = "application/json"
	}
	ev.RequestContext.Identity.SourceIP = q.sourceIP
	if ev.RequestContext.Identity.SourceIP == "" {
		ev.RequestContext.Identity.SourceIP = "203.0.113.10"
	}
	ev.Resource, ev.PathParameters = h.match(q.method, q.path)
	if q.key != "" {
		h.mu.Lock()
		ctxt, ok := h.cache[q.key]
		h.mu.Unlock()
		if !q.cached || !ok {
			p, _, err := auth.Authorize(context.Background(), h.st, "Bearer "+q.key, h.clock.Now())
			if errors.Is(err, auth.ErrUnauthorized) {
				return reply{status: http.StatusUnauthorized, body: map[string]any{"name": "AUTH_ERROR"}}
			}
			require.NoError(h.t, err)
			ctxt = p.Context()
			h.mu.Lock()
			h.cache[q.key] = ctxt
			h.mu.Unlock()
		}
		ev.RequestContext.Authorizer = ctxt
	}
	out, err := h.router.Handle(context.Background(), ev)
	require.NoError(h.t, err)
	r := reply{status: out.StatusCode, header: out.Headers, body: map[string]any{}}
	if out.Body != "" && out.Body[0] == '{' {
		require.NoError(h.t, json.Unmarshal([]byte(out.Body), &r.body), out.Body)
	}
	return r
}

// match finds the route template of a path, as API Gateway's resource matching does.
func (h *harness) match(method, path string) (string, map[string]string) {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	for _, rt := range h.router.Routes() {
		ts := strings.Split(strings.Trim(rt.Path, "/"), "/")
		if len(ts) != len(segs) {
			continue
		}
		params, ok := map[string]string{}, true
		for i, s := range ts {
			if strings.HasPrefix(s, "{") {
				params[strings.Trim(s, "{}")] = segs[i]
			} else if s != segs[i] {
				ok = false
				break
			}
		}
		if ok && (rt.Method == method || len(params) >= 0) {
			return rt.Path, params
		}
	}
	return path, nil
}

func TestKeyListRevealAndLabels(t *testing.T) {
	h := newHarness(t)
	list := h.do(req{key: h.keys["sk_test"], method: "GET", path: "/api-keys"})
	require.Equal(t, 200, list.status, list.body)
	data := list.body["data"].([]any)
	require.Len(t, data, 2, "test keys only: live keys are another mode")
	for _, d := range data {
		k := d.(map[string]any)
		assert.Regexp(t, `^(sk|pk)_test_\.\.\.[0-9A-Za-z]{4}$`, k["secret"], "listing is redacted")
		assert.Equal(t, "active", k["status"])
		assert.Equal(t, false, k["livemode"])
	}
	// A test key is revealable any time.
	sk := findKey(t, data, auth.Secret)
	got := h.do(req{key: h.keys["sk_test"], method: "GET", path: "/api-keys/" + sk})
	assert.Equal(t, h.keys["sk_test"], got.body["secret"])

	// Live: the secret key is never shown again; a live restricted key only at creation.
	live := h.do(req{key: h.keys["sk_live"], method: "GET", path: "/api-keys"})
	require.Equal(t, 200, live.status, live.body)
	lsk := findKey(t, live.body["data"].([]any), auth.Secret)
	got = h.do(req{key: h.keys["sk_live"], method: "GET", path: "/api-keys/" + lsk})
	assert.Equal(t, "sk_live_..."+auth.Last4(h.keys["sk_live"]), got.body["secret"])
	created := h.do(req{key: h.keys["sk_live"], method: "POST", path: "/api-keys", body: `{"name":"reporting","permissions":{"patients":"read"}}`})
	require.Equal(t, 201, created.status, created.body)
	full := created.body["secret"].(string)
	assert.True(t, strings.HasPrefix(full, "rk_live_") && len(full) >= len("rk_live_")+22, "at least 128 bits: %s", full)
	got = h.do(req{key: h.keys["sk_live"], method: "GET", path: "/api-keys/" + created.body["id"].(string)})
	assert.Equal(t, "rk_live_..."+auth.Last4(full), got.body["secret"])
	k, ok, err := h.st.KeyByHash(context.Background(), auth.Hash(full))
	require.NoError(t, err)
	require.True(t, ok)
	assert.Empty(t, k.Revealable, "a live key's secret is stored only as a hash")

	// A test key of the same account cannot see live keys.
	miss := h.do(req{key: h.keys["sk_test"], method: "GET", path: "/api-keys/" + lsk})
	assert.Equal(t, 404, miss.status)

	// Notes and names.
	patched := h.do(req{key: h.keys["sk_live"], method: "PATCH", path: "/api-keys/" + lsk, body: `{"note":"in Vault at prod/hapihub"}`})
	require.Equal(t, 200, patched.status, patched.body)
	assert.Equal(t, "in Vault at prod/hapihub", patched.body["note"])
	for _, bad := range []string{`{"secret":"x"}`, `{"name":""}`, `{"note":5}`} {
		r := h.do(req{key: h.keys["sk_live"], method: "PATCH", path: "/api-keys/" + lsk, body: bad})
		assert.Equal(t, 400, r.status, bad)
	}
}

func findKey(t *testing.T, data []any, typ string) string {
	t.Helper()
	for _, d := range data {
		if k := d.(map[string]any); k["type"] == typ {
			return k["id"].(string)
		}
	}
	t.Fatalf("no %s key in %v", typ, data)
	return ""
}

func TestCreateKeyValidation(t *testing.T) {
	h := newHarness(t)
	for _, tc := range []struct{ body, field string }{
		{`{"permissions":{"patients":"read"}}`, "name"},
		{`{"name":"x","type":"secret"}`, "type"},
		{`{"name":"x","permissions":{"patients":"admin"}}`, "permissions.patients"},
		{`{"name":"x","permissions":{"api-keys":"read"}}`, "permissions.api-keys"},
		{`{"name":"x","permissions":{"nonsense":"read"}}`, "permissions.nonsense"},
		{`{"name":"x","permissions":"all"}`, "permissions"},
	} {
		r := h.do(req{key: h.keys["sk_test"], method: "POST", path: "/api-keys", body: tc.body})
		require.Equal(t, 400, r.status, tc.body)
		assert.Contains(t, fmt.Sprint(r.body["errors"]), tc.field, tc.body)
	}
}

func TestRestrictedKeyPermissions(t *testing.T) {
	h := newHarness(t)
	created := h.do(req{key: h.keys["sk_test"], method: "POST", path: "/api-keys",
		body: `{"name":"reader","permissions":{"patients":"read","tokens":"none"}}`})
	require.Equal(t, 201, created.status, created.body)
	rk := created.body["secret"].(string)
	writer := h.do(req{key: h.keys["sk_test"], method: "POST", path: "/api-keys", body: `{"name":"writer","permissions":{"patients":"write"}}`})
	wk := writer.body["secret"].(string)

	for _, tc := range []struct {
		name, key, method, path, body string
		status                        int
		msg                           string
	}{
		{"read allows find", rk, "GET", "/patients", "", 200, ""},
		{"read refuses create", rk, "POST", "/patients", `{"firstName":"A","lastName":"B"}`, 403, "This key lacks write permission on patients"},
		{"read refuses delete", rk, "DELETE", "/patients/pat_x", "", 403, "This key lacks write permission on patients"},
		{"none is no access", rk, "GET", "/tokens/tok_x", "", 403, "This key lacks read permission on tokens"},
		{"missing is none", wk, "GET", "/tokens/tok_x", "", 403, "This key lacks read permission on tokens"},
		{"write implies read", wk, "GET", "/patients", "", 200, ""},
		{"write allows create", wk, "POST", "/patients", `{"firstName":"A","lastName":"B"}`, 201, ""},
		{"restricted keys cannot manage keys", wk, "GET", "/api-keys", "", 403, "Restricted keys cannot use api-keys; use a secret key."},
		{"nor change account settings", wk, "GET", "/account/ip-allowlist", "", 403, "Restricted keys cannot use account; use a secret key."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := h.do(req{key: tc.key, method: tc.method, path: tc.path, body: tc.body})
			require.Equal(t, tc.status, r.status, r.body)
			if tc.status == 403 {
				assert.Equal(t, "PERMISSIONS_ERROR", r.name())
				assert.Contains(t, r.body["message"], tc.msg)
			}
		})
	}
}

func TestRevokedKeyIs401EvenWithCachedPolicy(t *testing.T) {
	h := newHarness(t)
	created := h.do(req{key: h.keys["sk_test"], method: "POST", path: "/api-keys", body: `{"name":"tmp","permissions":{"patients":"read"}}`})
	rk, id := created.body["secret"].(string), created.body["id"].(string)
	require.Equal(t, 200, h.do(req{key: rk, method: "GET", path: "/patients"}).status)

	rev := h.do(req{key: h.keys["sk_test"], method: "DELETE", path: "/api-keys/" + id})
	require.Equal(t, 200, rev.status, rev.body)
	assert.Equal(t, "revoked", rev.body["status"])
	// The authorizer refuses it, and so does the function when the gateway's cache still allows it.
	assert.Equal(t, 401, h.do(req{key: rk, method: "GET", path: "/patients"}).status)
	cached := h.do(req{key: rk, method: "GET", path: "/patients", cached: true})
	assert.Equal(t, 401, cached.status)
	assert.Equal(t, "AUTH_ERROR", cached.name())
	// Standard keys are rolled, not revoked; revoking twice is refused.
	sk := findKey(t, h.do(req{key: h.keys["sk_test"], method: "GET", path: "/api-keys"}).body["data"].([]any), auth.Secret)
	assert.Equal(t, 400, h.do(req{key: h.keys["sk_test"], method: "DELETE", path: "/api-keys/" + sk}).status)
	assert.Equal(t, 400, h.do(req{key: h.keys["sk_test"], method: "DELETE", path: "/api-keys/" + id}).status)
}

func TestRollWithGrace(t *testing.T) {
	h := newHarness(t)
	old := h.keys["sk_test"]
	sk := findKey(t, h.do(req{key: old, method: "GET", path: "/api-keys"}).body["data"].([]any), auth.Secret)
	tooLate := h.clock.Now().Add(12*time.Hour + time.Second).UnixMilli()
	r := h.do(req{key: old, method: "POST", path: "/api-keys/" + sk + "/roll", body: fmt.Sprintf(`{"expiresAt":%d}`, tooLate)})
	require.Equal(t, 400, r.status)

	grace := h.clock.Now().Add(time.Hour).UnixMilli()
	rolled := h.do(req{key: old, method: "POST", path: "/api-keys/" + sk + "/roll", body: fmt.Sprintf(`{"expiresAt":%d}`, grace)})
	require.Equal(t, 201, rolled.status, rolled.body)
	next := rolled.body["secret"].(string)
	assert.True(t, strings.HasPrefix(next, "sk_test_"))
	assert.Equal(t, sk, rolled.body["rolledFrom"])

	// During the grace both work; the old one shows its expiry.
	assert.Equal(t, 200, h.do(req{key: old, method: "GET", path: "/patients"}).status)
	assert.Equal(t, 200, h.do(req{key: next, method: "GET", path: "/patients"}).status)
	view := h.do(req{key: next, method: "GET", path: "/api-keys/" + sk})
	assert.Equal(t, "expiring", view.body["status"])
	assert.EqualValues(t, grace, view.body["expiresAt"])
	// A rolled key cannot be rolled again.
	assert.Equal(t, 400, h.do(req{key: next, method: "POST", path: "/api-keys/" + sk + "/roll"}).status)

	h.clock.Advance(time.Hour - time.Millisecond)
	assert.Equal(t, 200, h.do(req{key: old, method: "GET", path: "/patients"}).status)
	h.clock.Advance(time.Millisecond)
	assert.Equal(t, 401, h.do(req{key: old, method: "GET", path: "/patients"}).status, "authorizer: grace over")
	assert.Equal(t, 401, h.do(req{key: old, method: "GET", path: "/patients", cached: true}).status, "function: grace over despite a cached policy")
	assert.Equal(t, 200, h.do(req{key: next, method: "GET", path: "/patients"}).status)
	assert.Equal(t, "expired", h.do(req{key: next, method: "GET", path: "/api-keys/" + sk}).body["status"])

	// Rolling without expiresAt blocks the old key at once.
	nid := rolled.body["id"].(string)
	again := h.do(req{key: next, method: "POST", path: "/api-keys/" + nid + "/roll"})
	require.Equal(t, 201, again.status, again.body)
	assert.Equal(t, 401, h.do(req{key: next, method: "GET", path: "/patients"}).status)
	assert.Equal(t, 200, h.do(req{key: again.body["secret"].(string), method: "GET", path: "/patients"}).status)
}

func TestPublishableKeysOnlyCreateTokens(t *testing.T) {
	h := newHarness(t)
	pk := h.keys["pk_test"]
	// The router refuses every other route...
	for _, q := range []req{{method: "GET", path: "/patients"}, {method: "GET", path: "/api-keys"}, {method: "GET", path: "/tokens/tok_x"}} {
		q.key = pk
		r := h.do(q)
		assert.Equal(t, 403, r.status, q.path)
		assert.Equal(t, "PERMISSIONS_ERROR", r.name(), q.path)
	}
	// ...and the authorizer's policy allows only POST /tokens, so the gateway refuses first.
	a := &auth.Authorizer{Keys: h.st, Now: h.clock.Now}
	resp, err := a.Handle(context.Background(), events.APIGatewayCustomAuthorizerRequestTypeRequest{
		MethodArn: "arn:aws:execute-api:us-east-1:1:api/v1/GET/patients", Headers: map[string]string{"Authorization": "Bearer " + pk}})
	require.NoError(t, err)
	assert.Equal(t, []string{"arn:aws:execute-api:us-east-1:1:api/v1/POST/tokens"}, resp.PolicyDocument.Statement[0].Resource)

	bad := h.do(req{key: pk, method: "POST", path: "/tokens", body: `{"type":"patient_intake","data":{"firstName":"Ann","email":"nope"}}`})
	require.Equal(t, 400, bad.status)
	assert.Contains(t, fmt.Sprint(bad.body["errors"]), "data.lastName")
	assert.Contains(t, fmt.Sprint(bad.body["errors"]), "data.email")
	assert.Equal(t, 400, h.do(req{key: pk, method: "POST", path: "/tokens", body: `{"type":"card","data":{}}`}).status)

	tok := h.do(req{key: pk, method: "POST", path: "/tokens", body: `{"type":"patient_intake","data":{"firstName":"Ann","lastName":"Lee","email":"ann@example.com"}}`})
	require.Equal(t, 201, tok.status, tok.body)
	assert.Equal(t, "*", tok.header["Access-Control-Allow-Origin"], "callable from browsers")
	id := tok.body["id"].(string)
	assert.True(t, strings.HasPrefix(id, "tok_"))
	assert.EqualValues(t, h.clock.Now().Add(time.Hour).UnixMilli(), tok.body["expiresAt"])

	got := h.do(req{key: h.keys["sk_test"], method: "GET", path: "/tokens/" + id})
	require.Equal(t, 200, got.status, got.body)
	assert.Equal(t, "Ann", got.body["data"].(map[string]any)["firstName"])
	// Another mode cannot read it; after an hour nobody can.
	assert.Equal(t, 404, h.do(req{key: h.keys["sk_live"], method: "GET", path: "/tokens/" + id}).status)
	h.clock.Advance(time.Hour)
	assert.Equal(t, 404, h.do(req{key: h.keys["sk_test"], method: "GET", path: "/tokens/" + id}).status)
}

func TestIPAllowlist(t *testing.T) {
	h := newHarness(t)
	sk := h.keys["sk_live"]
	put := func(ip, body string) reply {
		return h.do(req{key: sk, method: "PUT", path: "/account/ip-allowlist", body: body, sourceIP: ip})
	}
	assert.Equal(t, 403, h.do(req{key: h.keys["sk_test"], method: "PUT", path: "/account/ip-allowlist", body: `{"cidrs":[]}`}).status, "test keys cannot change a live guard")
	r := put("198.51.100.9", `{"cidrs":["203.0.113.0/24"]}`)
	assert.Equal(t, 400, r.status, "refuses to lock out the caller")
	r = put("203.0.113.5", `{"cidrs":["203.0.113.77/24","2001:db8::/32","198.51.100.7","nope","10.0.0.0/33"]}`)
	require.Equal(t, 400, r.status)
	assert.Contains(t, fmt.Sprint(r.body["errors"]), "cidrs[3]")
	assert.Contains(t, fmt.Sprint(r.body["errors"]), "cidrs[4]")
	r = put("203.0.113.5", `{"cidrs":["203.0.113.77/24","2001:db8::/32","198.51.100.7"]}`)
	require.Equal(t, 200, r.status, r.body)
	assert.Equal(t, []any{"203.0.113.0/24", "2001:db8::/32", "198.51.100.7/32"}, r.body["cidrs"])

	for _, tc := range []struct {
		ip     string
		status int
	}{
		{"203.0.113.200", 200}, {"198.51.100.7", 200}, {"198.51.100.8", 403}, {"2001:db8::1", 200},
		{"2001:db9::1", 403}, {"::ffff:203.0.113.9", 200}, {"", 403},
	} {
		ip := tc.ip
		q := req{key: sk, method: "GET", path: "/api-keys", sourceIP: ip}
		if ip == "" {
			q.sourceIP = "not-an-ip"
		}
		got := h.do(q)
		assert.Equal(t, tc.status, got.status, ip)
		if tc.status == 403 {
			assert.Equal(t, "PERMISSIONS_ERROR", got.name())
		}
	}
	// Test mode is not guarded.
	assert.Equal(t, 200, h.do(req{key: h.keys["sk_test"], method: "GET", path: "/api-keys", sourceIP: "198.51.100.8"}).status)
	assert.Equal(t, 200, h.do(req{key: h.keys["sk_test"], method: "GET", path: "/account/ip-allowlist"}).status)
}

func TestPlainHTTPIs426(t *testing.T) {
	h := newHarness(t)
	r := h.do(req{key: h.keys["sk_test"], method: "GET", path: "/api-keys", header: map[string]string{"X-Forwarded-Proto": "http"}})
	assert.Equal(t, 426, r.status)
	assert.Equal(t, "SECURITY_ERROR", r.name())
}
