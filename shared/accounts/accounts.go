// Package accounts signs a developer's company up: the account, its four standard keys, and its
// sandbox organization filled with St. Mungo's data, so the first minute already works.
package accounts

import (
	"context"
	"errors"

	"github.com/hapihub/hapihub/shared/apiversion"
	"github.com/hapihub/hapihub/shared/auth"
	"github.com/hapihub/hapihub/shared/domain"
	"github.com/hapihub/hapihub/shared/sandbox/jobq"
	"github.com/hapihub/hapihub/shared/store/accountstore"
	"github.com/hapihub/hapihub/shared/store/core"
)

// Created is a new account with the full secrets of its keys (the only time live keys are shown).
type Created struct {
	Account domain.Account
	// Keys maps "sk_test", "pk_test", "sk_live", "pk_live" to the full key.
	Keys map[string]string
}

// Options for Create.
type Options struct {
	Name string
	// LiveOrgs are organizations to connect in live mode (documents created with the account).
	LiveOrgs []domain.Doc
	// UsageKeys registers the account's usage identifier keys with API Gateway before the account
	// is written. Nil defers that to the caller (a sign-up's setup job: RegisterAll).
	UsageKeys Registrar
}

// Create makes an account. Its usage keys are registered with API Gateway first (when
// opts.UsageKeys is set), then keys, organizations and connections are one transaction; if that
// fails the API Gateway keys are removed again, so nothing is left half made. The sandbox stays
// empty: sandbox.CreateAccount fills it in the call, the console's sign-up queues a setup job.
// Create writes no clinical object (and so needs no index writes): the account store is enough.
func Create(ctx context.Context, st *accountstore.Accounts, opts Options) (Created, error) {
	now := st.Now()
	acct := domain.Account{
		ID:         core.NewID("acct", now),
		Name:       opts.Name,
		SandboxOrg: core.NewID("org", now),
		UsageKeys:  map[string]string{},
		CreatedAt:  now.UnixMilli(),
		APIVersion: string(apiversion.Current().Latest()), // pinned at sign-up (docs/versioning.md)
	}
	out := Created{Keys: map[string]string{}}
	var keys []domain.Key
	for _, mode := range []string{domain.Test, domain.Live} {
		uk, err := auth.Generate("usage_" + mode + "_")
		if err != nil {
			return out, err
		}
		acct.UsageKeys[mode] = uk
		for _, typ := range []string{auth.Secret, auth.Publishable} {
			prefix := auth.Prefix(typ, mode)
			secret, err := auth.Generate(prefix)
			if err != nil {
				return out, err
			}
			k := domain.Key{ID: core.NewID("key", now), AccountID: acct.ID, Mode: mode, Type: typ, Hash: auth.Hash(secret),
				Last4: auth.Last4(secret), Status: "active", CreatedAt: now.UnixMilli(), Name: "Standard " + typ + " key"}
			if mode == domain.Test || typ == auth.Publishable {
				// Test keys and publishable keys are revealable; live secrets are shown once.
				k.Revealable = secret
			}
			keys = append(keys, k)
			out.Keys[prefix[:len(prefix)-1]] = secret
		}
	}
	orgs := []domain.Doc{jobq.Organization(acct.SandboxOrg, now)}
	var conns []string
	for _, o := range opts.LiveOrgs {
		orgs = append(orgs, o)
		conns = append(conns, o["id"].(string))
	}
	if opts.UsageKeys != nil {
		if err := RegisterAll(ctx, opts.UsageKeys, acct); err != nil {
			return out, errors.Join(err, opts.UsageKeys.Remove(context.WithoutCancel(ctx), acct.ID))
		}
	}
	if err := st.CreateAccount(ctx, acct, keys, orgs, conns); err != nil {
		if opts.UsageKeys != nil {
			err = errors.Join(err, opts.UsageKeys.Remove(context.WithoutCancel(ctx), acct.ID))
		}
		return out, err
	}
	out.Account = acct
	return out, nil
}
