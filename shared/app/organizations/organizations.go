// Package organizations is the organizations function: /organizations and the sandbox reset
// (which records a job for the sandbox worker). Apart from the clinical resources so that they
// do not link the reset jobs.
package organizations

import (
	"context"
	"net/http"

	"github.com/hapihub/hapihub/shared/api"
	"github.com/hapihub/hapihub/shared/app/platform"
	"github.com/hapihub/hapihub/shared/app/sandboxjobs"
	"github.com/hapihub/hapihub/shared/apperr"
	"github.com/hapihub/hapihub/shared/clinic"
	"github.com/hapihub/hapihub/shared/config"
	"github.com/hapihub/hapihub/shared/domain"
	"github.com/hapihub/hapihub/shared/sandbox"
	"github.com/hapihub/hapihub/shared/store"
)

// Routes are /organizations and the sandbox reset: POST /sandbox/reset records a reset
// job and answers 202 (the worker function seeds sizes off the request); GET /sandbox/reset
// shows the sandbox's current or last reset, for polling.
func Routes(st *store.Store, jobs *sandbox.Jobs) []api.Route {
	routes := (&clinic.Organizations{Store: st}).Routes()
	return append(routes,
		api.Route{Method: http.MethodPost, Path: "/sandbox/reset", NoTenant: true, Resource: "sandbox", Action: "reset",
			Handler: func(r *api.Request) (api.Response, error) { return resetSandbox(r, st, jobs) }},
		api.Route{Method: http.MethodGet, Path: "/sandbox/reset", NoTenant: true, Resource: "sandbox", Action: "get",
			Handler: func(r *api.Request) (api.Response, error) { return sandboxResetStatus(r, st, jobs) }})
}

// NewFunction builds the organizations function (with the sandbox reset routes).
func NewFunction(ctx context.Context, cfg config.Config) (*api.Router, error) {
	st, jobs, err := sandboxjobs.New(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return platform.PlatformRouter(st, cfg, Routes(st, jobs)), nil
}

// sandboxAccount is the principal's account and its sandbox organization; test keys only, live
// data is never reset.
func sandboxAccount(r *api.Request, st *store.Store) (domain.Account, error) {
	if r.Principal.Mode != domain.Test {
		return domain.Account{}, apperr.New(apperr.Permissions, "Only test keys can reset the sandbox; live data is never reset.")
	}
	return st.GetAccount(r.Ctx, r.Principal.AccountID)
}

// resetSandbox starts (or joins) the sandbox's reset and answers 202 with the job to poll.
func resetSandbox(r *api.Request, st *store.Store, jobs *sandbox.Jobs) (api.Response, error) {
	// The reset takes no parameters: a malformed or unexpected body is refused, not ignored.
	if _, err := platform.DecodeObject(r.Body); err != nil {
		return api.Response{}, err
	}
	acct, err := sandboxAccount(r, st)
	if err != nil {
		return api.Response{}, err
	}
	j, _, err := jobs.Start(r.Ctx, acct.ID, acct.SandboxOrg)
	if err != nil {
		return api.Response{}, err
	}
	return api.Response{Status: http.StatusAccepted, Header: map[string]string{"Location": "/sandbox/reset"}, Body: j.View()}, nil
}

// sandboxResetStatus is the sandbox's current or last reset.
func sandboxResetStatus(r *api.Request, st *store.Store, jobs *sandbox.Jobs) (api.Response, error) {
	acct, err := sandboxAccount(r, st)
	if err != nil {
		return api.Response{}, err
	}
	j, ok, err := jobs.Get(r.Ctx, acct.SandboxOrg)
	if err != nil {
		return api.Response{}, err
	}
	if !ok || j.Account != acct.ID {
		return api.Response{}, apperr.New(apperr.NotFound, "This sandbox has not been reset yet.")
	}
	return api.Response{Body: j.View()}, nil
}
