package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/infra/dynamo/dynamotest"
	"github.com/hapihub/hapihub/infra/local/runner"
	"github.com/hapihub/hapihub/shared/api"
	"github.com/hapihub/hapihub/shared/auth"
	"github.com/hapihub/hapihub/shared/config"
	"github.com/hapihub/hapihub/shared/domain"
	"github.com/hapihub/hapihub/shared/sandbox"
	"github.com/hapihub/hapihub/shared/schema"
	"github.com/hapihub/hapihub/shared/store"
	"github.com/hapihub/hapihub/shared/store/core"
)

// stack is every API function built by shared/app over one embedded DynamoDB, dispatched by
// route key the way API Gateway would, with every response checked against the generated
// OpenAPI document.
type stack struct {
	t       *testing.T
	cfg     config.Config
	st      *store.Store
	routers map[string]*api.Router // route key -> the router serving it
	routes  []api.Route
	oas     routers.Router
	seeds   uint64 // each account gets its own seeds: ids differ between accounts, so foreign ids are foreign
}

func newStack(t *testing.T) *stack {
	t.Helper()
	ctx := context.Background()
	endpoint := dynamotest.Endpoint(t)
	db := dynamotest.Client(endpoint)
	_, err := db.CreateTable(ctx, loadTemplate(t).Table.CreateTableInput("hapihub"))
	require.NoError(t, err)
	cfg := config.Config{Table: "hapihub", Region: "us-east-1", DynamoDBEndpoint: endpoint, Local: true}
	s := &stack{t: t, cfg: cfg, st: store.New(db, "hapihub"), routers: map[string]*api.Router{}}
	for _, name := range runner.Names() {
		h, err := runner.Functions[name](ctx, cfg)
		if err != nil {
			continue // not an API function (queue consumers need their queue)
		}
		if r, ok := h.(*api.Router); ok {
			for _, rt := range r.Routes() {
				s.routers[rt.Key()] = r
				s.routes = append(s.routes, rt)
			}
		}
	}
	b, err := json.Marshal(runner.OpenAPI(ctx, cfg))
	require.NoError(t, err)
	spec, err := openapi3.NewLoader().LoadFromData(b)
	require.NoError(t, err)
	require.NoError(t, spec.Validate(ctx), "the generated document is valid OpenAPI")
	s.oas, err = gorillamux.NewRouter(spec)
	require.NoError(t, err)
	return s
}

// principal is who a request acts as, as the authorizer would pass it.
type principal struct {
	account, mode, keyID, org string
	perms                     string // set: a restricted key with these permissions (JSON)
}

// tenantOf is an account made by accounts.Create, with its sandbox and live demo organizations.
type tenantOf struct {
	acct      domain.Account
	test      principal
	live      principal // without org: several connections
	liveOrgs  []string
	liveOrgTy []string // pms of each live org
}

// newAccount creates an account as accounts.Create does (keys, sandbox, two live demo
// connections) but with small data everywhere so tests stay fast; the full sandbox is covered in
// shared/sandbox.
func (s *stack) newAccount(name string) tenantOf {
	ctx := context.Background()
	now := s.st.Now()
	acct := domain.Account{ID: core.NewID("acct", now), Name: name, SandboxOrg: core.NewID("org", now), UsageKeys: map[string]string{}, CreatedAt: now.UnixMilli()}
	out := tenantOf{acct: acct}
	var keys []domain.Key
	for _, mode := range []string{domain.Test, domain.Live} {
		secret, err := auth.Generate(auth.Prefix(auth.Secret, mode))
		require.NoError(s.t, err)
		k := domain.Key{ID: core.NewID("key", now), AccountID: acct.ID, Mode: mode, Type: auth.Secret, Hash: auth.Hash(secret), Last4: auth.Last4(secret), Status: "active", CreatedAt: now.UnixMilli()}
		keys = append(keys, k)
		p := principal{account: acct.ID, mode: mode, keyID: k.ID}
		if mode == domain.Test {
			out.test = p
		} else {
			out.live = p
		}
	}
	orgs := []domain.Doc{sandbox.Organization(acct.SandboxOrg, now)}
	var conns []string
	live := sandbox.LiveOrganizations(now)
	for _, o := range live {
		orgs = append(orgs, o.Doc)
		conns = append(conns, o.Doc["id"].(string))
		out.liveOrgs = append(out.liveOrgs, o.Doc["id"].(string))
		out.liveOrgTy = append(out.liveOrgTy, o.Doc["pms"].(string))
	}
	require.NoError(s.t, s.st.CreateAccount(ctx, acct, keys, orgs, conns))
	s.seeds += 10
	small := sandbox.Sizes{Patients: 4, Practitioners: 2, Appointments: 4, Messages: 3, Invoices: 3}
	require.NoError(s.t, sandbox.FillSized(ctx, s.st, domain.Tenant{Account: acct.ID, Mode: domain.Test, Org: acct.SandboxOrg}, s.seeds, small))
	for i, o := range live {
		sz := small
		if o.Sizes.Messages == 0 {
			sz.Messages = 0
		}
		require.NoError(s.t, sandbox.FillSized(ctx, s.st, domain.Tenant{Account: acct.ID, Mode: domain.Live, Org: conns[i]}, s.seeds+uint64(i)+1, sz))
	}
	return out
}

func (p principal) in(org string) principal { p.org = org; return p }

type resp struct {
	Status int
	Header map[string]string
	Body   map[string]any
	Raw    string
}

func (r resp) name() string { s, _ := r.Body["name"].(string); return s }

func (r resp) data() []any { d, _ := r.Body["data"].([]any); return d }

// do sends one request as p through the router that serves method+resourcePath, and checks the
// response against the OpenAPI document.
// sourceIP, given to do as a header name, sets the caller's address instead (127.0.0.1 unless set).
const sourceIP = ":source-ip"

func (s *stack) do(p *principal, method, path string, body any, hdr ...string) resp {
	s.t.Helper()
	u, err := url.Parse(path)
	require.NoError(s.t, err)
	ev := events.APIGatewayProxyRequest{HTTPMethod: method, Path: u.Path,
		Headers:        map[string]string{"X-Forwarded-Proto": "https"},
		RequestContext: events.APIGatewayProxyRequestContext{RequestID: "req-test", Identity: events.APIGatewayRequestIdentity{SourceIP: "127.0.0.1"}}}
	if len(u.Query()) > 0 {
		ev.MultiValueQueryStringParameters = u.Query()
		ev.QueryStringParameters = map[string]string{}
		for k, v := range u.Query() {
			ev.QueryStringParameters[k] = v[len(v)-1]
		}
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i] == sourceIP {
			ev.RequestContext.Identity.SourceIP = hdr[i+1] // not a header: where API Gateway saw the caller
			continue
		}
		ev.Headers[hdr[i]] = hdr[i+1]
	}
	if body != nil {
		b, isRaw := body.([]byte) // sent as is: bytes json.Marshal would not write
		if !isRaw {
			b, err = json.Marshal(body)
			require.NoError(s.t, err)
		}
		ev.Body = string(b)
		if _, given := ev.Headers["Content-Type"]; !given {
			ev.Headers["Content-Type"] = "application/json"
		}
	}
	if p != nil {
		ev.RequestContext.Authorizer = map[string]any{"accountId": p.account, "mode": p.mode, "keyId": p.keyID, "keyType": auth.Secret, "permissions": "null"}
		if p.perms != "" {
			ev.RequestContext.Authorizer["keyType"], ev.RequestContext.Authorizer["permissions"] = auth.Restricted, p.perms
		}
		if p.org != "" {
			ev.Headers["HapiHub-Organization"] = p.org
		}
	}
	// Find the route the way API Gateway does: literal segments first, then {id}.
	ev.Resource = u.Path
	router := s.routers[method+" "+u.Path]
	if router == nil {
		// A template with parameters ({id}, {deliveryId}): segment by segment, literals first
		// (API Gateway prefers the most specific match).
		best := -1
		segs := strings.Split(u.Path, "/")
		for key, r := range s.routers {
			m, tmpl, ok := strings.Cut(key, " ")
			if !ok || m != method {
				continue
			}
			ts := strings.Split(tmpl, "/")
			if len(ts) != len(segs) {
				continue
			}
			params, literals := map[string]string{}, 0
			for i, t := range ts {
				switch {
				case strings.HasPrefix(t, "{") && strings.HasSuffix(t, "}"):
					params[t[1:len(t)-1]] = segs[i]
				case t == segs[i]:
					literals++
				default:
					params = nil
				}
				if params == nil {
					break
				}
			}
			if params != nil && literals > best {
				best, router, ev.Resource, ev.PathParameters = literals, r, tmpl, params
			}
		}
	}
	if router == nil {
		// Unknown to the gateway: any router answers METHOD_NOT_IMPLEMENTED for it.
		for _, r := range s.routers {
			router = r
			break
		}
	}
	out, err := router.Handle(context.Background(), ev)
	require.NoError(s.t, err)
	r := resp{Status: out.StatusCode, Header: out.Headers, Raw: out.Body}
	require.NoError(s.t, json.Unmarshal([]byte(out.Body), &r.Body), "%s %s: %s", method, path, out.Body)
	s.validate(method, path, ev, out)
	return r
}

// validate checks a response against the OpenAPI document (kin-openapi, JSON Schema 2020-12 for 3.1).
func (s *stack) validate(method, path string, ev events.APIGatewayProxyRequest, out events.APIGatewayProxyResponse) {
	s.t.Helper()
	req, err := http.NewRequest(method, "https://api.hapihub.com"+path, nil)
	require.NoError(s.t, err)
	for k, v := range ev.Headers {
		req.Header.Set(k, v)
	}
	route, params, err := s.oas.FindRoute(req)
	if err != nil {
		// Routes we do not serve are not in the document; they must answer METHOD_NOT_IMPLEMENTED.
		require.Equal(s.t, http.StatusNotFound, out.StatusCode, "%s %s is not in the document", method, path)
		require.Contains(s.t, out.Body, "METHOD_NOT_IMPLEMENTED")
		return
	}
	h := http.Header{}
	for k, v := range out.Headers {
		h.Set(k, v)
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}},
		Status: out.StatusCode, Header: h, Body: ioNopCloser(out.Body),
		Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	require.NoError(s.t, openapi3filter.ValidateResponse(context.Background(), in), "%s %s -> %d %s", method, path, out.StatusCode, out.Body)
}

type nopCloser struct{ *bytes.Reader }

func (nopCloser) Close() error { return nil }

func ioNopCloser(s string) nopCloser { return nopCloser{bytes.NewReader([]byte(s))} }

func lookup(name string) (*schema.Resource, bool) { return schema.Lookup(name) }
