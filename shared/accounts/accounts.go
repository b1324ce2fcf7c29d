// Package accounts signs a developer's company up: the account, its four standard keys, and its
// sandbox organization filled with St. Mungo's data, so the first minute already works.
package accounts

import (
	"context"
	"errors"
	"fmt"

	"github.com/hapihub/hapihub/shared/apiversion"
	"github.com/hapihub/hapihub/shared/auth"
	"github.com/hapihub/hapihub/shared/domain"
	"github.com/hapihub/hapihub/shared/sandbox"
	"github.com/hapihub/hapihub/shared/store"
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
	Seed     uint64
	// UsageKeys registers the account's usage identifier keys with API Gateway before the account
	// is written. Nil defers that to the caller (a sign-up's setup job: RegisterAll).
	UsageKeys Registrar
	// NoFill leaves the sandbox empty: the caller seeds it off the request (a setup job).
	NoFill bool
}

// Create makes an account. Its usage keys are registered with API Gateway first (when
// opts.UsageKeys is set), then keys, organizations and connections are one transaction; if that
// fails the API Gateway keys are removed again, so nothing is left half made. The sandbox data
// follows in batches (an interrupted fill is repaired by a sandbox reset).
func Create(ctx context.Context, st *store.Store, opts Options) (Created, error) {
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
	orgs := []domain.Doc{sandbox.Organization(acct.SandboxOrg, now)}
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
	if opts.NoFill {
		return out, nil
	}
	seed := opts.Seed
	if seed == 0 {
		seed = sandbox.Seed
	}
	if err := sandbox.Fill(ctx, st, domain.Tenant{Account: acct.ID, Mode: domain.Test, Org: acct.SandboxOrg}, seed); err != nil {
		return out, fmt.Errorf("accounts: fill sandbox: %w", err)
	}
	if err := sandbox.FillTestOrgs(ctx, st, acct.ID, seed, sandbox.SizesOf(ctx)); err != nil {
		return out, fmt.Errorf("accounts: %w", err)
	}
	out.Account = acct
	return out, nil
}
