package local

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/aws/aws-lambda-go/events"

	"github.com/hapihub/hapihub/infra/template"
)

// InvokeFunction runs fn with an event as Lambda's Invoke does, within the function's Timeout.
func InvokeFunction(ctx context.Context, inv Invoker, fn *template.Function, event []byte) ([]byte, error) {
	return invokeWithTimeout(ctx, inv, fn.Name, fn.Timeout, event)
}

func defaultAuthorizer(t *template.Template) *template.Authorizer {
	if t.API == nil {
		return nil
	}
	return t.API.Authorizers[t.API.DefaultAuthorizer]
}

// WithIdentity rewrites an event so it acts as the holder of the Authorization header value auth,
// for invoking a function directly (sam local invoke): an authorizer request (type REQUEST or
// TOKEN) carries auth; an API Gateway proxy event carries auth and the requestContext.authorizer
// that the API's default authorizer returns for it, as API Gateway would pass it on. Other events
// (SQS, schedules) are returned unchanged.
func (g *Gateway) WithIdentity(ctx context.Context, event []byte, auth string) ([]byte, error) {
	var ev map[string]json.RawMessage
	if err := json.Unmarshal(event, &ev); err != nil {
		return nil, fmt.Errorf("local: event is not a JSON object: %w", err)
	}
	var typ string
	_ = json.Unmarshal(ev["type"], &typ)
	bearer := auth
	switch {
	case typ == "TOKEN":
		ev["authorizationToken"], _ = json.Marshal(bearer)
	case typ == "REQUEST":
		var req events.APIGatewayCustomAuthorizerRequestTypeRequest
		if err := json.Unmarshal(event, &req); err != nil {
			return nil, fmt.Errorf("local: authorizer event: %w", err)
		}
		setAuthorization(&req.Headers, &req.MultiValueHeaders, bearer)
		return json.Marshal(req)
	case ev["httpMethod"] != nil && ev["requestContext"] != nil:
		var req events.APIGatewayProxyRequest
		if err := json.Unmarshal(event, &req); err != nil {
			return nil, fmt.Errorf("local: proxy event: %w", err)
		}
		authz, err := g.authorizerContext(ctx, req, auth)
		if err != nil {
			return nil, err
		}
		setAuthorization(&req.Headers, &req.MultiValueHeaders, bearer)
		req.RequestContext.Authorizer = authz
		return json.Marshal(req)
	default:
		return event, nil
	}
	return json.Marshal(ev)
}

func setAuthorization(h *map[string]string, mh *map[string][]string, v string) {
	if *h == nil {
		*h = map[string]string{}
	}
	for k := range *h {
		if strings.EqualFold(k, "Authorization") {
			delete(*h, k)
		}
	}
	(*h)["Authorization"] = v
	if *mh != nil {
		for k := range *mh {
			if strings.EqualFold(k, "Authorization") {
				delete(*mh, k)
			}
		}
		(*mh)["Authorization"] = []string{v}
	}
}

// authorizerContext asks the API's default authorizer about req with the given Authorization and
// returns the requestContext.authorizer API Gateway would pass on.
func (g *Gateway) authorizerContext(ctx context.Context, req events.APIGatewayProxyRequest, auth string) (map[string]any, error) {
	az := defaultAuthorizer(g.opts.Template)
	if az == nil {
		return req.RequestContext.Authorizer, nil
	}
	fn, _ := g.opts.Template.Function(az.Function)
	rc := &requestCtx{requestID: req.RequestContext.RequestID, method: req.HTTPMethod, path: req.Path, resourcePath: req.Resource,
		sourceIP: req.RequestContext.Identity.SourceIP, headers: req.Headers, multiHeaders: req.MultiValueHeaders,
		query: req.QueryStringParameters, multiQuery: req.MultiValueQueryStringParameters, pathParams: req.PathParameters}
	rc.headers = map[string]string{}
	for k, v := range req.Headers {
		rc.headers[k] = v
	}
	rc.headers["Authorization"] = auth
	in, err := json.Marshal(g.authorizerRequest(rc, g.methodArn(rc)))
	if err != nil {
		return nil, err
	}
	out, err := invokeWithTimeout(ctx, g.opts.Functions, fn.Name, fn.Timeout, in)
	if err != nil {
		return nil, fmt.Errorf("local: authorizer rejected the key: %w", err)
	}
	res, err := parseAuthResult(out)
	if err != nil {
		return nil, fmt.Errorf("local: authorizer: %w", err)
	}
	return integrationContext(res), nil
}
