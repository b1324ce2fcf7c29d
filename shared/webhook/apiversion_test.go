package webhook_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/shared/apiversion"
	"github.com/hapihub/hapihub/shared/apiversion/apiversiontest"
	"github.com/hapihub/hapihub/shared/schema"
	"github.com/hapihub/hapihub/shared/store"
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
		_, err := h.st.CreateObject(h.ctx, tenant, schema.Patients, store.Doc{"firstName": "Ada", "lastName": "L", "email": email}, store.Meta{})
		require.NoError(t, err)
		h.drain()
	}

	create("first@example.com") // tenant's account has no item: the first version
	require.NoError(t, h.st.CreateAccount(h.ctx, store.Account{ID: tenant.Account, APIVersion: string(apiversiontest.Future)}, nil, nil, nil))
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
