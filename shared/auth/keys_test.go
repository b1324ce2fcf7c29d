package auth

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestGenerate(t *testing.T) {
	seen := map[string]bool{}
	for range 200 {
		k, err := Generate("sk_test_")
		require.NoError(t, err)
		require.True(t, strings.HasPrefix(k, "sk_test_"))
		require.Len(t, k, len("sk_test_")+secretChars)
		require.False(t, seen[k], "duplicate key")
		seen[k] = true
	}
}

func TestHashAndMatch(t *testing.T) {
	k, err := Generate("pk_live_")
	require.NoError(t, err)
	h := Hash(k)
	assert.Len(t, h, 64)
	assert.NotContains(t, h, k)
	assert.True(t, Matches(k, h))
	assert.False(t, Matches(k+"x", h))
	assert.Equal(t, k[len(k)-4:], Last4(k))
	assert.Equal(t, "pk_live_..."+Last4(k), Redact(k))
}

func TestParseAuthorization(t *testing.T) {
	for _, tc := range []struct {
		in   string
		key  string
		good bool
	}{
		{"Bearer sk_test_abc", "sk_test_abc", true},
		{"bearer sk_test_abc", "sk_test_abc", true},
		{"ApiKey sk_live_abc", "sk_live_abc", true},
		{"APIKEY  sk_live_abc ", "sk_live_abc", true},
		{"Basic dXNlcjpwYXNz", "", false},
		{"Bearer", "", false},
		{"Bearer ", "", false},
		{"sk_test_abc", "", false},
		{"Bearer a b", "", false},
		{"", "", false},
	} {
		k, ok := ParseAuthorization(tc.in)
		assert.Equal(t, tc.good, ok, tc.in)
		assert.Equal(t, tc.key, k, tc.in)
	}
}

func TestPrefixAndMode(t *testing.T) {
	assert.Equal(t, "sk_test_", Prefix(Secret, "test"))
	assert.Equal(t, "pk_live_", Prefix(Publishable, "live"))
	assert.Equal(t, "rk_live_", Prefix(Restricted, "live"))
	assert.Equal(t, "test", ModeOf("rk_test_xyz"))
	assert.Equal(t, "live", ModeOf("sk_live_xyz"))
	assert.Equal(t, "", ModeOf("whsec_xyz"))
}

func TestPolicyResource(t *testing.T) {
	arn := "arn:aws:execute-api:us-east-1:123456789012:abc123/v1/GET/patients/pat_1"
	assert.Equal(t, "arn:aws:execute-api:us-east-1:123456789012:abc123/v1/*/*", policyResource(arn, Secret))
	assert.Equal(t, "arn:aws:execute-api:us-east-1:123456789012:abc123/v1/POST/tokens", policyResource(arn, Publishable))
}

func TestPrincipalContextRoundTrip(t *testing.T) {
	p := Principal{AccountID: "acct_1", Mode: "live", KeyID: "key_1", KeyType: Restricted, Permissions: map[string]string{"patients": "read"}}
	got, ok := PrincipalFrom(p.Context())
	require.True(t, ok)
	assert.Equal(t, p, got)
	_, ok = PrincipalFrom(map[string]any{"accountId": "acct_1", "mode": "staging"})
	assert.False(t, ok, "unknown mode must not pass")
	_, ok = PrincipalFrom(nil)
	assert.False(t, ok)
}
