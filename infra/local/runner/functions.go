package runner

import (
	"context"
	"net/http"
	"sort"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/hapihub/hapihub/shared/api"
	"github.com/hapihub/hapihub/shared/app/authorizer"
	"github.com/hapihub/hapihub/shared/app/clinical"
	"github.com/hapihub/hapihub/shared/app/consolefn"
	"github.com/hapihub/hapihub/shared/app/openapifn"
	"github.com/hapihub/hapihub/shared/app/organizations"
	"github.com/hapihub/hapihub/shared/app/platform"
	"github.com/hapihub/hapihub/shared/app/sandboxworker"
	"github.com/hapihub/hapihub/shared/app/webhooks"
	"github.com/hapihub/hapihub/shared/config"
	"github.com/hapihub/hapihub/shared/openapi"
	"github.com/hapihub/hapihub/shared/schema"
)

// Constructor builds one function's Lambda handler from its configuration.
type Constructor func(ctx context.Context, cfg config.Config) (lambda.Handler, error)

// handler adapts a slice's typed constructor (each function's main calls the same one) to the
// runner's table.
func handler[H any](build func(context.Context, config.Config) (H, error)) Constructor {
	return func(ctx context.Context, cfg config.Config) (lambda.Handler, error) {
		h, err := build(ctx, cfg)
		if err != nil {
			return nil, err
		}
		if lh, ok := any(h).(lambda.Handler); ok {
			return lh, nil // routers keep their concrete type (and their route table)
		}
		return perCall{h}, nil
	}
}

// perCall invokes a plain handler func through a lambda.NewHandler of its own per invocation:
// one made once and shared would hand concurrent invocations the same pooled response buffer
// (its Invoke returns bytes it has already put back).
type perCall struct{ fn any }

func (p perCall) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	return lambda.NewHandler(p.fn).Invoke(ctx, payload)
}

func clinicalFunction(res *schema.Resource) Constructor {
	return handler(func(ctx context.Context, cfg config.Config) (*api.Router, error) {
		return clinical.NewFunction(ctx, cfg, res)
	})
}

// webPages gives a function that serves web pages (the console) its routes: paths any method may
// reach without a key, left out of the OpenAPI document. The function itself does not link the
// API's route type.
func webPages(build Constructor, paths []string) Constructor {
	return func(ctx context.Context, cfg config.Config) (lambda.Handler, error) {
		h, err := build(ctx, cfg)
		if err != nil {
			return nil, err
		}
		routes := make([]api.Route, 0, len(paths))
		for _, p := range paths {
			routes = append(routes, api.Route{Method: "ANY", Path: p, Public: true, Web: true})
		}
		return routedHandler{h, routes}, nil
	}
}

type routedHandler struct {
	lambda.Handler
	routes []api.Route
}

func (h routedHandler) Routes() []api.Route { return h.routes }

// Functions is the local runner's table of the template's functions (directory name under
// functions/ -> the constructor its main calls). Production has no such table: each main names
// its constructor. TestEveryFunctionDirIsInTheTemplateAndBack keeps it equal to template.yaml.
var Functions = map[string]Constructor{
	"account":           handler(platform.NewAccountFunction),
	"api-keys":          handler(platform.NewKeysFunction),
	"tokens":            handler(platform.NewTokensFunction),
	"patients":          clinicalFunction(schema.Patients),
	"practitioners":     clinicalFunction(schema.Practitioners),
	"appointments":      clinicalFunction(schema.Appointments),
	"messages":          clinicalFunction(schema.Messages),
	"invoices":          clinicalFunction(schema.Invoices),
	"organizations":     handler(organizations.NewFunction),
	"sandbox-worker":    handler(sandboxworker.NewFunction),
	"authorizer":        handler(authorizer.NewFunction),
	"console":           webPages(handler(consolefn.NewFunction), consolefn.Paths),
	"events":            handler(webhooks.NewEventsFunction),
	"webhook-endpoints": handler(webhooks.NewEndpointsFunction),
	"webhook-dispatch":  handler(webhooks.NewDispatchFunction),
	"webhook-sweeper":   handler(webhooks.NewSweeperFunction),
	"openapi":           handler(openapifn.NewFunction),
}

// Names lists the table's functions, sorted.
func Names() []string {
	out := make([]string, 0, len(Functions))
	for n := range Functions {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// AllRoutes is the route table of every API function, read from the routers their constructors
// return (building makes no call to AWS). The openapi function's own route is listed as is.
func AllRoutes(ctx context.Context, cfg config.Config) []api.Route {
	out := []api.Route{{Method: http.MethodGet, Path: openapifn.Path, Public: true}}
	for _, name := range Names() {
		if name == "openapi" {
			continue
		}
		h, err := Functions[name](ctx, cfg)
		if err != nil {
			continue // the queue consumers need their queue's configuration; they have no routes
		}
		if rl, ok := h.(interface{ Routes() []api.Route }); ok {
			out = append(out, rl.Routes()...)
		}
	}
	return out
}

// OpenAPI generates the OpenAPI document of every route (make openapi -> docs/openapi.json,
// which the openapi function embeds).
func OpenAPI(ctx context.Context, cfg config.Config) openapi.Doc {
	var rs []openapi.Route
	for _, r := range AllRoutes(ctx, cfg) {
		if !r.Web {
			rs = append(rs, openapi.Route{Method: r.Method, Path: r.Path, Resource: r.Resource, Action: r.Action, Public: r.Public})
		}
	}
	return openapi.Build(rs)
}
