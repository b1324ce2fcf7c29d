package sandboxworker

import (
	"context"
	"fmt"

	"github.com/hapihub/hapihub/shared/accounts"
	"github.com/hapihub/hapihub/shared/app/backend"
	"github.com/hapihub/hapihub/shared/auth"
	"github.com/hapihub/hapihub/shared/config"
	"github.com/hapihub/hapihub/shared/domain"
	"github.com/hapihub/hapihub/shared/sandbox"
	"github.com/hapihub/hapihub/shared/store"
)

// BootstrapResult is what the local runner prints on start.
type BootstrapResult struct {
	Created            bool // true on the first start, when the account was made
	AccountID          string
	TestSecretKey      string
	TestPublishableKey string
	LiveSecretKey      string // only when Created: a live key is shown once
}

// bootstrapSetting records the local runner's sandbox account.
const bootstrapSetting = "local-bootstrap"

// Bootstrap makes sure the local sandbox account exists. The first call creates it and returns
// all its keys; later calls return its (revealable) test keys only.
func Bootstrap(ctx context.Context, cfg config.Config) (BootstrapResult, error) {
	st, err := backend.Store(ctx, cfg)
	if err != nil {
		return BootstrapResult{}, err
	}
	if doc, ok, err := st.GetSetting(ctx, bootstrapSetting); err != nil {
		return BootstrapResult{}, err
	} else if ok {
		id, _ := doc["accountId"].(string)
		keys, err := st.ListKeys(ctx, id, domain.Test)
		if err != nil {
			return BootstrapResult{}, err
		}
		res := BootstrapResult{AccountID: id}
		for _, k := range keys {
			switch k.Type {
			case auth.Secret:
				res.TestSecretKey = k.Revealable
			case auth.Publishable:
				res.TestPublishableKey = k.Revealable
			}
		}
		if res.TestSecretKey == "" {
			return res, fmt.Errorf("app: bootstrap account %s has no revealable test secret key", id)
		}
		return res, nil
	}
	reg, err := UsageKeys(ctx, cfg)
	if err != nil {
		return BootstrapResult{}, err
	}
	demo := newLiveDemo(st) // two live organizations, one a PMS lacking some methods
	opts := accounts.Options{Name: "Local developer", LiveOrgs: demo.docs()}
	if reg != nil {
		opts.UsageKeys = reg
	}
	created, err := sandbox.CreateAccount(ctx, st, opts, 0)
	if err != nil {
		return BootstrapResult{}, err
	}
	if err := demo.fill(ctx, st, created.Account.ID); err != nil {
		return BootstrapResult{}, err
	}
	if err := st.PutSetting(ctx, bootstrapSetting, domain.Doc{"accountId": created.Account.ID}); err != nil {
		return BootstrapResult{}, err
	}
	return BootstrapResult{Created: true, AccountID: created.Account.ID, TestSecretKey: created.Keys["sk_test"],
		TestPublishableKey: created.Keys["pk_test"], LiveSecretKey: created.Keys["sk_live"]}, nil
}

// liveDemo makes the local account's two live demo organizations and fills each with a little
// data of its own once the account exists.
type liveDemo []sandbox.LiveOrg

func newLiveDemo(st *store.Store) liveDemo { return sandbox.LiveOrganizations(st.Now()) }

func (d liveDemo) docs() []domain.Doc {
	out := make([]domain.Doc, len(d))
	for i, o := range d {
		out[i] = o.Doc
	}
	return out
}

func (d liveDemo) fill(ctx context.Context, st *store.Store, account string) error {
	for i, o := range d {
		t := domain.Tenant{Account: account, Mode: domain.Live, Org: o.Doc["id"].(string)}
		if err := sandbox.FillSized(ctx, st, t, sandbox.Seed+uint64(i)+1, o.Sizes); err != nil {
			return fmt.Errorf("app: fill live demo organization: %w", err)
		}
	}
	return nil
}
