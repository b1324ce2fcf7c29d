// Package console is the Developer Console: a server-rendered web app (html/template, a little
// progressive JavaScript, no build step) mounted at /console. Identity (users, members,
// sessions, invites) is the only state it keeps itself; everything else it shows or changes goes
// through the public API with the session's key (a *hapihub.Client per request), so the API
// judges the console exactly as it judges any key. Decisions: docs/console.md.
//
// The console is two packages, wired here: shared/console/web is the core (the handler,
// sessions, CSRF, the layout and templates, the identity pages) and shared/console/pages the
// pages that go through the API (home, keys, webhooks, events, sandbox, logs). Adding a page:
// see package web.
package console

import (
	"github.com/hapihub/hapihub/shared/console/pages"
	"github.com/hapihub/hapihub/shared/console/web"
)

// The console's public surface, defined by its core.
type (
	// Options configure New.
	Options = web.Options
	// Handler serves the console; mount it at Mount.
	Handler = web.Handler
	// Identity is the console's own state (shared/store implements it).
	Identity = web.Identity
	// AccountCreator makes a new account for a sign-up.
	AccountCreator = web.AccountCreator
	// Route is a page added by the caller of New (the local runner's sign-in link).
	Route = web.Route
)

// Mount is where the console is served.
const Mount = web.Mount

// DefaultSignupsPerIP is Options.SignupsPerIP's default.
const DefaultSignupsPerIP = web.DefaultSignupsPerIP

// New builds the console with every page, and extra ones: the deployed console has none; the
// local runner adds its one-time sign-in link (infra/local/runner).
func New(o Options, extra ...Route) (*Handler, error) {
	return web.New(o, append(pages.Routes(), extra...)...)
}
