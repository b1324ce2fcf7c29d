// Package api turns API Gateway proxy events into calls of the domain and back: the route table
// (template.yaml is checked against it), request decoding, response encoding, errors, CORS and the
// checks every request passes (HTTPS, key type, organization).
package api

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"runtime/debug"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/uuid"

	"github.com/hapihub/hapihub/shared/apiversion"
	"github.com/hapihub/hapihub/shared/apperr"
	"github.com/hapihub/hapihub/shared/auth"
	"github.com/hapihub/hapihub/shared/domain"
	"github.com/hapihub/hapihub/shared/jsonenc"
	"github.com/hapihub/hapihub/shared/sandbox/testorgs"
)

// Request is one decoded API request.
type Request struct {
	Ctx       context.Context
	Event     events.APIGatewayProxyRequest
	Principal auth.Principal
	Tenant    domain.Tenant
	RequestID string
	Body      []byte
	// confirm is the organization's check still running when the route was entered (a live
	// organization picked before its connection was read again): its refusal wins (tenant.go).
	confirm *pendingCheck
	// queryRead records that the handler looked at the query (Query), so a read whose route
	// takes no parameters can refuse them instead of ignoring them (unreadQuery).
	queryRead bool
}

// Header returns a request header, case-insensitively.
func (r *Request) Header(name string) string { return header(r.Event, name) }

func header(e events.APIGatewayProxyRequest, name string) string {
	if v, ok := e.Headers[name]; ok {
		return v
	}
	for k, v := range e.Headers {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	for k, v := range e.MultiValueHeaders {
		if strings.EqualFold(k, name) && len(v) > 0 {
			return v[len(v)-1]
		}
	}
	return ""
}

// Query returns the multi-value query parameters, falling back to the single-value map.
func (r *Request) Query() map[string][]string {
	r.queryRead = true
	return rawQuery(r.Event)
}

func rawQuery(ev events.APIGatewayProxyRequest) map[string][]string {
	if len(ev.MultiValueQueryStringParameters) > 0 {
		return ev.MultiValueQueryStringParameters
	}
	out := map[string][]string{}
	for k, v := range ev.QueryStringParameters {
		out[k] = []string{v}
	}
	return out
}

// Response is what a handler returns.
type Response struct {
	Status int
	Body   any
	Header map[string]string
}

// HandlerFunc serves one route.
type HandlerFunc func(r *Request) (Response, error)

// Route is one (method, path) the API serves.
type Route struct {
	Method  string
	Path    string // API Gateway resource path, e.g. /patients/{id}
	Handler HandlerFunc
	// Public routes have no authorizer (Auth: NONE in the template).
	Public bool
	// Web routes serve the console's pages, not the API: the OpenAPI document leaves them out.
	Web bool
	// Publishable keys may call this route (only POST /tokens).
	Publishable bool
	// NoTenant routes do not need an organization (platform resources such as /api-keys).
	NoTenant bool
	// Resource and Action say what the route does, for permissions and PMS capabilities:
	// Resource is the resource name ("patients"), Action a Feathers method ("find", ...).
	Resource string
	Action   string
}

// Middleware wraps the handler of a route; it sees the route, so it can check permissions,
// capabilities or replay an idempotent response. Middlewares run in the order given, after
// authentication and organization resolution, before the handler.
type Middleware func(route Route, next HandlerFunc) HandlerFunc

// Key of a route in the table.
func (rt Route) Key() string { return rt.Method + " " + rt.Path }

// Tenants resolves which organization a principal's request acts on.
type Tenants interface {
	GetAccount(ctx context.Context, id string) (domain.Account, error)
	Connections(ctx context.Context, account string) ([]domain.Connection, error)
}

// Router dispatches proxy events to routes.
type Router struct {
	routes map[string]Route
	opts   Options
}

// Options configure a router.
type Options struct {
	Tenants Tenants
	Log     *slog.Logger
	// Local exempts loopback clients from the HTTPS rule (the local runner).
	Local       bool
	Middlewares []Middleware
	Now         func() time.Time
	// Recorder, when set, records every request that reached a route with a key (request logs).
	Recorder RequestRecorder
}

// RequestRecorder keeps the request log (store.(*Store).PutRequestLog behind a small adapter).
// It is called once per recorded request, after the response is built; its failure is logged
// and never changes the response.
type RequestRecorder interface {
	RecordRequest(ctx context.Context, l domain.RequestLog) error
}

// NewRouter builds a router over routes.
func NewRouter(opts Options, routes ...Route) *Router {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	r := &Router{routes: map[string]Route{}, opts: opts}
	for _, rt := range routes {
		if _, dup := r.routes[rt.Key()]; dup {
			panic("api: duplicate route " + rt.Key())
		}
		h := rt.Handler
		if !rt.Public && !rt.NoTenant && auth.Needed(rt.Action) != auth.Read {
			h = confirmedFirst(h) // tenant.go: a write never runs before its organization is confirmed
		}
		for i := len(opts.Middlewares) - 1; i >= 0; i-- {
			h = opts.Middlewares[i](rt, h)
		}
		rt.Handler = h
		r.routes[rt.Key()] = rt
	}
	return r
}

// Routes lists the route table, sorted.
func (rt *Router) Routes() []Route {
	out := make([]Route, 0, len(rt.routes))
	for _, r := range rt.routes {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key() < out[j].Key() })
	return out
}

// CORS headers on every response (docs/decisions.md#keys-and-access: CORS is on for every endpoint).
var corsHeaders = map[string]string{
	"Access-Control-Allow-Origin":   "*",
	"Access-Control-Expose-Headers": "ETag, Idempotent-Replayed, Original-Request, Retry-After, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset, " + requestIDExposed + ", " + apiversion.Header,
}

// Invoke makes the router a lambda.Handler, so a builder can return the router itself and tests
// can still reach its route table.
func (rt *Router) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	var ev events.APIGatewayProxyRequest
	if err := json.Unmarshal(payload, &ev); err != nil {
		return nil, fmt.Errorf("api: decode proxy event: %w", err)
	}
	resp, err := rt.Handle(ctx, ev)
	if err != nil {
		return nil, err
	}
	return json.Marshal(resp)
}

// Handle is the Lambda handler for API Gateway proxy events.
func (rt *Router) Handle(ctx context.Context, ev events.APIGatewayProxyRequest) (resp events.APIGatewayProxyResponse, _ error) {
	start := rt.opts.Now()
	reqID := ev.RequestContext.RequestID
	if reqID == "" {
		reqID = uuid.NewString()
	}
	req := &Request{Ctx: ctx, Event: ev, RequestID: reqID}
	var errEvent string
	defer func() {
		if p := recover(); p != nil {
			resp, errEvent = rt.renderError(ev, reqID, apperr.Internal(fmt.Errorf("panic: %v\n%s", p, debug.Stack())))
		}
		setRequestID(&resp, reqID) // requestid.go
		took := rt.opts.Now().Sub(start).Milliseconds()
		rt.opts.Log.Info("request", "requestId", reqID, "method", ev.HTTPMethod, "path", ev.Path, "resource", ev.Resource,
			"status", resp.StatusCode, "durationMs", took, "errorEvent", errEvent)
		rt.record(ctx, req, resp.StatusCode, errEvent, start, took)
	}()
	out, err := rt.serve(req)
	if err != nil {
		resp, errEvent = rt.renderError(ev, reqID, err)
		return resp, nil
	}
	return rt.render(out, reqID), nil
}

// record hands a request to the Recorder when it was made with a key: public routes and
// requests without a principal (no account to file them under) are not recorded.
func (rt *Router) record(ctx context.Context, req *Request, status int, errEvent string, start time.Time, took int64) {
	p := req.Principal
	if rt.opts.Recorder == nil || p.AccountID == "" {
		return
	}
	l := domain.RequestLog{AccountID: p.AccountID, Mode: p.Mode, Method: req.Event.HTTPMethod, Path: req.Event.Path,
		Organization: req.Tenant.Org, KeyID: p.KeyID, KeyType: p.KeyType, Session: p.Session, Status: status,
		ErrorEventID: errEvent, RequestID: req.RequestID, IdempotencyKey: req.Header("Idempotency-Key"),
		At: start.UnixMilli(), DurationMs: took}
	if err := rt.opts.Recorder.RecordRequest(ctx, l); err != nil {
		rt.opts.Log.Error("request log not recorded", "requestId", req.RequestID, "err", err)
	}
}

// serve runs the request's route, filling req's principal and tenant as they are resolved.
func (rt *Router) serve(req *Request) (Response, error) {
	ctx, ev := req.Ctx, req.Event
	if strings.EqualFold(header(ev, "X-Forwarded-Proto"), "http") && !(rt.opts.Local && isLoopback(ev.RequestContext.Identity.SourceIP)) {
		return Response{}, apperr.New(apperr.Security, "HAPI Hub is served over HTTPS only; retry with https://.")
	}
	route, ok := rt.routes[ev.HTTPMethod+" "+ev.Resource]
	if !ok {
		return Response{}, apperr.New(apperr.MethodNotImplemented, "%s %s is not implemented by HAPI Hub.", ev.HTTPMethod, ev.Path)
	}
	if !route.Public {
		p, ok := auth.PrincipalFrom(ev.RequestContext.Authorizer)
		if !ok {
			return Response{}, apperr.New(apperr.Auth, "No valid API key provided. Send Authorization: Bearer <key>.")
		}
		req.Principal = p // known from here on, so even a refusal below is recorded
		if p.KeyType == auth.Publishable && !route.Publishable {
			return Response{}, apperr.New(apperr.Permissions, "Publishable keys can only create tokens (POST /tokens); use a secret key for %s %s.", ev.HTTPMethod, route.Path)
		}
		if !route.NoTenant {
			t, confirm, err := rt.tenant(ctx, p, header(ev, "HapiHub-Organization"))
			if err != nil {
				return Response{}, err
			}
			req.Tenant = t
			if confirm != nil {
				return rt.confirmedBeside(req, route, confirm)
			}
		}
	}
	return run(req, route)
}

// run checks the request's query, decodes its body and runs the route.
func run(req *Request, route Route) (Response, error) {
	if err := writeQuery(req, route); err != nil {
		return Response{}, err
	}
	if err := queryUnicode(req.Event); err != nil {
		return Response{}, err
	}
	body, err := decodeBody(req.Event)
	if err != nil {
		return Response{}, err
	}
	req.Body = body
	out, err := route.Handler(req)
	if err == nil && route.Method == http.MethodGet && !req.queryRead {
		// A read that never looked at its query takes no parameters (GET /events/{id},
		// /account/api-version, ...): refused like a list's unknown one, not ignored. Reads
		// change nothing, so answering an error after the handler ran is safe.
		if err := unreadQuery(req, route); err != nil {
			return Response{}, err
		}
	}
	return out, err
}

// unreadQuery is 400 naming every query parameter of a read whose handler takes none.
func unreadQuery(req *Request, route Route) error {
	q := rawQuery(req.Event)
	if len(q) == 0 {
		return nil
	}
	return apperr.Invalid(paramErrors(q, "GET "+route.Path+" takes no query parameters")...)
}

// paramErrors names each parameter of q, sorted, with the same message.
func paramErrors(q map[string][]string, msg string) []apperr.FieldError {
	names := make([]string, 0, len(q))
	for k := range q {
		names = append(names, k)
	}
	sort.Strings(names)
	fields := make([]apperr.FieldError, len(names))
	for i, k := range names {
		fields[i] = apperr.FieldError{Field: k, Message: msg}
	}
	return fields
}

// writeQuery refuses query parameters on writes: no write reads any, and one silently ignored
// (a Feathers client's `$select` on create, a typo'd field) would look accepted. An unknown
// parameter is 400 naming it, as it is on a find (docs/decisions.md#query-language).
func writeQuery(req *Request, route Route) error {
	switch route.Method {
	case http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
	default:
		return nil
	}
	q := rawQuery(req.Event)
	if len(q) == 0 {
		return nil
	}
	return apperr.Invalid(paramErrors(q, fmt.Sprintf("query parameters are not accepted on %s %s: send the fields in the JSON body ($select and expand apply to find and get)", route.Method, route.Path))...)
}

func decodeBody(ev events.APIGatewayProxyRequest) ([]byte, error) {
	if ev.Body == "" {
		return nil, nil
	}
	if ct := header(ev, "Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return nil, apperr.New(apperr.InvalidContentType, "Send request bodies as application/json, not %q.", ct)
		}
	} else if ev.HTTPMethod != http.MethodGet {
		return nil, apperr.New(apperr.InvalidContentType, "Send request bodies with Content-Type: application/json.")
	}
	body := []byte(ev.Body)
	if ev.IsBase64Encoded {
		b, err := base64.StdEncoding.DecodeString(ev.Body)
		if err != nil {
			return nil, apperr.Field("body", "is not valid base64")
		}
		body = b
	}
	if err := checkUnicode(body); err != nil {
		return nil, err
	}
	return body, nil
}

func isLoopback(ip string) bool {
	p := net.ParseIP(ip)
	return p != nil && p.IsLoopback()
}

// tenant picks the organization: the sandbox in test mode; in live mode the only connection, or
// the one the HapiHub-Organization header names. A live organization may be picked before the
// connections are read (tenant.go): then confirm, not nil, reads them and must pass before the
// request's answer counts.
func (rt *Router) tenant(ctx context.Context, p auth.Principal, orgHeader string) (_ domain.Tenant, confirm func(context.Context) error, _ error) {
	t := domain.Tenant{Account: p.AccountID, Mode: p.Mode}
	if p.Mode == domain.Test {
		if o, ok := testorgs.Lookup(orgHeader); ok {
			t, err := testOrgTenant(t, o) // sandboxorgs.go
			return t, nil, err
		}
		sandbox, err := rt.sandboxOrg(ctx, p)
		if err != nil {
			return t, nil, err
		}
		if orgHeader != "" && orgHeader != sandbox {
			var ids []string
			for _, o := range testorgs.All() {
				ids = append(ids, o.ID)
			}
			return t, nil, apperr.New(apperr.Permissions, "Test keys reach only your sandbox organization %s and the test organizations %s, not %s.",
				sandbox, strings.Join(ids, ", "), orgHeader)
		}
		t.Org = sandbox
		return t, nil, nil
	}
	if guess, ok := liveGuess(t, p, orgHeader); ok {
		return guess, func(ctx context.Context) error { return rt.confirmLive(ctx, t, orgHeader, guess.Org) }, nil
	}
	conns, err := rt.opts.Tenants.Connections(ctx, p.AccountID)
	if err != nil {
		return t, nil, err
	}
	t, err = liveTenant(t, conns, orgHeader)
	return t, nil, err
}

// liveTenant picks the live organization among the account's connections: the one the header
// names, or the only one. Every live refusal comes from here, on connections just read.
func liveTenant(t domain.Tenant, conns []domain.Connection, orgHeader string) (domain.Tenant, error) {
	if orgHeader == "" {
		switch len(conns) {
		case 0:
			return t, apperr.New(apperr.Permissions, "This account is not connected to any organization yet.")
		case 1:
			orgHeader = conns[0].Org
		default:
			ids := make([]string, len(conns))
			for i, c := range conns {
				ids[i] = c.Org
			}
			return t, apperr.Field("HapiHub-Organization", "is required: this account is connected to several organizations (%s)", strings.Join(ids, ", "))
		}
	}
	for _, c := range conns {
		if c.Org == orgHeader {
			if c.Status != "active" {
				return t, apperr.New(apperr.Credentials, "Organization %s has revoked this account's access.", c.Org)
			}
			t.Org = c.Org
			return t, nil
		}
	}
	return t, apperr.New(apperr.Permissions, "This account is not connected to organization %s.", orgHeader)
}

// sandboxOrg is the account's sandbox organization: from the authorizer context (it never
// changes after sign-up, so the cached context cannot be stale), else read from the account.
func (rt *Router) sandboxOrg(ctx context.Context, p auth.Principal) (string, error) {
	if p.Account != nil {
		return p.Account.SandboxOrg, nil
	}
	acct, err := rt.opts.Tenants.GetAccount(ctx, p.AccountID)
	return acct.SandboxOrg, err
}

func (rt *Router) render(out Response, reqID string) events.APIGatewayProxyResponse {
	h := map[string]string{"Content-Type": "application/json"}
	for k, v := range corsHeaders {
		h[k] = v
	}
	for k, v := range out.Header {
		h[k] = v
	}
	status := out.Status
	if status == 0 {
		status = http.StatusOK
	}
	body, err := jsonenc.Append(make([]byte, 0, 1024), out.Body)
	if err != nil {
		r, _ := rt.renderError(events.APIGatewayProxyRequest{}, reqID, apperr.Internal(fmt.Errorf("encode response: %w", err)))
		return r
	}
	return events.APIGatewayProxyResponse{StatusCode: status, Headers: h, Body: string(body)}
}

// renderError renders err and logs it with its event id, the request's id (so a support
// question quoting either finds the request log); 5xx causes go only to the log.
func (rt *Router) renderError(ev events.APIGatewayProxyRequest, id string, err error) (events.APIGatewayProxyResponse, string) {
	e := apperr.From(err)
	status, ct, body := apperr.Render(e, id, apperr.WantsProblem(header(ev, "Accept")))
	if status >= 500 {
		rt.opts.Log.Error("internal error", "event", id, "err", err)
	} else {
		rt.opts.Log.Info("client error", "event", id, "name", e.Kind.Name(), "message", e.Message)
	}
	h := map[string]string{"Content-Type": ct}
	for k, v := range corsHeaders {
		h[k] = v
	}
	for k, v := range e.Header {
		h[k] = v
	}
	return events.APIGatewayProxyResponse{StatusCode: status, Headers: h, Body: string(body)}, id
}
