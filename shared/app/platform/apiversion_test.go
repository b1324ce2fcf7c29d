package platform

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/shared/api"
	"github.com/hapihub/hapihub/shared/apiversion"
	"github.com/hapihub/hapihub/shared/apiversion/apiversiontest"
	"github.com/hapihub/hapihub/shared/config"
	"github.com/hapihub/hapihub/shared/schema"
	"github.com/hapihub/hapihub/shared/webhook"
)

// newVersionHarness is the platform harness with /events mounted too, so events are read
// through the router as a client reads them.
func newVersionHarness(t *testing.T) *harness {
	h := newHarness(t)
	p := &Platform{Store: h.st}
	routes := append(append(p.KeyRoutes(), p.AccountRoutes()...), (&api.Resource{Schema: schema.Patients, Store: h.st}).Routes()...)
	wh := &webhook.API{Store: h.st}
	routes = append(append(routes, wh.EventRoutes()...), wh.SourceIPRoutes()...)
	h.router = PlatformRouter(h.st, config.Config{}, routes)
	return h
}

// A new account is pinned to the newest version; every answer, refusals included, names the
// version it was served in, and browsers may read that header.
func TestAPIVersionPinnedAtSignUpAndEchoed(t *testing.T) {
	h := newVersionHarness(t)
	latest := string(apiversion.Current().Latest())
	got := h.do(req{key: h.keys["sk_test"], method: "GET", path: "/account/api-version"})
	require.Equal(t, 200, got.status, got.body)
	assert.Equal(t, latest, got.body["apiVersion"])
	assert.Equal(t, latest, got.body["latest"])
	assert.Contains(t, got.body["versions"], latest)
	assert.Equal(t, latest, got.header[apiversion.Header])
	assert.Contains(t, strings.Split(got.header["Access-Control-Expose-Headers"], ", "), apiversion.Header,
		"browsers may read it (Fetch: only exposed headers are visible to scripts)")

	refused := h.do(req{key: h.keys["sk_test"], method: "PUT", path: "/account/api-version", body: `{"apiVersion":"` + latest + `"}`})
	require.Equal(t, 403, refused.status, refused.body)
	assert.Equal(t, latest, refused.header[apiversion.Header], "an error names the version too")

	public := h.do(req{method: "GET", path: "/webhook-source-ips", header: map[string]string{apiversion.Header: "nonsense"}})
	require.Equal(t, 200, public.status, public.body)
	assert.Empty(t, public.header[apiversion.Header], "a public route has no account to pin and ignores the header")

	named := h.do(req{key: h.keys["sk_test"], method: "GET", path: "/api-keys", header: map[string]string{"hapihub-version": latest}})
	require.Equal(t, 200, named.status, named.body)
	assert.Equal(t, latest, named.header[apiversion.Header], "header names are case-insensitive")
}

// An unknown or malformed version is refused before anything runs, naming the header and the
// versions that exist; the refusal is answered in the account's own version, and says so.
func TestUnknownAPIVersionIs400(t *testing.T) {
	h := newVersionHarness(t)
	for _, v := range []string{"2020-01-01", "latest", "2026-12-07T00:00:00Z"} {
		t.Run(v, func(t *testing.T) {
			got := h.do(req{key: h.keys["sk_test"], method: "POST", path: "/patients", body: `{"firstName":"Not","lastName":"Written"}`,
				header: map[string]string{apiversion.Header: v}})
			require.Equal(t, 400, got.status, got.body)
			assert.Equal(t, "INVALID_PARAMETERS", got.name())
			msg := fmt.Sprint(got.body)
			assert.Contains(t, msg, apiversion.Header)
			assert.Contains(t, msg, string(apiversion.Releases.First()), "lists the known versions")
			assert.Equal(t, string(apiversion.Current().Latest()), got.header[apiversion.Header], "answered in the account's version")
		})
	}
	list := h.do(req{key: h.keys["sk_test"], method: "GET", path: "/patients?lastName=Written"})
	require.Equal(t, 200, list.status, list.body)
	assert.Empty(t, list.body["data"], "nothing was written")
}

// The heart of versioning: a breaking change registered as a future version leaves an account
// pinned to today's version reading today's shape in responses, request bodies and events,
// while a request naming the new version reads and writes the new one; upgrading the account
// moves its default and its events.
func TestFutureVersionKeepsPinnedAccountsShape(t *testing.T) {
	h := newVersionHarness(t)
	pinned := string(apiversion.Current().Latest()) // the account signed up before the change
	apiversiontest.UseFuture(t)
	future := map[string]string{apiversion.Header: string(apiversiontest.Future)}
	sk := h.keys["sk_test"]

	old := h.do(req{key: sk, method: "POST", path: "/patients", body: `{"firstName":"Old","lastName":"Shape","emailAddress":"old@example.com"}`})
	require.Equal(t, 201, old.status, old.body)
	assert.Equal(t, pinned, old.header[apiversion.Header])
	assert.Equal(t, "old@example.com", old.body["emailAddress"], "the pinned version's name")
	assert.NotContains(t, old.body, "email")
	id := old.body["id"].(string)

	got := h.do(req{key: sk, method: "GET", path: "/patients/" + id})
	assert.Equal(t, "old@example.com", got.body["emailAddress"])
	list := h.do(req{key: sk, method: "GET", path: "/patients?lastName=Shape"})
	require.Len(t, list.body["data"], 1, list.body)
	assert.Equal(t, "old@example.com", list.body["data"].([]any)[0].(map[string]any)["emailAddress"], "lists too")

	got = h.do(req{key: sk, method: "GET", path: "/patients/" + id, header: future})
	assert.Equal(t, string(apiversiontest.Future), got.header[apiversion.Header])
	assert.Equal(t, "old@example.com", got.body["email"], "the override reads the new shape")
	assert.NotContains(t, got.body, "emailAddress")

	wrong := h.do(req{key: sk, method: "POST", path: "/patients", body: `{"firstName":"New","lastName":"Shape","emailAddress":"x@example.com"}`, header: future})
	assert.Equal(t, 400, wrong.status, "the new version no longer knows the old field")
	created := h.do(req{key: sk, method: "POST", path: "/patients", body: `{"firstName":"New","lastName":"Shape","email":"new@example.com"}`, header: future})
	require.Equal(t, 201, created.status, created.body)
	assert.Equal(t, "new@example.com", created.body["email"])

	// Events are written in the account's version, whatever a request overrode (as Stripe's).
	evs := patientEvents(t, h, sk)
	require.Len(t, evs, 2, evs)
	for _, ev := range evs {
		assert.Equal(t, pinned, ev["apiVersion"])
		obj := ev["data"].(map[string]any)["object"].(map[string]any)
		assert.Contains(t, obj, "emailAddress")
		assert.NotContains(t, obj, "email")
	}

	up := h.do(req{key: h.keys["sk_live"], method: "PUT", path: "/account/api-version", body: `{"apiVersion":"` + string(apiversiontest.Future) + `"}`})
	require.Equal(t, 200, up.status, up.body)
	assert.Equal(t, string(apiversiontest.Future), up.body["apiVersion"])
	got = h.do(req{key: sk, method: "GET", path: "/patients/" + id})
	assert.Equal(t, string(apiversiontest.Future), got.header[apiversion.Header], "the upgrade moves the default")
	assert.Equal(t, "old@example.com", got.body["email"])
	upd := h.do(req{key: sk, method: "PATCH", path: "/patients/" + id, body: `{"email":"upgraded@example.com"}`})
	require.Equal(t, 200, upd.status, upd.body)
	evs = patientEvents(t, h, sk)
	require.Len(t, evs, 3)
	var updated map[string]any
	for _, ev := range evs {
		if ev["type"] == "patient.updated" {
			updated = ev
		}
	}
	require.NotNil(t, updated, evs)
	assert.Equal(t, string(apiversiontest.Future), updated["apiVersion"])
	data := updated["data"].(map[string]any)
	assert.Equal(t, "upgraded@example.com", data["object"].(map[string]any)["email"])
	assert.Equal(t, "old@example.com", data["previousAttributes"].(map[string]any)["email"])
}

// patientEvents lists the account's patient events through GET /events, newest first.
func patientEvents(t *testing.T, h *harness, key string) []map[string]any {
	t.Helper()
	got := h.do(req{key: key, method: "GET", path: "/events?type=patient.*"})
	require.Equal(t, 200, got.status, got.body)
	var out []map[string]any
	for _, e := range got.body["data"].([]any) {
		out = append(out, e.(map[string]any))
	}
	return out
}

// Accounts made before versions were recorded are pinned to the first version; the account's
// version moves only with a live secret key and a known version.
func TestAccountVersionDefaultAndUpgradeValidation(t *testing.T) {
	h := newVersionHarness(t)
	apiversiontest.UseFuture(t)
	require.NoError(t, h.st.SetAPIVersion(context.Background(), h.acct, ""))
	got := h.do(req{key: h.keys["sk_test"], method: "GET", path: "/account/api-version"})
	require.Equal(t, 200, got.status, got.body)
	assert.Equal(t, string(apiversion.Releases.First()), got.body["apiVersion"])
	assert.Equal(t, string(apiversiontest.Future), got.body["latest"])
	assert.Equal(t, string(apiversion.Releases.First()), got.header[apiversion.Header])

	// Each refusal says what is wrong: a version that was given but names none is not "required".
	for _, tc := range []struct{ body, field, msg string }{
		{`{"apiVersion":"2001-01-01"}`, "apiVersion", `names no API version: "2001-01-01"; use one of the known versions`},
		{`{}`, "apiVersion", "is required"},
		{`{"apiVersion":null}`, "apiVersion", "is required"},
		{`{"apiVersion":20010101}`, "apiVersion", "must be a string"},
		{`{"apiVersion":"` + string(apiversiontest.Future) + `","mode":"x"}`, "mode", ""},
	} {
		bad := h.do(req{key: h.keys["sk_live"], method: "PUT", path: "/account/api-version", body: tc.body})
		require.Equal(t, 400, bad.status, tc.body)
		assert.Contains(t, fmt.Sprint(bad.body), tc.field)
		assert.Contains(t, fmt.Sprint(bad.body["message"]), tc.msg, tc.body)
	}
	again := h.do(req{key: h.keys["sk_test"], method: "GET", path: "/account/api-version"})
	assert.Equal(t, string(apiversion.Releases.First()), again.body["apiVersion"], "nothing changed")
}

// An idempotent replay is kept in the newest shape and served in the replaying request's
// version: the same write sent in the old shape and then, with the same key, in the new shape
// (the same change once upgraded) is one patient, each answer in its own request's version.
func TestIdempotentReplayIsServedInTheReplayingVersion(t *testing.T) {
	h := newVersionHarness(t)
	apiversiontest.UseFuture(t)
	key := map[string]string{"Idempotency-Key": "versioned-1"}
	first := h.do(req{key: h.keys["sk_test"], method: "POST", path: "/patients", header: key,
		body: `{"firstName":"Re","lastName":"Play","emailAddress":"re@example.com"}`})
	require.Equal(t, 201, first.status, first.body)
	assert.Equal(t, "re@example.com", first.body["emailAddress"])
	again := h.do(req{key: h.keys["sk_test"], method: "POST", path: "/patients",
		header: map[string]string{"Idempotency-Key": "versioned-1", apiversion.Header: string(apiversiontest.Future)},
		body:   `{"firstName":"Re","lastName":"Play","email":"re@example.com"}`})
	require.Equal(t, 201, again.status, again.body)
	assert.Equal(t, "true", again.header["Idempotent-Replayed"])
	assert.Equal(t, first.body["id"], again.body["id"], "one patient")
	assert.Equal(t, "re@example.com", again.body["email"], "the replay in the replaying request's version")
	assert.Equal(t, string(apiversiontest.Future), again.header[apiversion.Header])
}
