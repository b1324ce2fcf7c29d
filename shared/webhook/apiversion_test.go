package webhook_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/shared/apiversion"
	"github.com/hapihub/hapihub/shared/apiversion/apiversiontest"
	"github.com/hapihub/hapihub/shared/domain"
	"github.com/hapihub/hapihub/shared/schema"
)

// A webhook payload is the event in its account's version, named by apiVersion: with a breaking
// change registered as a future version, an account pinned to today's version receives today's
// shape, and once moved to the new version it receives the new one. Writes outside a request
// (no version in the context, as here) read the account's version from its item; an account
// made before versions were recorded is on the first version.
func TestWebhookPayloadIsInTheAccountsVersion(t *testing.T) {
	apiversiontest.UseFuture(t)
	h := newHarness(t)
	rcv := newReceiver(t, h.now)
	ep := h.endpoint(rcv.srv.URL, "patient.created")
	rcv.secret = ep.Secrets[0].Value
	create := func(email string) {
		_, err := h.st.CreateObject(h.ctx, tenant, schema.Patients, domain.Doc{"firstName": "Ada", "lastName": "L", "email": email}, domain.Meta{})
		require.NoError(t, err)
		h.drain()
	}

	create("first@example.com") // tenant's account has no item: the first version
	require.NoError(t, h.st.CreateAccount(h.ctx, domain.Account{ID: tenant.Account, APIVersion: string(apiversiontest.Future)}, nil, nil, nil))
	create("future@example.com")

	got := rcv.events()
	require.Len(t, got, 2)
	type seen struct{ field, version string }
	byEmail := map[string]seen{}
	for _, ev := range got {
		obj := ev["data"].(map[string]any)["object"].(map[string]any)
		for _, f := range []string{"email", "emailAddress"} {
			if e, ok := obj[f].(string); ok {
				byEmail[e] = seen{field: f, version: ev["apiVersion"].(string)}
			}
		}
	}
	assert.Equal(t, map[string]seen{
		"first@example.com":  {field: "emailAddress", version: string(apiversion.Releases.First())},
		"future@example.com": {field: "email", version: string(apiversiontest.Future)},
	}, byEmail)
}

// An endpoint may name its API version when created (as Stripe's): its deliveries are rendered in
// that version whatever the account's, newer or older, while an endpoint without one follows the
// event's own. GET /events keeps the account's version. The version is refused when unknown and
// cannot be changed afterwards.
func TestEndpointPinnedVersionRendersDeliveries(t *testing.T) {
	apiversiontest.UseFuture(t)
	h := newAPI(t)
	rcvs := map[string]*receiver{}
	for _, v := range []string{"", string(apiversiontest.Future), string(apiversion.Releases.First())} {
		rcv := newReceiver(t, h.now)
		body := map[string]any{"url": rcv.srv.URL, "enabledEvents": []string{"patient.created"}}
		if v != "" {
			body["apiVersion"] = v
		}
		status, ep := h.call(domain.Test, "POST", "/webhook-endpoints", nil, "", body)
		require.Equal(t, 201, status, ep)
		if v == "" {
			assert.Nil(t, ep["apiVersion"])
		} else {
			assert.Equal(t, v, ep["apiVersion"])
		}
		rcv.secret = ep["secret"].(string)
		rcvs[v] = rcv
	}
	status, bad := h.call(domain.Test, "POST", "/webhook-endpoints", nil, "", map[string]any{"url": "https://hooks.example.com/x", "enabledEvents": []string{"*"}, "apiVersion": "2001-01-01"})
	assert.Equal(t, 400, status)
	assert.Contains(t, bad["message"], "apiVersion")
	status, list := h.call(domain.Test, "GET", "/webhook-endpoints", nil, "", nil)
	require.Equal(t, 200, status)
	id := list["data"].([]any)[0].(map[string]any)["id"].(string)
	status, bad = h.call(domain.Test, "PATCH", "/webhook-endpoints/{id}", map[string]string{"id": id}, "", map[string]any{"apiVersion": string(apiversiontest.Future)})
	assert.Equal(t, 400, status, "chosen at creation only")
	assert.Contains(t, bad["message"], "apiVersion")

	// The account (no item: the first version) writes a patient outside a request.
	_, err := h.st.CreateObject(h.ctx, tenant, schema.Patients, domain.Doc{"firstName": "Ada", "lastName": "L", "email": "ada@example.com"}, domain.Meta{})
	require.NoError(t, err)
	h.drain()
	want := map[string]struct{ field, version string }{
		"":                                  {"emailAddress", string(apiversion.Releases.First())},
		string(apiversiontest.Future):       {"email", string(apiversiontest.Future)},
		string(apiversion.Releases.First()): {"emailAddress", string(apiversion.Releases.First())},
	}
	for v, rcv := range rcvs {
		got := rcv.events()
		require.Len(t, got, 1, "endpoint %q", v)
		obj := got[0]["data"].(map[string]any)["object"].(map[string]any)
		assert.Equal(t, "ada@example.com", obj[want[v].field], "endpoint %q: %v", v, obj)
		assert.Equal(t, want[v].version, got[0]["apiVersion"], "endpoint %q", v)
	}
	status, evs := h.call(domain.Test, "GET", "/events", nil, "", nil)
	require.Equal(t, 200, status)
	var created map[string]any
	for _, e := range evs["data"].([]any) {
		if e.(map[string]any)["type"] == "patient.created" {
			created = e.(map[string]any)
		}
	}
	require.NotNil(t, created)
	assert.Equal(t, string(apiversion.Releases.First()), created["apiVersion"], "listed in the account's version")
	assert.Contains(t, created["data"].(map[string]any)["object"], "emailAddress")
	assert.NotContains(t, created, "apiShape", "the stored shape stays inside")
}
