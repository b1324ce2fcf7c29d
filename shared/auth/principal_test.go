package auth

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The authorizer context is flat strings; a principal must come back from it unchanged, with the
// console session only when there is one.
func TestPrincipalContextCarriesTheSession(t *testing.T) {
	cases := []struct {
		name string
		p    Principal
	}{
		{"secret key", Principal{AccountID: "acct_1", Mode: "test", KeyID: "key_1", KeyType: Secret, Permissions: map[string]string{}}},
		{"restricted key", Principal{AccountID: "acct_1", Mode: "live", KeyID: "key_2", KeyType: Restricted, Permissions: map[string]string{"request-logs": Read}}},
		{"console session", Principal{AccountID: "acct_1", Mode: "live", KeyID: "key_3", KeyType: Secret, Permissions: map[string]string{}, Session: "owner@example.com", SessionKeyHash: "ab12"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx := tc.p.Context()
			_, has := ctx["session"]
			assert.Equal(t, tc.p.Session != "", has, "session is in the context only for session keys")
			got, ok := PrincipalFrom(ctx)
			require.True(t, ok)
			assert.Equal(t, tc.p, got)
		})
	}
}
