package app

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/hapihub/hapihub/shared/accounts"
	"github.com/hapihub/hapihub/shared/api"
	"github.com/hapihub/hapihub/shared/apperr"
	"github.com/hapihub/hapihub/shared/clinic"
	"github.com/hapihub/hapihub/shared/config"
	"github.com/hapihub/hapihub/shared/openapi"
	"github.com/hapihub/hapihub/shared/sandbox"
	"github.com/hapihub/hapihub/shared/schema"
	"github.com/hapihub/hapihub/shared/store"
)

// The clinical resources (one function per resource), organizations with the
// sandbox reset, and the OpenAPI document. Decisions are in docs/resources.md.

func init() {
	for _, r := range []*schema.Resource{schema.Patients, schema.Practitioners, schema.Appointments, schema.Messages, schema.Invoices} {
		functions[r.Name] = clinicalFunction(r)
	}
	functions["organizations"] = organizationsFunction
	functions["sandbox-worker"] = sandboxWorkerFunction
	functions["openapi"] = openapiFunction
}

// ClinicalRoutes are the routes of clinical resources with their domain rules and extra events.
func ClinicalRoutes(st *store.Store, resources ...*schema.Resource) []api.Route {
	var routes []api.Route
	for _, r := range resources {
		h := &api.Resource{Schema: r, Store: st, Rules: clinic.Rules(r, st), Events: clinic.Events(r)}
		routes = append(routes, h.Routes()...)
	}
	return routes
}

func clinicalFunction(res *schema.Resource) Builder {
	return func(ctx context.Context, cfg config.Config) (any, error) {
		st, err := Store(ctx, cfg)
		if err != nil {
			return nil, err
		}
		return PlatformRouter(st, cfg, ClinicalRoutes(st, res)), nil
	}
}

// OrganizationRoutes are /organizations and the sandbox reset: POST /sandbox/reset records a reset
// job and answers 202 (the worker function seeds sizes off the request); GET /sandbox/reset
// shows the sandbox's current or last reset, for polling.
func OrganizationRoutes(st *store.Store, jobs *sandbox.Jobs) []api.Route {
	routes := (&clinic.Organizations{Store: st}).Routes()
	return append(routes,
		api.Route{Method: http.MethodPost, Path: "/sandbox/reset", NoTenant: true, Resource: "sandbox", Action: "reset",
			Handler: func(r *api.Request) (api.Response, error) { return resetSandbox(r, st, jobs) }},
		api.Route{Method: http.MethodGet, Path: "/sandbox/reset", NoTenant: true, Resource: "sandbox", Action: "get",
			Handler: func(r *api.Request) (api.Response, error) { return sandboxResetStatus(r, st, jobs) }})
}

// SandboxJobs is the store and the sandbox reset jobs over the configured queue
// (HAPIHUB_JOB_QUEUE_URL): what every function that starts or runs a reset needs.
func SandboxJobs(ctx context.Context, cfg config.Config) (*store.Store, *sandbox.Jobs, error) {
	st, err := Store(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	q, err := SQS(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	return st, &sandbox.Jobs{Store: st, Queue: q, QueueURL: cfg.JobQueueURL, Lease: SandboxJobLease, Sizes: sandbox.SizesOf(ctx)}, nil
}

// SandboxJobLease is how long a worker owns a reset: more than the worker function's Timeout
// (template.yaml), so a live worker is never overtaken and a dead one is within minutes.
const SandboxJobLease = 6 * time.Minute

func organizationsFunction(ctx context.Context, cfg config.Config) (any, error) {
	st, jobs, err := SandboxJobs(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return PlatformRouter(st, cfg, OrganizationRoutes(st, jobs)), nil
}

func sandboxWorkerFunction(ctx context.Context, cfg config.Config) (any, error) {
	st, jobs, err := SandboxJobs(ctx, cfg)
	if err != nil {
		return nil, err
	}
	reg, err := UsageKeys(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if reg != nil {
		// A sign-up's setup: the account's usage keys are registered before its sandbox is seeded.
		jobs.BeforeRun = func(ctx context.Context, j sandbox.Job) error {
			acct, err := st.GetAccount(ctx, j.Account)
			if err != nil {
				return err
			}
			return accounts.RegisterAll(ctx, reg, acct)
		}
	}
	return jobs.HandleSQS, nil
}

// sandboxAccount is the principal's account and its sandbox organization; test keys only, live
// data is never reset.
func sandboxAccount(r *api.Request, st *store.Store) (store.Account, error) {
	if r.Principal.Mode != store.Test {
		return store.Account{}, apperr.New(apperr.Permissions, "Only test keys can reset the sandbox; live data is never reset.")
	}
	return st.GetAccount(r.Ctx, r.Principal.AccountID)
}

// resetSandbox starts (or joins) the sandbox's reset and answers 202 with the job to poll.
func resetSandbox(r *api.Request, st *store.Store, jobs *sandbox.Jobs) (api.Response, error) {
	// The reset takes no parameters: a malformed or unexpected body is refused, not ignored.
	if _, err := decodeObject(r.Body); err != nil {
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

// capabilitiesMiddleware answers METHOD_NOT_SUPPORTED for methods the organization's PMS lacks.
func capabilitiesMiddleware(st *store.Store, _ config.Config) api.Middleware {
	return clinic.Capabilities(st)
}

// openapiRoute serves the document without a key.
const openapiPath = "/openapi.json"

func openapiFunction(ctx context.Context, cfg config.Config) (any, error) {
	st, err := Store(ctx, cfg)
	if err != nil {
		return nil, err
	}
	var (
		once sync.Once
		doc  openapi.Doc
	)
	route := api.Route{Method: http.MethodGet, Path: openapiPath, Public: true, Handler: func(r *api.Request) (api.Response, error) {
		// Built on first use: it needs every function's route table.
		once.Do(func() { doc = OpenAPI(r.Ctx, cfg) })
		return api.Response{Body: openapi.WithServer(doc, requestOrigin(r)), Header: map[string]string{"Cache-Control": "public, max-age=300", "Vary": "Host, X-Forwarded-Proto"}}, nil
	}}
	return PlatformRouter(st, cfg, []api.Route{route}), nil
}

// requestOrigin is the scheme and host the request came to, so the document's servers name
// where it was served from (http://localhost:3000 under make run); "" when unknown. The stage
// prefix of an execute-api host is kept.
func requestOrigin(r *api.Request) string {
	host := r.Header("Host")
	if host == "" || strings.ContainsAny(host, "/ \\@") {
		return ""
	}
	proto := r.Header("X-Forwarded-Proto")
	if proto != "http" {
		proto = "https"
	}
	origin := proto + "://" + host
	if st := r.Event.RequestContext.Stage; st != "" && strings.Contains(host, ".execute-api.") {
		origin += "/" + st
	}
	return origin
}

// AllRoutes is the route table of every API function, read from the routers their builders return.
func AllRoutes(ctx context.Context, cfg config.Config) []api.Route {
	out := []api.Route{{Method: http.MethodGet, Path: openapiPath, Public: true}}
	for _, name := range Names() {
		if name == "openapi" {
			continue
		}
		h, err := Build(ctx, name, cfg)
		if err != nil {
			// Only API functions have routes; one that cannot start here (a queue consumer missing
			// its queue's configuration) has none to document. Template and document are compared
			// in tests, so a missing API function cannot go unnoticed.
			continue
		}
		if rl, ok := h.(interface{ Routes() []api.Route }); ok {
			out = append(out, rl.Routes()...)
		}
	}
	return out
}

// OpenAPI generates the OpenAPI document of every route.
func OpenAPI(ctx context.Context, cfg config.Config) openapi.Doc {
	var rs []openapi.Route
	for _, r := range AllRoutes(ctx, cfg) {
		if !r.Web {
			rs = append(rs, openapi.Route{Method: r.Method, Path: r.Path, Resource: r.Resource, Action: r.Action, Public: r.Public})
		}
	}
	return openapi.Build(rs)
}

// liveDemo makes the local account's two live demo organizations and fills each with a little
// data of its own once the account exists.
type liveDemo []sandbox.LiveOrg

func newLiveDemo(st *store.Store) liveDemo { return sandbox.LiveOrganizations(st.Now()) }

func (d liveDemo) docs() []store.Doc {
	out := make([]store.Doc, len(d))
	for i, o := range d {
		out[i] = o.Doc
	}
	return out
}

func (d liveDemo) fill(ctx context.Context, st *store.Store, account string) error {
	for i, o := range d {
		t := store.Tenant{Account: account, Mode: store.Live, Org: o.Doc["id"].(string)}
		if err := sandbox.FillSized(ctx, st, t, sandbox.Seed+uint64(i)+1, o.Sizes); err != nil {
			return fmt.Errorf("app: fill live demo organization: %w", err)
		}
	}
	return nil
}
