// Package consolefn is the console function: the web console (shared/console) behind API
// Gateway, with sign-up creating accounts whose sandbox the worker seeds.
package consolefn

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/awslabs/aws-lambda-go-api-proxy/core"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/hapihub/hapihub/shared/accounts"
	"github.com/hapihub/hapihub/shared/app"
	"github.com/hapihub/hapihub/shared/app/clients"
	"github.com/hapihub/hapihub/shared/app/queueclient"
	"github.com/hapihub/hapihub/shared/config"
	"github.com/hapihub/hapihub/shared/console"
	"github.com/hapihub/hapihub/shared/sandbox/jobq"
	"github.com/hapihub/hapihub/shared/store/accountstore"
)

// The developer console (ConsoleFunction): an http.Handler behind API Gateway's proxy
// integration. Decisions are in docs/console.md. The console links only what it runs: the account
// store (its identity items and sign-ups), the sandbox jobs' queue (jobq), the console's packages
// and the Go SDK its pages call the API with; not the API's router, the dispatcher, the OpenAPI
// package, nor shared/store with its search planner (TestConsoleLinksOnlyWhatItRuns). It writes
// no clinical object: a sign-up writes the account, its keys and organizations (no index writes,
// no webhook events) and the sandbox is seeded by the worker off the job queue.

// NewFunction builds the console function.
func NewFunction(ctx context.Context, cfg config.Config) (lambda.Handler, error) {
	return newFunction(ctx, cfg)
}

// NewFunctionWith builds the console function with extra pages. Only the local runner calls it
// (its one-time sign-in link for make run's account, infra/local/runner); functions/console's
// main calls NewFunction, so no deployed console has a page added here.
func NewFunctionWith(extra ...console.Route) func(context.Context, config.Config) (lambda.Handler, error) {
	return func(ctx context.Context, cfg config.Config) (lambda.Handler, error) {
		return newFunction(ctx, cfg, extra...)
	}
}

func newFunction(ctx context.Context, cfg config.Config, extra ...console.Route) (lambda.Handler, error) {
	// The client as func values, not behind an interface (clients.Table says why).
	st, err := clients.AccountsForTemplates(ctx, cfg)
	if err != nil {
		return nil, err
	}
	q, err := queueclient.Queue(ctx, cfg)
	if err != nil {
		return nil, err
	}
	h, err := ConsoleHandler(newIdentity(st), cfg, newQueuedAccounts(st, &jobq.Queue{Store: st.Store, Queue: q, URL: cfg.JobQueueURL}), extra...)
	if err != nil {
		return nil, err
	}
	return proxyHandler(ConsoleLambda(h)), nil
}

// proxyHandler is the console as a lambda.Handler of its own, safe for concurrent invocations
// (the local runner serves a page and its assets at once). lambda.NewHandler's Invoke is not: it
// returns the bytes of a pooled buffer it has already put back, which a concurrent invocation
// of the same handler overwrites (Lambda itself never invokes one instance concurrently).
type proxyHandler func(context.Context, events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error)

func (f proxyHandler) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	var req events.APIGatewayProxyRequest
	if err := json.Unmarshal(payload, &req); err != nil {
		return nil, fmt.Errorf("console: proxy event: %w", err)
	}
	resp, err := f(ctx, req)
	if err != nil {
		return nil, err
	}
	// Pages are HTML: unescaped, as lambda.NewHandler writes them, each < stays one byte.
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(resp); err != nil {
		return nil, fmt.Errorf("console: response: %w", err)
	}
	return out.Bytes(), nil
}

// Paths are the console's two catch-all routes (any method, no key: web pages, which
// template.yaml must serve to this function and the OpenAPI document leaves out).
var Paths = []string{console.Mount, console.Mount + "/{proxy+}"}

// ConsoleHandler is the console on the identity store id; sign-ups create accounts with creator.
func ConsoleHandler(id console.Identity, cfg config.Config, creator console.AccountCreator, extra ...console.Route) (*console.Handler, error) {
	return console.New(console.Options{Identity: id, Accounts: creator, Log: app.Logger(),
		APIURL: cfg.APIURL, Origin: consoleOrigin(cfg.Local)}, extra...)
}

// queuedAccounts is how a sign-up creates an account without unbounded work in the request: the
// account and its keys are one transaction, and its setup (usage keys registered with API
// Gateway, St. Mungo's seeded) is a job for the sandbox worker. The sign-up waits, boundedly,
// for the usage keys (the worker's first step) so the console's first API calls are accepted;
// the seeding goes on in the background and the sandbox page shows its progress.
//
// Its fields are funcs rather than the store and jobs: the console links html/template, which
// makes the linker keep every exported method of any type reachable from an interface value,
// and the whole account store behind this one would weigh more (clients.Table says more).
type queuedAccounts struct {
	create   func(ctx context.Context, name string) (accounts.Created, error)
	startJob func(ctx context.Context, account, org string) (jobq.Job, bool, error)
	getJob   func(ctx context.Context, org string) (jobq.Job, bool, error)
}

func newQueuedAccounts(st *accountstore.Accounts, jobs *jobq.Queue) queuedAccounts {
	return queuedAccounts{
		create: func(ctx context.Context, name string) (accounts.Created, error) {
			return accounts.Create(ctx, st, accounts.Options{Name: name})
		},
		startJob: jobs.Start, getJob: jobs.Get}
}

// SetupWait bounds how long a sign-up waits for its usage keys to be registered: well inside the
// console function's 10 s Timeout.
const SetupWait = 5 * time.Second

func (a queuedAccounts) CreateAccount(ctx context.Context, name string) (string, error) {
	c, err := a.create(ctx, name)
	if err != nil {
		return "", fmt.Errorf("app: create account: %w", err)
	}
	if _, _, err := a.startJob(ctx, c.Account.ID, c.Account.SandboxOrg); err != nil {
		return "", err
	}
	deadline := time.Now().Add(SetupWait)
	for time.Now().Before(deadline) {
		j, ok, err := a.getJob(ctx, c.Account.SandboxOrg)
		if err != nil {
			return "", err
		}
		if ok && (j.Done > 0 || j.Status == jobq.JobSucceeded) {
			break
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	return c.Account.ID, nil
}

// ConsoleLambda adapts an http.Handler to API Gateway proxy events. The handler sees the
// resource path (/console/...: API Gateway strips the stage) and the caller's source IP as
// RemoteAddr; the response goes back in MultiValueHeaders, so several Set-Cookie headers survive.
func ConsoleLambda(h http.Handler) func(context.Context, events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	return httpadapter.New(h).ProxyWithContext
}

// consoleOrigin derives, from the proxy event, the base URL of the API and the console's mount
// path as the browser sees them. On AWS the execute-api address carries the stage
// (requestContext.path = /<stage> + path); a custom domain's base path mapping shows the same
// way. The console sends session keys to that base URL, so on AWS it comes from what API
// Gateway vouches for (requestContext.domainName, and HTTPS, the only scheme it serves), never
// from the client's Host or X-Forwarded-Proto. The local runner serves at the root, over the
// scheme X-Forwarded-Proto says.
func consoleOrigin(local bool) func(r *http.Request) (string, string) {
	return func(r *http.Request) (string, string) {
		if local {
			scheme := "http"
			if p := r.Header.Get("X-Forwarded-Proto"); p != "" {
				scheme = strings.ToLower(p)
			}
			return scheme + "://" + r.Host, console.Mount
		}
		host, prefix := r.Host, ""
		if rc, ok := core.GetAPIGatewayContextFromContext(r.Context()); ok {
			prefix = strings.TrimSuffix(rc.Path, r.URL.Path)
			if rc.DomainName != "" {
				host = rc.DomainName
			}
		}
		return "https://" + host + prefix, prefix + console.Mount
	}
}
