// Package clinical is the clinical resources slice (one function per resource); organizations
// with the sandbox reset are shared/app/organizations.
package clinical

import (
	"context"

	"github.com/hapihub/hapihub/shared/api"
	"github.com/hapihub/hapihub/shared/app/backend"
	"github.com/hapihub/hapihub/shared/app/platform"
	"github.com/hapihub/hapihub/shared/clinic"
	"github.com/hapihub/hapihub/shared/config"
	"github.com/hapihub/hapihub/shared/schema"
	"github.com/hapihub/hapihub/shared/store"
)

// The clinical resources (one function per resource). Decisions are in docs/resources.md.

// ClinicalRoutes are the routes of clinical resources with their domain rules and extra events.
func ClinicalRoutes(st *store.Store, resources ...*schema.Resource) []api.Route {
	var routes []api.Route
	for _, r := range resources {
		h := &api.Resource{Schema: r, Store: st, Rules: clinic.Rules(r, st), Events: clinic.Events(r)}
		routes = append(routes, h.Routes()...)
	}
	return routes
}

// NewFunction builds the function of one clinical resource (schema.Patients: PatientsFunction).
func NewFunction(ctx context.Context, cfg config.Config, res *schema.Resource) (*api.Router, error) {
	st, err := backend.Store(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return platform.PlatformRouter(st, cfg, ClinicalRoutes(st, res)), nil
}
