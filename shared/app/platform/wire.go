package platform

import (
	"github.com/hapihub/hapihub/shared/api"
	"github.com/hapihub/hapihub/shared/clinic"
	"github.com/hapihub/hapihub/shared/config"
	"github.com/hapihub/hapihub/shared/store"
)

// middlewares are the request checks every API function runs, in this order. Each feature
// defines its middleware in its own file and adds one line here, so this list is the one place
// that says the order (permissions before capabilities before idempotency).
var middlewares = []func(st *store.Store, cfg config.Config) api.Middleware{
	versionMiddleware,     // apiversion.go: first, so every answer below it is in the request's version
	permissionsMiddleware, // platform.go: key still valid, IP allowlist, restricted-key permissions
	capabilitiesMiddleware,
	idempotencyMiddleware, // platform.go: last, so a replay skips only the handler's work
}

// capabilitiesMiddleware refuses methods an organization's PMS lacks (shared/clinic).
func capabilitiesMiddleware(st *store.Store, _ config.Config) api.Middleware {
	return clinic.Capabilities(st)
}
