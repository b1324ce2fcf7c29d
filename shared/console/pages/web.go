package pages

import "github.com/hapihub/hapihub/shared/console/web"

// The console's core (shared/console/web) serves these pages: sessions, CSRF, the layout and the
// templates are its; these names keep the pages' code short.
type (
	// Call is one request to a page.
	Call = web.Call
	// View is what a page template gets.
	View = web.View
)

var (
	userErr     = web.UserErr
	invalid     = web.Invalid
	field       = web.Field
	statusPill  = web.StatusPill
	newPiece    = web.NewPiece
	renderPiece = web.RenderPiece
)

// routes are the pages of this package, registered from each file's init.
var routes []web.Route

// register adds a page that needs a session.
func register(pattern string, fn func(*Call) error) {
	routes = append(routes, web.Route{Pattern: pattern, Fn: fn})
}

// Routes are the API-backed pages (home, keys, webhooks, events, sandbox, logs) for web.New.
func Routes() []web.Route { return append([]web.Route(nil), routes...) }
