package faulttest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/infra/localtest"
	"github.com/hapihub/hapihub/shared/accounts"
	"github.com/hapihub/hapihub/shared/domain"
	"github.com/hapihub/hapihub/shared/sandbox"
)

var echoedPath = regexp.MustCompile(`"path":"[^"]*"`)

// key is one credential of the isolation test, with who it belongs to.
type key struct {
	name, secret string
	foreign      bool     // another account, or the other mode of the victim's account
	headers      []string // e.g. HapiHub-Organization naming one of A's organizations
}

// victim is what account A holds in test mode: one object behind every {id} of the document.
type victim struct {
	ids     map[string]string // path parameter placeholder route -> id
	all     []string          // every id, to look for in answers
	version map[string]string // GET path -> the answer's updatedAt/status fingerprint
}

func mustCreate(t *testing.T, env *localtest.Env, key, path string, body any, headers ...string) map[string]any {
	t.Helper()
	r := do(t, env, http.MethodPost, path, key, body, headers...)
	require.Containsf(t, []int{http.StatusOK, http.StatusCreated, http.StatusAccepted}, r.Status, "POST %s: %s", path, r.Body)
	return r.JSON(t)
}

func firstID(t *testing.T, env *localtest.Env, key, path string) string {
	t.Helper()
	r := do(t, env, http.MethodGet, path, key, nil)
	require.Equal(t, http.StatusOK, r.Status, "%s: %s", path, r.Body)
	data := r.JSON(t)["data"].([]any)
	require.NotEmpty(t, data, path)
	return data[0].(map[string]any)["id"].(string)
}

// Two accounts, every route of the OpenAPI document, every kind of key: no key reaches what another
// account or the other mode holds (issue 16; docs/decisions.md#keys-and-access "a test enumerates every route to prove
// isolation"). Account A's test-mode objects (one behind every {id}) are the victims; A's live
// keys (secret, publishable, restricted) and B's keys (secret and publishable, test and live) try
// every method of every path on them, and A's test publishable and read-only restricted keys try
// everything they may not do. Nothing may answer 5xx, no foreign 2xx may show any of A's ids, and
// every victim is unchanged afterwards.
func TestIsolationEveryRouteEveryKey(t *testing.T) {
	env := localtest.New(t)
	ctx := sandbox.WithSizes(context.Background(), sandbox.Small)
	b, err := sandbox.CreateAccount(ctx, env.Store, accounts.Options{Name: "Other Co",
		LiveOrgs: []domain.Doc{{"id": "org_01OTHERLIVE0000000000000", "object": "organization", "name": "Other Live Clinic"}}}, 99)
	require.NoError(t, err)

	// A's keys besides those localtest prints.
	liveKeys := do(t, env, http.MethodGet, "/api-keys", env.LiveKey, nil).JSON(t)["data"].([]any)
	var pkLive string
	for _, k := range liveKeys {
		if k := k.(map[string]any); k["type"] == "publishable" {
			pkLive = do(t, env, http.MethodGet, "/api-keys/"+k["id"].(string), env.LiveKey, nil).JSON(t)["secret"].(string)
		}
	}
	require.True(t, strings.HasPrefix(pkLive, "pk_live_"), pkLive)
	perms := map[string]any{}
	for _, r := range []string{"patients", "practitioners", "appointments", "messages", "invoices", "organizations", "events", "webhook-endpoints", "request-logs", "tokens"} {
		perms[r] = "read"
	}
	rkTest := mustCreate(t, env, env.TestKey, "/api-keys", map[string]any{"name": "read everything", "permissions": perms})
	rkLive := mustCreate(t, env, env.LiveKey, "/api-keys", map[string]any{"name": "live writer", "permissions": map[string]any{"patients": "write", "webhook-endpoints": "write"}})
	// A's live keys name one of A's live organizations (A has several), so they reach live data
	// rather than stop at "which organization?"; B's keys also try naming A's organizations.
	aLiveOrg := []string{"HapiHub-Organization", liveOrgOf(t, env)}
	aSandbox := []string{"HapiHub-Organization", firstID(t, env, env.TestKey, "/organizations")}
	keys := []key{
		{"A sk_live", env.LiveKey, true, aLiveOrg}, {"A pk_live", pkLive, true, aLiveOrg}, {"A rk_live", rkLive["secret"].(string), true, aLiveOrg},
		{"B sk_test", b.Keys["sk_test"], true, nil}, {"B pk_test", b.Keys["pk_test"], true, nil}, {"B sk_live", b.Keys["sk_live"], true, nil},
		{"B pk_live", b.Keys["pk_live"], true, nil}, {"B sk_test naming A's sandbox", b.Keys["sk_test"], true, aSandbox},
		{"B sk_live naming A's live org", b.Keys["sk_live"], true, aLiveOrg},
		{"A pk_test", env.PubKey, false, nil}, {"A rk_test (read)", rkTest["secret"].(string), false, nil},
	}
	require.Equal(t, http.StatusOK, do(t, env, http.MethodGet, "/patients?$limit=1", env.LiveKey, nil, aLiveOrg...).Status, "A's live key reaches live data")

	// A's test-mode victims: one of everything.
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	t.Cleanup(hook.Close)
	v := victim{ids: map[string]string{}, version: map[string]string{}}
	mustCreate(t, env, env.TestKey, "/patients", map[string]any{"firstName": "Victim", "lastName": "Test"}) // an event and a request log
	for _, res := range []string{"patients", "practitioners", "appointments", "messages", "invoices", "organizations", "events", "request-logs"} {
		v.ids["/"+res+"/{id}"] = firstID(t, env, env.TestKey, "/"+res)
	}
	v.ids["/api-keys/{id}"] = rkTest["id"].(string)
	tok := mustCreate(t, env, env.PubKey, "/tokens", map[string]any{"type": "patient_intake", "data": map[string]any{"firstName": "T", "lastName": "Oken"}})
	v.ids["/tokens/{id}"] = tok["id"].(string)
	ep := mustCreate(t, env, env.TestKey, "/webhook-endpoints", map[string]any{"url": hook.URL + "/hook", "enabledEvents": []string{"*"}})
	v.ids["/webhook-endpoints/{id}"] = ep["id"].(string)
	del := mustCreate(t, env, env.TestKey, "/webhook-endpoints/"+ep["id"].(string)+"/test", map[string]any{})
	v.ids["{deliveryId}"] = del["id"].(string)
	for route, id := range v.ids {
		v.all = append(v.all, id)
		if strings.HasPrefix(route, "/") && route != "/tokens/{id}" {
			get := strings.ReplaceAll(route, "{id}", id)
			v.version[get] = fingerprint(t, do(t, env, http.MethodGet, get, env.TestKey, nil))
		}
	}
	secret := ep["secret"].(string)
	v.all = append(v.all, secret)

	// Every operation of the document.
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	require.NoError(t, json.Unmarshal(do(t, env, http.MethodGet, "/openapi.json", "", nil).Body, &doc))
	type op struct{ method, path string }
	var ops []op
	for p, methods := range doc.Paths {
		for m := range methods {
			switch m {
			case "get", "post", "put", "patch", "delete":
				ops = append(ops, op{strings.ToUpper(m), p})
			}
		}
	}
	sort.Slice(ops, func(i, j int) bool { return ops[i].path+ops[i].method < ops[j].path+ops[j].method })
	require.GreaterOrEqual(t, len(ops), 50, "the document lists every operation")

	patient := v.ids["/patients/{id}"]
	bodies := map[string]any{
		"POST /appointments": map[string]any{"patientId": patient, "practitionerId": v.ids["/practitioners/{id}"], "startsAt": 1893456000000, "endsAt": 1893457800000},
		"POST /messages":     map[string]any{"patientId": patient, "direction": "outbound", "channel": "sms", "text": "hi"},
		"POST /invoices":     map[string]any{"patientId": patient, "currency": "EUR", "lineItems": []any{map[string]any{"description": "x", "quantity": 1, "unitAmount": 100}}},
		"POST /patients":     map[string]any{"firstName": "Mallory", "lastName": "Foreign"},
		"POST /tokens":       map[string]any{"type": "patient_intake", "data": map[string]any{"firstName": "T", "lastName": "Oken"}},
	}
	checked, refused := 0, 0
	for _, o := range ops {
		path := strings.ReplaceAll(o.path, "{deliveryId}", v.ids["{deliveryId}"])
		for route, id := range v.ids {
			if strings.HasPrefix(route, "/") && strings.HasPrefix(path, strings.TrimSuffix(route, "{id}")) {
				path = strings.Replace(path, "{id}", id, 1)
			}
		}
		require.NotContains(t, path, "{", "a placeholder without a victim: %s", o.path)
		hasID := path != o.path
		if !hasID && o.method != http.MethodGet && bodies[o.method+" "+o.path] == nil {
			continue // an own-tenant action with no id to aim at another's (sign-up-like resets, allowlist)
		}
		body := bodies[o.method+" "+o.path]
		if body == nil && o.method != http.MethodGet {
			body = map[string]any{"metadata": map[string]any{"pwned": "1"}, "name": "pwned", "firstName": "Pwned", "lastName": "Pwned"}
		}
		for _, k := range keys {
			r := do(t, env, o.method, path, k.secret, body, k.headers...)
			what := fmt.Sprintf("%s %s with %s", o.method, o.path, k.name)
			checkAnswer(t, what, r)
			checked++
			if r.Status >= 300 {
				refused++
				continue
			}
			if !k.foreign {
				// A's own restricted and publishable keys: only reads (rk) and token creation (pk).
				allowed := (strings.HasPrefix(k.name, "A rk_test") && o.method == http.MethodGet) ||
					(strings.HasPrefix(k.name, "A pk_test") && o.method == http.MethodPost && o.path == "/tokens") ||
					o.path == "/openapi.json" || o.path == "/webhook-source-ips" // public: no account's data
				assert.True(t, allowed, "%s: %d %s", what, r.Status, truncate(r.Body))
				continue
			}
			// A request log's path echoes what the caller itself asked for, not what it was given.
			shown := echoedPath.ReplaceAllString(string(r.Body), `"path":""`)
			for _, id := range v.all {
				if strings.Contains(shown, id) {
					t.Errorf("%s: %d shows A's test-mode %s", what, r.Status, id)
				}
			}
		}
	}
	for get, fp := range v.version {
		assert.Equal(t, fp, fingerprint(t, do(t, env, http.MethodGet, get, env.TestKey, nil)), "%s unchanged", get)
	}
	assert.Equal(t, secret, do(t, env, http.MethodGet, "/webhook-endpoints/"+ep["id"].(string), env.TestKey, nil).JSON(t)["secret"], "the endpoint's secret was not rolled")
	// The other way round: A's live patient, aimed at with A's test keys and B's keys.
	livePatient := mustCreate(t, env, env.LiveKey, "/patients", map[string]any{"firstName": "Live", "lastName": "Victim"}, aLiveOrg...)["id"].(string)
	for _, method := range []string{http.MethodGet, http.MethodPatch, http.MethodPut, http.MethodDelete} {
		for _, k := range []key{{"A sk_test", env.TestKey, true, nil}, {"A sk_test naming A's live org", env.TestKey, true, aLiveOrg},
			{"A rk_test", rkTest["secret"].(string), true, nil}, {"B sk_live naming A's live org", b.Keys["sk_live"], true, aLiveOrg}} {
			r := do(t, env, method, "/patients/"+livePatient, k.secret, map[string]any{"firstName": "Pwned", "lastName": "Pwned"}, k.headers...)
			checkAnswer(t, method+" A's live patient with "+k.name, r)
			assert.GreaterOrEqual(t, r.Status, 300, "%s A's live patient with %s: %s", method, k.name, truncate(r.Body))
			checked++
		}
	}
	assert.Equal(t, "Live", do(t, env, http.MethodGet, "/patients/"+livePatient, env.LiveKey, nil, aLiveOrg...).JSON(t)["firstName"])
	t.Logf("%d operations × %d keys and A's live patient: %d requests, %d refused", len(ops), len(keys), checked, refused)
}

// liveOrgOf is one of the bootstrapped account's live organizations.
func liveOrgOf(t *testing.T, env *localtest.Env) string {
	t.Helper()
	r := do(t, env, http.MethodGet, "/organizations", env.LiveKey, nil)
	if r.Status == http.StatusOK {
		if data, _ := r.JSON(t)["data"].([]any); len(data) > 0 {
			return data[0].(map[string]any)["id"].(string)
		}
	}
	id := regexp.MustCompile(`org_[0-9A-Z]{26}`).FindString(string(r.Body))
	require.NotEmpty(t, id, "live organizations named in %s", r.Body)
	return id
}

// fingerprint is what would change if an object were written, rolled or removed.
func fingerprint(t *testing.T, r *localtest.Response) string {
	t.Helper()
	if r.Status != http.StatusOK {
		return fmt.Sprint(r.Status)
	}
	m := r.JSON(t)
	return fmt.Sprint(r.Status, m["updatedAt"], m["status"], m["name"], m["metadata"], m["secret"], m["expiresAt"], len(fmt.Sprint(m["attempts"])) > 0)
}
