package app

import (
	"context"
	"net/http"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/awslabs/aws-lambda-go-api-proxy/core"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/hapihub/hapihub/shared/api"
	"github.com/hapihub/hapihub/shared/config"
	"github.com/hapihub/hapihub/shared/console"
	"github.com/hapihub/hapihub/shared/store"
)

// The developer console (ConsoleFunction): an http.Handler behind API Gateway's proxy
// integration. Decisions are in docs/console.md.

func init() {
	functions["console"] = buildConsole
}

func buildConsole(ctx context.Context, cfg config.Config) (any, error) {
	st, err := Store(ctx, cfg)
	if err != nil {
		return nil, err
	}
	h, err := ConsoleHandler(st, cfg)
	if err != nil {
		return nil, err
	}
	return consoleFunction{lambda.NewHandler(ConsoleLambda(h))}, nil
}

// consoleFunction is the console's Lambda handler. Its routes are web pages: template.yaml must
// serve them to this function (checked like every function's routes), and the OpenAPI document
// leaves them out.
type consoleFunction struct{ h lambda.Handler }

func (f consoleFunction) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	return f.h.Invoke(ctx, payload)
}

// Routes are the console's two catch-all routes.
func (consoleFunction) Routes() []api.Route {
	return []api.Route{
		{Method: "ANY", Path: console.Mount, Public: true, Web: true},
		{Method: "ANY", Path: console.Mount + "/{proxy+}", Public: true, Web: true},
	}
}

// ConsoleHandler is the console on st.
func ConsoleHandler(st *store.Store, cfg config.Config) (*console.Handler, error) {
	return console.New(console.Options{Identity: st, Accounts: console.StoreAccounts{Store: st}, Log: Logger(),
		APIURL: cfg.APIURL, Origin: consoleOrigin(cfg.Local)})
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
