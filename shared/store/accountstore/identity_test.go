package accountstore_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/shared/domain"
	"github.com/hapihub/hapihub/shared/store/accountstore"
	"github.com/hapihub/hapihub/shared/store/storetest"
)

func TestIdentityUsers(t *testing.T) {
	st := storetest.New(t)
	ctx := context.Background()
	require.NoError(t, st.CreateUser(ctx, accountstore.User{ID: "usr_1", Email: " Ada@Example.com", Name: "Ada", PasswordHash: "$argon2id$x", CreatedAt: 5}))

	u, err := st.GetUser(ctx, "ADA@example.COM")
	require.NoError(t, err)
	assert.Equal(t, accountstore.User{ID: "usr_1", Email: "ada@example.com", Name: "Ada", PasswordHash: "$argon2id$x", CreatedAt: 5}, u)

	err = st.CreateUser(ctx, accountstore.User{ID: "usr_2", Email: "ada@EXAMPLE.com"})
	var taken *accountstore.EmailTakenError
	require.ErrorAs(t, err, &taken)
	assert.Equal(t, "ada@example.com", taken.Email)

	_, err = st.GetUser(ctx, "nobody@example.com")
	assert.ErrorIs(t, err, accountstore.ErrNoUser)
}

func TestIdentityMembers(t *testing.T) {
	st := storetest.New(t)
	ctx := context.Background()
	add := func(acct, email, role string) error {
		return st.AddMember(ctx, accountstore.Membership{Account: acct, AccountName: "Acme " + acct, Email: email, Name: email, Role: role})
	}
	require.NoError(t, add("acct_a", "owner@x.com", accountstore.RoleOwner))
	require.NoError(t, add("acct_a", "dev@x.com", accountstore.RoleDeveloper))
	require.NoError(t, add("acct_b", "dev@x.com", accountstore.RoleViewer))
	assert.ErrorIs(t, add("acct_a", "DEV@x.com", accountstore.RoleViewer), accountstore.ErrAlreadyMember)

	members, err := st.ListMembers(ctx, "acct_a")
	require.NoError(t, err)
	roles := map[string]string{}
	for _, m := range members {
		roles[m.Email] = m.Role
	}
	assert.Equal(t, map[string]string{"owner@x.com": accountstore.RoleOwner, "dev@x.com": accountstore.RoleDeveloper}, roles)

	accts, err := st.AccountsOf(ctx, "dev@x.com")
	require.NoError(t, err)
	require.Len(t, accts, 2)
	assert.Equal(t, "acct_a", accts[0].Account)
	assert.Equal(t, "Acme acct_a", accts[0].AccountName)
	assert.Equal(t, accountstore.RoleViewer, accts[1].Role)

	steps := []struct {
		name    string
		do      func() error
		wantErr error
	}{
		{"the only owner cannot be demoted", func() error {
			_, err := st.SetMemberRole(ctx, "acct_a", "owner@x.com", accountstore.RoleViewer)
			return err
		}, accountstore.ErrLastOwner},
		{"the only owner cannot be removed", func() error { return st.RemoveMember(ctx, "acct_a", "owner@x.com") }, accountstore.ErrLastOwner},
		{"promote the developer", func() error {
			_, err := st.SetMemberRole(ctx, "acct_a", "dev@x.com", accountstore.RoleOwner)
			return err
		}, nil},
		{"with two owners, one may step down", func() error {
			_, err := st.SetMemberRole(ctx, "acct_a", "owner@x.com", accountstore.RoleViewer)
			return err
		}, nil},
		{"now the former developer is the last owner", func() error { return st.RemoveMember(ctx, "acct_a", "dev@x.com") }, accountstore.ErrLastOwner},
		{"a viewer can be removed", func() error { return st.RemoveMember(ctx, "acct_a", "owner@x.com") }, nil},
		{"a removed member is no member", func() error { _, err := st.GetMembership(ctx, "acct_a", "owner@x.com"); return err }, accountstore.ErrNotMember},
	}
	for _, s := range steps {
		err := s.do()
		if s.wantErr == nil {
			require.NoError(t, err, s.name)
		} else {
			require.ErrorIs(t, err, s.wantErr, s.name)
		}
	}
	accts, err = st.AccountsOf(ctx, "owner@x.com")
	require.NoError(t, err)
	assert.Empty(t, accts, "removal deletes the user's side too")
	m, err := st.GetMembership(ctx, "acct_a", "dev@x.com")
	require.NoError(t, err)
	assert.Equal(t, accountstore.RoleOwner, m.Role)
	accts, err = st.AccountsOf(ctx, "dev@x.com")
	require.NoError(t, err)
	assert.Equal(t, accountstore.RoleOwner, accts[0].Role, "a role change updates the user's side too")
}

func TestIdentitySessionsAndInvites(t *testing.T) {
	st := storetest.New(t)
	clock := storetest.NewClock(time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC))
	st.Now = clock.Now
	ctx := context.Background()
	exp := clock.Now().Add(time.Hour).UnixMilli()
	ss := accountstore.Session{TokenHash: "h1", UserID: "usr_1", Email: "a@x.com", Name: "A", Account: "acct_a", Role: accountstore.RoleOwner, Mode: domain.Test,
		Keys:      map[string]accountstore.SessionKey{domain.Test: {ID: "key_t", Hash: "ht", Secret: "sk_test_1"}, domain.Live: {ID: "key_l", Hash: "hl", Secret: "sk_live_1"}},
		CreatedAt: 1, ExpiresAt: exp}
	require.NoError(t, st.PutSession(ctx, ss))
	got, err := st.GetSession(ctx, "h1")
	require.NoError(t, err)
	// A session key's secret is never stored (the console derives it from the cookie's token).
	want := ss
	want.Keys = map[string]accountstore.SessionKey{domain.Test: {ID: "key_t", Hash: "ht"}, domain.Live: {ID: "key_l", Hash: "hl"}}
	assert.Equal(t, want, got)

	require.NoError(t, st.SetSessionMode(ctx, "h1", domain.Live))
	got, err = st.GetSession(ctx, "h1")
	require.NoError(t, err)
	assert.Equal(t, domain.Live, got.Mode)
	assert.ErrorIs(t, st.SetSessionMode(ctx, "nope", domain.Live), accountstore.ErrNoSession)

	clock.Advance(time.Hour)
	_, err = st.GetSession(ctx, "h1")
	assert.ErrorIs(t, err, accountstore.ErrNoSession, "an expired session is gone before TTL removes it")

	require.NoError(t, st.PutSession(ctx, accountstore.Session{TokenHash: "h2", Account: "a", Mode: domain.Test, ExpiresAt: clock.Now().Add(time.Hour).UnixMilli()}))
	require.NoError(t, st.DeleteSession(ctx, "h2"))
	_, err = st.GetSession(ctx, "h2")
	assert.ErrorIs(t, err, accountstore.ErrNoSession)

	inv := accountstore.Invite{TokenHash: "i1", Account: "acct_a", Email: "New@x.com", Role: accountstore.RoleViewer, InvitedBy: "a@x.com", CreatedAt: 1,
		ExpiresAt: clock.Now().Add(7 * 24 * time.Hour).UnixMilli()}
	require.NoError(t, st.PutInvite(ctx, inv))
	inv.Email = "new@x.com"
	got2, err := st.GetInvite(ctx, "i1")
	require.NoError(t, err)
	assert.Equal(t, inv, got2)

	// Two concurrent uses: exactly one gets the invite.
	var wg sync.WaitGroup
	results := make([]error, 4)
	for i := range results {
		wg.Add(1)
		go func() { defer wg.Done(); _, results[i] = st.ConsumeInvite(ctx, "i1") }()
	}
	wg.Wait()
	ok := 0
	for _, err := range results {
		if err == nil {
			ok++
		} else {
			assert.ErrorIs(t, err, accountstore.ErrNoInvite)
		}
	}
	assert.Equal(t, 1, ok)
	_, err = st.GetInvite(ctx, "i1")
	assert.ErrorIs(t, err, accountstore.ErrNoInvite)

	require.NoError(t, st.PutInvite(ctx, accountstore.Invite{TokenHash: "i2", Account: "a", Email: "b@x.com", Role: accountstore.RoleDeveloper, ExpiresAt: clock.Now().Add(time.Minute).UnixMilli()}))
	clock.Advance(time.Minute)
	_, err = st.ConsumeInvite(ctx, "i2")
	assert.True(t, errors.Is(err, accountstore.ErrNoInvite), "an expired invite cannot be used: %v", err)
}

func TestIdentityFailedAttempts(t *testing.T) {
	st := storetest.New(t)
	clock := storetest.NewClock(time.Date(2026, 1, 1, 12, 1, 0, 0, time.UTC))
	st.Now = clock.Now
	ctx := context.Background()
	const window = 15 * time.Minute
	for i := int64(1); i <= 3; i++ {
		c, err := st.AddFailedAttempt(ctx, "email:a@x.com", window)
		require.NoError(t, err)
		assert.Equal(t, i, c)
	}
	c, err := st.FailedAttempts(ctx, "email:a@x.com", window)
	require.NoError(t, err)
	assert.Equal(t, int64(3), c)
	c, err = st.FailedAttempts(ctx, "ip:10.0.0.1", window)
	require.NoError(t, err)
	assert.Zero(t, c, "scopes count separately")

	require.NoError(t, st.ForgetAttempt(ctx, "email:a@x.com", window))
	c, err = st.FailedAttempts(ctx, "email:a@x.com", window)
	require.NoError(t, err)
	assert.Equal(t, int64(2), c, "a forgotten attempt no longer counts")

	clock.Advance(14 * time.Minute) // 12:15: the next fixed window
	c, err = st.FailedAttempts(ctx, "email:a@x.com", window)
	require.NoError(t, err)
	assert.Zero(t, c)
	require.NoError(t, st.ForgetAttempt(ctx, "email:a@x.com", window), "nothing to forget in a new window")
	c, err = st.FailedAttempts(ctx, "email:a@x.com", window)
	require.NoError(t, err)
	assert.Zero(t, c, "a counter never goes below zero")
}

func TestIdentityInviteListing(t *testing.T) {
	st := storetest.New(t)
	clock := storetest.NewClock(time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC))
	st.Now = clock.Now
	ctx := context.Background()
	put := func(hash, acct, email string, created int64, ttl time.Duration) accountstore.Invite {
		inv := accountstore.Invite{TokenHash: hash, Account: acct, Email: email, Role: accountstore.RoleDeveloper, InvitedBy: "owner@x.com",
			CreatedAt: created, ExpiresAt: clock.Now().Add(ttl).UnixMilli()}
		require.NoError(t, st.PutInvite(ctx, inv))
		return inv
	}
	first := put("h1", "acct_a", "one@x.com", 1, 7*24*time.Hour)
	second := put("h2", "acct_a", "two@x.com", 2, 7*24*time.Hour)
	put("h3", "acct_a", "soon@x.com", 3, time.Minute)
	other := put("h4", "acct_b", "b@x.com", 4, 7*24*time.Hour)
	clock.Advance(time.Minute)

	hashes := func(acct string) []string {
		t.Helper()
		list, err := st.ListInvites(ctx, acct)
		require.NoError(t, err)
		var out []string
		for _, inv := range list {
			out = append(out, inv.TokenHash)
		}
		return out
	}
	list, err := st.ListInvites(ctx, "acct_a")
	require.NoError(t, err)
	assert.Equal(t, []accountstore.Invite{second, first}, list, "pending invites, newest first; the expired one is not listed")
	assert.Equal(t, []string{"h4"}, hashes("acct_b"))

	steps := []struct {
		name    string
		do      func() error
		wantErr error
		listed  []string // acct_a's pending invites after the step
	}{
		{"another account's owner cannot revoke it", func() error { return st.RevokeInvite(ctx, "acct_b", "h1") }, accountstore.ErrNoInvite, []string{"h2", "h1"}},
		{"an expired invite cannot be revoked", func() error { return st.RevokeInvite(ctx, "acct_a", "h3") }, accountstore.ErrNoInvite, []string{"h2", "h1"}},
		{"revoke", func() error { return st.RevokeInvite(ctx, "acct_a", "h1") }, nil, []string{"h2"}},
		{"a revoked link stops working", func() error { _, err := st.GetInvite(ctx, "h1"); return err }, accountstore.ErrNoInvite, []string{"h2"}},
		{"nor can it be consumed", func() error { _, err := st.ConsumeInvite(ctx, "h1"); return err }, accountstore.ErrNoInvite, []string{"h2"}},
		{"nor revoked twice", func() error { return st.RevokeInvite(ctx, "acct_a", "h1") }, accountstore.ErrNoInvite, []string{"h2"}},
		{"consuming takes it off the listing", func() error { _, err := st.ConsumeInvite(ctx, "h2"); return err }, nil, nil},
		{"a consumed invite cannot be revoked", func() error { return st.RevokeInvite(ctx, "acct_a", "h2") }, accountstore.ErrNoInvite, nil},
	}
	for _, s := range steps {
		err := s.do()
		if s.wantErr == nil {
			require.NoError(t, err, s.name)
		} else {
			require.ErrorIs(t, err, s.wantErr, s.name)
		}
		assert.Equal(t, s.listed, hashes("acct_a"), s.name)
	}
	got, err := st.ConsumeInvite(ctx, "h4")
	require.NoError(t, err)
	assert.Equal(t, other, got, "consume returns the invite")
	assert.Empty(t, hashes("acct_b"))
}

func TestIdentityInviteConsumeAndRevokeRace(t *testing.T) {
	st := storetest.New(t)
	ctx := context.Background()
	for i := range 5 {
		hash := "race" + string(rune('a'+i))
		require.NoError(t, st.PutInvite(ctx, accountstore.Invite{TokenHash: hash, Account: "acct_r", Email: "r@x.com", Role: accountstore.RoleViewer,
			ExpiresAt: time.Now().Add(time.Hour).UnixMilli()}))
		// Two acceptances and a revoke at once: exactly one of them wins, and the listing is
		// empty after, whoever won.
		var wg sync.WaitGroup
		results := make([]error, 3)
		wg.Go(func() { _, results[0] = st.ConsumeInvite(ctx, hash) })
		wg.Go(func() { _, results[1] = st.ConsumeInvite(ctx, hash) })
		wg.Go(func() { results[2] = st.RevokeInvite(ctx, "acct_r", hash) })
		wg.Wait()
		won := 0
		for _, err := range results {
			if err == nil {
				won++
			} else {
				assert.ErrorIs(t, err, accountstore.ErrNoInvite)
			}
		}
		assert.Equal(t, 1, won, "round %d", i)
		list, err := st.ListInvites(ctx, "acct_r")
		require.NoError(t, err)
		assert.Empty(t, list, "round %d", i)
	}
}
