// Package web is the Developer Console's core: the Handler, sessions and CSRF, the layout and
// every template, and the identity pages (sign-up, login, members, invites), which keep the
// console's own state. The pages that go through the public API live in shared/console/pages;
// shared/console wires the two. Decisions: docs/console.md.
//
// # Adding a page
//
// 1. A handler in its own file, registered from that file's init. Patterns are Go 1.22
// ServeMux patterns relative to the mount point; pages that need a session are registered
// with register (here, or pages.register for API-backed pages), registerPublic does not need
// one; every POST is CSRF-checked before the handler runs:
//
//	func init() {
//		register("GET /webhooks", webhooks)
//		register("POST /webhooks", createWebhook)
//	}
//
//	func webhooks(c *Call) error {
//		list, err := c.API.WebhookEndpoints.List(c.Ctx(), nil)
//		if err != nil { // the API's refusal, shown in place as a banner
//			return c.Render(http.StatusOK, "webhooks.html", View{Title: "Webhooks", Err: err})
//		}
//		return c.Render(http.StatusOK, "webhooks.html", View{Title: "Webhooks", Data: list})
//	}
//
// A *Call carries the session (c.Session), c.API (the SDK client of the session's mode; c.APIFor
// for the other), c.Form(name), c.Render(status, template, View), c.Redirect(path, flash).
// Return an error only for the unexpected (it becomes an error page). View.Err shows an API
// error's name and message in a banner; for INVALID_PARAMETERS, {{template "field" ($.FieldErr
// "url")}} puts a field's message next to it. Invalid(Field(...)) makes the console's own form
// errors look the same.
//
// 2. A template templates/<name>.html (in this package) defining "content" (the layout wraps
// it; see keys.html). Forms carry {{template "csrf" $}}; links use {{$.URL "/webhooks"}} (the
// mount point can carry API Gateway's stage prefix); times use {{$.Time .CreatedAt}}; statuses
// {{pill .Status}}. Shared pieces in layout.html: "csrf", "field", "banner", "copy", "empty".
// Lists that should read as cards on a phone carry class="stack" and a data-label per cell.
// Forms that need a confirm dialog carry data-confirm="...".
//
// 3. The sidebar entry in navItems below (a listed page that is not built answers 404).
//
// Tests drive the real handler against the local platform (infra/localtest): see
// shared/console's tests.
package web

import (
	"context"
	"embed"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/hapihub/hapihub/shared/domain"
	"github.com/hapihub/hapihub/shared/store/accountstore"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Identity is the console's own state (shared/store implements it).
type Identity interface {
	CreateUser(ctx context.Context, u accountstore.User) error
	GetUser(ctx context.Context, email string) (accountstore.User, error)
	DeleteUser(ctx context.Context, email string) error
	AddMember(ctx context.Context, m accountstore.Membership) error
	GetMembership(ctx context.Context, account, email string) (accountstore.Membership, error)
	ListMembers(ctx context.Context, account string) ([]accountstore.Membership, error)
	AccountsOf(ctx context.Context, email string) ([]accountstore.Membership, error)
	SetMemberRole(ctx context.Context, account, email, role string) (accountstore.Membership, error)
	RemoveMember(ctx context.Context, account, email string) error
	PutSession(ctx context.Context, s accountstore.Session) error
	GetSession(ctx context.Context, hash string) (accountstore.Session, error)
	SetSessionMode(ctx context.Context, hash, mode string) error
	DeleteSession(ctx context.Context, hash string) error
	PutInvite(ctx context.Context, inv accountstore.Invite) error
	GetInvite(ctx context.Context, hash string) (accountstore.Invite, error)
	ConsumeInvite(ctx context.Context, hash string) (accountstore.Invite, error)
	ListInvites(ctx context.Context, account string) ([]accountstore.Invite, error)
	RevokeInvite(ctx context.Context, account, hash string) error
	FailedAttempts(ctx context.Context, scope string, window time.Duration) (int64, error)
	AddFailedAttempt(ctx context.Context, scope string, window time.Duration) (int64, error)
	ForgetAttempt(ctx context.Context, scope string, window time.Duration) error
	PutSessionKey(ctx context.Context, k domain.Key) error
	DeleteSessionKey(ctx context.Context, hash string) error
}

// AccountCreator makes a new account (with its keys and sandbox) for a sign-up and returns its id.
type AccountCreator interface {
	CreateAccount(ctx context.Context, name string) (string, error)
}

// Options configure New.
type Options struct {
	Identity Identity
	Accounts AccountCreator
	Now      func() time.Time // default time.Now
	Log      *slog.Logger     // default: discard
	// APIURL is the public API's base URL; empty: derived per request by Origin.
	APIURL string
	// Origin tells, per request, the API's base URL and the console's mount path as the browser
	// sees them (on AWS both carry the stage prefix). Default: the request's scheme and host,
	// and /console.
	Origin func(r *http.Request) (apiBase, mount string)
	// InsecureCookies drops the Secure flag (only for a plain-HTTP host other than localhost,
	// which browsers would refuse Secure cookies from).
	InsecureCookies bool
	// HTTPClient calls the API (default http.DefaultClient).
	HTTPClient *http.Client
	// SessionTTL is how long a login lasts (default 12 h).
	SessionTTL time.Duration
	// SignupsPerIP caps the accounts sign-ups make from one source IP per hour: each seeds a
	// whole sandbox clinic. 0: DefaultSignupsPerIP; negative: no cap (tests that sign up many
	// accounts from one address).
	SignupsPerIP int
	// CheckPassword checks a password against a PHC hash (default CheckPassword; tests wrap it
	// to count the expensive checks).
	CheckPassword func(phc, password string) bool
}

// DefaultSignupsPerIP is Options.SignupsPerIP's default.
const DefaultSignupsPerIP = 5

// Handler serves the console. Mount it at /console (it matches full paths).
type Handler struct {
	opts  Options
	mux   *http.ServeMux
	pages *templates
	// verify checks a password against a PHC hash (CheckPassword; tests count its calls).
	verify func(phc, password string) bool
}

// Mount is where the console is served.
const Mount = "/console"

// Route is a page registered from another package (shared/console/pages): Fn serves Pattern,
// with a session unless Public.
type Route struct {
	Pattern string
	Public  bool
	Fn      func(*Call) error
}

// route is one registered pattern.
type route struct {
	pattern string
	public  bool
	fn      func(*Handler, *Call) error
}

var routes []route

// register adds a page that needs a session.
func register(pattern string, fn func(*Handler, *Call) error) {
	routes = append(routes, route{pattern: pattern, fn: fn})
}

// registerPublic adds a page served without a session (sign-up, login, invite).
func registerPublic(pattern string, fn func(*Handler, *Call) error) {
	routes = append(routes, route{pattern: pattern, public: true, fn: fn})
}

// navItem is a sidebar entry.
type navItem struct {
	Label string
	Path  string
	Owner bool // shown to owners only
}

// navItems is the sidebar, in order. A page listed here that is not built yet answers 404.
var navItems = []navItem{
	{"Home", "/", false},
	{"API keys", "/keys", false},
	{"Webhooks", "/webhooks", false},
	{"Events", "/events", false},
	{"Sandbox", "/sandbox", false},
	{"Logs", "/logs", false},
	{"Members", "/members", false},
}

// New builds the console with its own pages and extra (the API-backed pages).
func New(o Options, extra ...Route) (*Handler, error) {
	if o.Identity == nil || o.Accounts == nil {
		return nil, fmt.Errorf("console: Identity and Accounts are required")
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.HTTPClient == nil {
		o.HTTPClient = http.DefaultClient
	}
	if o.SessionTTL == 0 {
		o.SessionTTL = 12 * time.Hour
	}
	if o.Origin == nil {
		o.Origin = defaultOrigin
	}
	if o.SignupsPerIP == 0 {
		o.SignupsPerIP = DefaultSignupsPerIP
	}
	h := &Handler{opts: o, mux: http.NewServeMux(), pages: newTemplates(), verify: CheckPassword}
	if o.CheckPassword != nil {
		h.verify = o.CheckPassword
	}
	h.mux.Handle("GET "+Mount+"/static/", http.StripPrefix(Mount, staticHandler()))
	h.mux.HandleFunc("GET "+Mount, func(w http.ResponseWriter, r *http.Request) {
		_, mount := h.opts.Origin(r)
		http.Redirect(w, r, mount+"/", http.StatusFound)
	})
	all := append([]route(nil), routes...)
	for _, r := range extra {
		fn := r.Fn
		all = append(all, route{pattern: r.Pattern, public: r.Public, fn: func(_ *Handler, c *Call) error { return fn(c) }})
	}
	for _, rt := range all {
		method, path, ok := strings.Cut(rt.pattern, " ")
		if !ok {
			return nil, fmt.Errorf("console: route %q needs a method", rt.pattern)
		}
		if path == "/" {
			path = "/{$}"
		}
		h.mux.Handle(method+" "+Mount+path, h.wrap(rt))
	}
	return h, nil
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Frame-Options", "DENY")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Referrer-Policy", "same-origin")
	w.Header().Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
	h.mux.ServeHTTP(w, r)
}

// defaultOrigin: the request's scheme and host serve both the API and the console (the local
// runner and a custom domain serve the API at the root).
func defaultOrigin(r *http.Request) (string, string) {
	scheme := "http"
	if r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https") {
		scheme = "https"
	}
	return scheme + "://" + r.Host, Mount
}

func staticHandler() http.Handler {
	fs := http.FileServerFS(staticFS)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Assets change only with a deploy; an hour keeps pages fast without a fingerprinting step.
		w.Header().Set("Cache-Control", "public, max-age=3600")
		fs.ServeHTTP(w, r)
	})
}
