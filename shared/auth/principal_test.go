package auth

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/shared/domain"
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
		{"account facts", Principal{AccountID: "acct_1", Mode: "test", KeyID: "key_4", KeyType: Secret, Permissions: map[string]string{},
			Account: &AccountFacts{APIVersion: "2026-12-07", SandboxOrg: "org_1", SandboxCapabilities: map[string][]string{"patients": {"find", "get"}, "messages": {}}}}},
		{"account facts, first version, no capabilities", Principal{AccountID: "acct_1", Mode: "live", KeyID: "key_5", KeyType: Secret, Permissions: map[string]string{},
			Account: &AccountFacts{SandboxOrg: "org_1"}}},
		{"live connections", Principal{AccountID: "acct_1", Mode: "live", KeyID: "key_6", KeyType: Secret, Permissions: map[string]string{},
			Account: &AccountFacts{SandboxOrg: "org_1", LiveConnections: []domain.Connection{{Org: "org_a", Status: "active"}, {Org: "org_b", Status: "revoked"}}}}},
		{"no live connection, known", Principal{AccountID: "acct_1", Mode: "live", KeyID: "key_7", KeyType: Secret, Permissions: map[string]string{},
			Account: &AccountFacts{SandboxOrg: "org_1", LiveConnections: []domain.Connection{}}}},
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

// Context values must be flat strings for API Gateway; unreadable capabilities are dropped (the
// function then reads the organization), never half-trusted.
func TestAccountFactsInTheContext(t *testing.T) {
	p := Principal{AccountID: "acct_1", Mode: "test", KeyID: "key_1", KeyType: Secret,
		Account: &AccountFacts{APIVersion: "2026-12-07", SandboxOrg: "org_1", SandboxCapabilities: map[string][]string{"patients": {"find"}}}}
	ctx := p.Context()
	for k, v := range ctx {
		_, isString := v.(string)
		assert.True(t, isString, "%s is %T", k, v)
	}
	ctx["sandboxCapabilities"] = "{not json"
	got, ok := PrincipalFrom(ctx)
	require.True(t, ok)
	require.NotNil(t, got.Account)
	assert.Nil(t, got.Account.SandboxCapabilities)
	assert.Equal(t, "org_1", got.Account.SandboxOrg)
	ctx["liveConnections"] = "[[\"org_a\""
	got, _ = PrincipalFrom(ctx)
	assert.Nil(t, got.Account.LiveConnections, "unreadable connections are unknown, not none")
	delete(ctx, "sandboxOrg")
	got, _ = PrincipalFrom(ctx)
	assert.Nil(t, got.Account, "a context without the facts (an older authorizer's) leaves functions to read the account")
}
