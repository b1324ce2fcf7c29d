package api

import (
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/shared/auth"
)

// A saved response holds no readable body: only the API key that made it (presented again by
// the retry) opens it.
func TestSavedResponseIsSealedToTheAPIKey(t *testing.T) {
	req := func(key string) *Request {
		return &Request{Event: events.APIGatewayProxyRequest{Headers: map[string]string{"authorization": "Bearer " + key}},
			Principal: auth.Principal{AccountID: "acct_1", Mode: "live"}}
	}
	body := []byte(`{"secret":"sk_live_0123456789abcdefghijABCDEFGHIJ01"}`)
	k1, ok := idemSealKey(req("sk_live_A"), "acct_1", "live", "idem-1")
	require.True(t, ok)
	sealed, err := sealBody(k1, body)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(sealed, sealedPrefix))
	assert.NotContains(t, sealed, "sk_live_0123")
	got, err := openBody(k1, sealed)
	require.NoError(t, err)
	assert.Equal(t, body, got)

	k2, _ := idemSealKey(req("sk_live_B"), "acct_1", "live", "idem-1")
	_, err = openBody(k2, sealed)
	assert.ErrorIs(t, err, errSealedForAnotherKey)
	k3, _ := idemSealKey(req("sk_live_A"), "acct_1", "live", "idem-2")
	_, err = openBody(k3, sealed)
	assert.ErrorIs(t, err, errSealedForAnotherKey, "the key is bound to the Idempotency-Key too")

	plain, err := openBody(k1, `{"old":"record"}`)
	require.NoError(t, err)
	assert.Equal(t, `{"old":"record"}`, string(plain), "records saved before sealing still replay")
}
