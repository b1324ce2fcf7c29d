// Package local is the local stand-in for API Gateway and Lambda behind `make run`: it turns HTTP
// requests into API Gateway REST proxy events, runs the Lambda REQUEST authorizer with its result
// cache, enforces the usage plans' throttles, invokes the function handlers in-process and writes
// their responses back. Everything comes from template.yaml (package infra/template): routes,
// authorizer, cache TTL, CORS, gateway responses and throttle numbers.
//
// The stages run in API Gateway's order: match the resource (else MISSING_AUTHENTICATION_TOKEN),
// answer a CORS preflight from the template's Cors, check the identity sources (else 401 without
// calling the authorizer), authorize (cached per identity source values for ReauthorizeEvery
// seconds; the cached policy is evaluated against each request's methodArn), check the API key
// and throttle by usage plan, then invoke the function.
//
// Usage plans: the authorizer returns usageIdentifierKey, which must be the value of an enabled
// API key attached to a usage plan of the stage, else 403 (INVALID_API_KEY). Options.Keys (the
// embedded API Gateway management API, infra/apigateway) answers which plan; that plan's
// throttles apply to the key (limiter).
package local

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/hapihub/hapihub/infra/apigateway"
	"github.com/hapihub/hapihub/infra/template"
)

// MaxBodyBytes is API Gateway's payload limit (10 MB:
// https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html).
const MaxBodyBytes = 10 << 20

// MaxLambdaPayload is Lambda's limit on a synchronous invocation's request and response payload
// (6 MB: https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html). A proxy event
// over it never reaches the function (413); a response over it is an integration failure (502).
const MaxLambdaPayload = 6 << 20

// Options configure a Gateway.
type Options struct {
	Template  *template.Template
	Functions Invoker
	// Refs resolves the template's references (the stage name's parameter); parameters' defaults
	// and pseudo parameters are always available.
	Refs      template.Refs
	Region    string // for method ARNs; default us-east-1
	AccountID string // default 000000000000
	Now       func() time.Time
	Log       *slog.Logger
	// NewRequestID makes request ids (default: random UUIDs).
	NewRequestID func() string
	// Keys judges usage identifier keys (required when a route needs an API key).
	Keys Keys
	// IntegrationTimeout is how long API Gateway waits for a function (default and AWS's: 29 s).
	IntegrationTimeout time.Duration
}

// Keys is how API Gateway knows API keys: the ids of the usage plans on the stage that an
// enabled key with this value is attached to (infra/apigateway.Service).
type Keys interface {
	PlansOf(apiID, stage, value string) []string
}

// Gateway is an http.Handler serving the template's API.
type Gateway struct {
	opts      Options
	api       *template.API
	stage     string
	apiID     string
	region    string
	accountID string
	routes    routeTable
	plans     map[string]*template.UsagePlan // by plan id (apigateway.PlanID)
	cache     authCache
	limiter   limiter
	log       *slog.Logger
}

// New builds the gateway of tpl's API.
func New(opts Options) (*Gateway, error) {
	tpl := opts.Template
	if tpl == nil || tpl.API == nil {
		return nil, errors.New("local: the template has no " + template.TypeAPI)
	}
	if opts.Functions == nil {
		return nil, errors.New("local: no Functions")
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	if opts.NewRequestID == nil {
		opts.NewRequestID = uuid.NewString
	}
	if opts.IntegrationTimeout == 0 {
		opts.IntegrationTimeout = IntegrationTimeout
	}
	if opts.Region == "" {
		opts.Region = "us-east-1"
	}
	if opts.AccountID == "" {
		opts.AccountID = "000000000000"
	}
	g := &Gateway{opts: opts, api: tpl.API, apiID: "local", region: opts.Region, accountID: opts.AccountID,
		plans: map[string]*template.UsagePlan{}, log: opts.Log}
	g.limiter.now = opts.Now
	stage, err := tpl.API.StageName.Resolve(tpl.Refs(opts.Region, opts.AccountID, opts.Refs))
	if err != nil {
		return nil, fmt.Errorf("local: stage name: %w", err)
	}
	g.stage = stage
	for _, p := range tpl.UsagePlans {
		g.plans[apigateway.PlanID(p.LogicalID)] = p
	}
	g.routes.root = newResource("/")
	for _, r := range tpl.Routes() {
		fn, ok := tpl.Function(r.Function)
		if !ok {
			return nil, fmt.Errorf("local: route %s %s: no function %s", r.Method, r.Path, r.Function)
		}
		ep := &endpoint{route: r, function: fn, keyNeeded: g.api.APIKeyRequired}
		if r.APIKeyRequired != nil {
			ep.keyNeeded = *r.APIKeyRequired
		}
		name := g.api.DefaultAuthorizer
		if r.Authorizer != "" {
			name = r.Authorizer
		}
		if name != "" && name != "NONE" {
			ep.authorizer = g.api.Authorizers[name]
			if _, ok := tpl.Function(ep.authorizer.Function); !ok {
				return nil, fmt.Errorf("local: authorizer %s: no function %s", name, ep.authorizer.Function)
			}
		}
		if ep.keyNeeded && g.api.APIKeySource != "AUTHORIZER" {
			return nil, fmt.Errorf("local: %s %s needs an API key but ApiKeySourceType is %s; the runner supports AUTHORIZER only", r.Method, r.Path, g.api.APIKeySource)
		}
		if ep.keyNeeded && opts.Keys == nil {
			return nil, fmt.Errorf("local: %s %s needs an API key but the gateway has no Keys to judge them", r.Method, r.Path)
		}
		if err := g.routes.add(ep); err != nil {
			return nil, err
		}
	}
	return g, nil
}

// Stage is the API's stage name, as it appears in method ARNs and requestContext.stage.
func (g *Gateway) Stage() string { return g.stage }

// Limits returns each usage plan's throttle by logical id, as the gateway enforces it.
func (g *Gateway) Limits() map[string]template.Throttle {
	out := make(map[string]template.Throttle, len(g.plans))
	for _, p := range g.plans {
		out[p.LogicalID] = p.Throttle
	}
	return out
}

// APIID is the API's id, as in method ARNs and the usage plans' API stages.
func (g *Gateway) APIID() string { return g.apiID }

// ServeHTTP serves one request through the gateway's stages and logs one line about it.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rc := newRequestCtx(r, g.opts.NewRequestID(), g.opts.Now())
	status, ge := g.serve(w, r, rc)
	if ge != nil {
		status = g.writeGatewayResponse(w, rc, ge)
	}
	attrs := []any{"requestId", rc.requestID, "method", rc.method, "path", rc.path, "resource", rc.resourcePath,
		"status", status, "durationMs", g.opts.Now().Sub(rc.start).Milliseconds()}
	if rc.function != "" {
		attrs = append(attrs, "function", rc.function)
	}
	if rc.authCached {
		attrs = append(attrs, "authorizerCached", true)
	}
	if ge != nil {
		attrs = append(attrs, "gatewayResponse", ge.typ)
		if ge.cause != nil {
			attrs = append(attrs, "err", ge.cause.Error())
		}
	}
	if rc.corsAdded && ge == nil {
		// API Gateway adds no CORS header to a proxy response: on AWS this one would lack it.
		attrs = append(attrs, "warning", "function response had no Access-Control-Allow-Origin; the runner added it")
	}
	level := slog.LevelInfo
	if status >= 500 {
		level = slog.LevelError
	}
	g.log.Log(r.Context(), level, "request", attrs...)
}

func (g *Gateway) serve(w http.ResponseWriter, r *http.Request, rc *requestCtx) (int, *gatewayError) {
	// A client that goes away does not stop the authorizer or the integration on AWS: they run to
	// their own timeouts. (net/http cancels r.Context() even on a client's half-close.)
	ctx := context.WithoutCancel(r.Context())
	res, params, ok := g.routes.match(rc.escapedPath)
	if !ok {
		return 0, noMethod(rc)
	}
	rc.resourcePath = res.path
	rc.pathParams = params
	if _, explicit := res.methods[http.MethodOptions]; rc.method == http.MethodOptions && g.api.Cors != nil && !explicit {
		// SAM gives every path of an API with Cors an OPTIONS method of its own, ahead of ANY.
		return g.preflight(w, rc, res), nil
	}
	ep, ok := res.endpointFor(rc.method)
	if !ok {
		return 0, noMethod(rc)
	}
	rc.function = ep.function.Name
	// A body that stops arriving (a Content-Length never reached on an open connection) must not
	// hold the request forever: past the integration timeout it is refused like malformed framing.
	_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(g.opts.IntegrationTimeout))
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxBodyBytes+1))
	if err != nil {
		// Malformed chunked framing, or a Content-Length the body never reaches: the client's
		// fault, so a 400 in our format, never a 5xx.
		return 0, &gatewayError{typ: BadRequestBody, message: "The request body could not be read: its framing (Content-Length or chunked encoding) is malformed.", cause: fmt.Errorf("read body: %w", err)}
	}
	if len(body) > MaxBodyBytes {
		return 0, &gatewayError{typ: RequestTooLarge}
	}
	var authCtx map[string]any
	if ep.authorizer != nil {
		res, ge := g.authorize(ctx, rc, ep.authorizer)
		if ge != nil {
			return 0, ge
		}
		authCtx = integrationContext(res)
		if ep.keyNeeded {
			if ge := g.throttle(rc, res); ge != nil {
				return 0, ge
			}
			rc.apiKey = res.usageKey
		}
	} else if ep.keyNeeded {
		// Keys come from the authorizer (ApiKeySourceType AUTHORIZER): without one there is no key.
		return 0, &gatewayError{typ: InvalidAPIKey, cause: errors.New("route requires an API key but has no authorizer")}
	}
	payload, err := json.Marshal(g.proxyEvent(rc, body, authCtx))
	if err != nil {
		return 0, &gatewayError{typ: integrationFailed, cause: fmt.Errorf("encode event: %w", err)}
	}
	if len(payload) > MaxLambdaPayload {
		return 0, &gatewayError{typ: RequestTooLarge, cause: fmt.Errorf("proxy event of %d bytes is over Lambda's %d", len(payload), MaxLambdaPayload)}
	}
	out, err := g.integrate(ctx, ep.function, payload)
	if err != nil {
		var ge *gatewayError
		if errors.As(err, &ge) {
			return 0, ge
		}
		var pe *PanicError
		if errors.As(err, &pe) {
			g.log.Error("function panicked", "requestId", rc.requestID, "function", pe.Function, "panic", fmt.Sprint(pe.Value), "stack", string(pe.Stack))
		}
		return 0, &gatewayError{typ: integrationFailed, cause: err}
	}
	if len(out) > MaxLambdaPayload {
		return 0, &gatewayError{typ: integrationFailed, cause: fmt.Errorf("function response of %d bytes is over Lambda's %d", len(out), MaxLambdaPayload)}
	}
	return g.writeProxyResponse(w, rc, out)
}

// noMethod is API Gateway's answer to a request that matches no method: with no Authorization
// header MISSING_AUTHENTICATION_TOKEN; with one, API Gateway judges it as a SigV4 signature, and
// a Bearer or ApiKey header fails as an incomplete signature
// (https://repost.aws/knowledge-center/api-gateway-troubleshoot-403-forbidden: "... not a valid
// key=value pair (missing equal-sign) in Authorization header", IncompleteSignatureException).
func noMethod(rc *requestCtx) *gatewayError {
	authz := rc.headers["Authorization"]
	if authz == "" {
		return &gatewayError{typ: MissingAuthenticationToken}
	}
	if strings.HasPrefix(authz, "AWS4-HMAC-SHA256 ") {
		// A signature in form, which the runner cannot check: one that does not match.
		return &gatewayError{typ: InvalidSignature, message: "The request signature we calculated does not match the signature you provided."}
	}
	return &gatewayError{typ: InvalidSignature, errType: "IncompleteSignatureException"}
}

// integrate invokes a function as a Lambda proxy integration: the function runs for its own
// Timeout (then Lambda stops it and API Gateway answers 502), but API Gateway waits at most
// IntegrationTimeout (then 504 INTEGRATION_TIMEOUT, whatever the function goes on doing).
func (g *Gateway) integrate(ctx context.Context, fn *template.Function, payload []byte) ([]byte, error) {
	limit := g.opts.IntegrationTimeout
	if fn.Timeout < limit {
		return invokeWithTimeout(ctx, g.opts.Functions, fn.Name, fn.Timeout, payload)
	}
	ictx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	out, err := invokeWithTimeout(ictx, g.opts.Functions, fn.Name, fn.Timeout, payload)
	if err != nil && ictx.Err() != nil && ctx.Err() == nil {
		return nil, &gatewayError{typ: IntegrationTimedOut, cause: fmt.Errorf("%s: no answer within %s", fn.Name, limit)}
	}
	return out, err
}

// preflight answers OPTIONS as SAM's mock integration does when the API has Cors.
func (g *Gateway) preflight(w http.ResponseWriter, rc *requestCtx, res *resource) int {
	c := g.api.Cors
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", c.AllowOrigin)
	methods := c.AllowMethods
	if methods == "" {
		methods = res.allowedMethods()
	}
	h.Set("Access-Control-Allow-Methods", methods)
	if c.AllowHeaders != "" {
		h.Set("Access-Control-Allow-Headers", c.AllowHeaders)
	}
	if c.MaxAge != "" {
		h.Set("Access-Control-Max-Age", c.MaxAge)
	}
	if c.AllowCredentials {
		h.Set("Access-Control-Allow-Credentials", "true")
	}
	h.Set("Content-Type", "application/json")
	g.addCommonHeaders(h, rc)
	h.Set("Content-Length", "0")
	w.WriteHeader(http.StatusOK)
	return http.StatusOK
}

// methodArn is the ARN the authorizer's policy must cover.
func (g *Gateway) methodArn(rc *requestCtx) string {
	return fmt.Sprintf("arn:aws:execute-api:%s:%s:%s/%s/%s/%s", g.region, g.accountID, g.apiID, g.stage, rc.method, strings.TrimPrefix(rc.path, "/"))
}

// authorize runs the authorizer (or uses its cached result) and evaluates the policy.
func (g *Gateway) authorize(ctx context.Context, rc *requestCtx, az *template.Authorizer) (*authResult, *gatewayError) {
	var ids []string
	for _, h := range az.IdentityHeaders {
		v := rc.headers[http.CanonicalHeaderKey(h)]
		if v == "" {
			return nil, &gatewayError{typ: Unauthorized, cause: fmt.Errorf("identity source header %s missing", h)}
		}
		ids = append(ids, v)
	}
	for _, q := range az.IdentityQueryStrings {
		v := rc.query[q]
		if v == "" {
			return nil, &gatewayError{typ: Unauthorized, cause: fmt.Errorf("identity source query string %s missing", q)}
		}
		ids = append(ids, v)
	}
	arn := g.methodArn(rc)
	key := az.Name + "\x00" + strings.Join(ids, "\x00")
	res, cached := (*authResult)(nil), false
	if az.TTL > 0 {
		res, cached = g.cache.get(key, g.opts.Now())
	}
	rc.authCached = cached
	if !cached {
		var payload any
		if az.PayloadType == "TOKEN" {
			payload = map[string]string{"type": "TOKEN", "authorizationToken": ids[0], "methodArn": arn}
		} else {
			payload = g.authorizerRequest(rc, arn)
		}
		in, err := json.Marshal(payload)
		if err != nil {
			return nil, &gatewayError{typ: AuthorizerFailure, cause: err}
		}
		fn, _ := g.opts.Template.Function(az.Function)
		out, err := invokeWithTimeout(ctx, g.opts.Functions, fn.Name, min(fn.Timeout, IntegrationTimeout), in)
		if err != nil {
			if err.Error() == "Unauthorized" {
				return nil, &gatewayError{typ: Unauthorized}
			}
			return nil, &gatewayError{typ: AuthorizerFailure, cause: fmt.Errorf("authorizer %s: %w", az.Name, err)}
		}
		if res, err = parseAuthResult(out); err != nil {
			return nil, &gatewayError{typ: AuthorizerConfiguration, cause: fmt.Errorf("authorizer %s: %w", az.Name, err)}
		}
		if az.TTL > 0 {
			now := g.opts.Now()
			g.cache.put(key, res, now, now.Add(az.TTL))
		}
	}
	switch res.decide(arn) {
	case allow:
		return res, nil
	case explicitDeny:
		return nil, &gatewayError{typ: AccessDenied, message: "User is not authorized to access this resource with an explicit deny"}
	}
	return nil, &gatewayError{typ: AccessDenied}
}

// throttle judges the authorizer's usage identifier key as API Gateway does and applies the
// throttles of its usage plan. A key that is no enabled key of a plan on the stage is 403
// INVALID_API_KEY (api-gateway-api-key-source.html: "Otherwise, it throws an InvalidKeyParameter
// exception. As a result, the caller receives a 403 Forbidden response"). A 429 carries the
// THROTTLED gateway response's static headers, the same on AWS and here (docs/keys.md).
func (g *Gateway) throttle(rc *requestCtx, res *authResult) *gatewayError {
	var plan *template.UsagePlan
	if res.usageKey != "" {
		for _, id := range g.opts.Keys.PlansOf(g.apiID, g.stage, res.usageKey) {
			if p := g.plans[id]; p != nil {
				plan = p
				break
			}
		}
	}
	if plan == nil {
		return &gatewayError{typ: InvalidAPIKey, cause: fmt.Errorf("usage identifier key %q is no enabled API key of a usage plan on stage %s", res.usageKey, g.stage)}
	}
	if !g.limiter.allow(plan, res.usageKey, rc.resourcePath, rc.method) {
		return &gatewayError{typ: Throttled}
	}
	return nil
}

// integrationContext is requestContext.authorizer as a REST API passes it to the integration:
// principalId, integrationLatency and the authorizer's context with every value as a string.
func integrationContext(res *authResult) map[string]any {
	out := map[string]any{"principalId": res.principalID, "integrationLatency": 0}
	for k, v := range res.context {
		switch v := v.(type) {
		case string:
			out[k] = v
		case bool:
			out[k] = strconv.FormatBool(v)
		case float64:
			out[k] = strconv.FormatFloat(v, 'f', -1, 64)
		}
	}
	return out
}
