package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/hapihub/hapihub/sdk/go/hapihub"
	"github.com/hapihub/hapihub/shared/domain"
	"github.com/hapihub/hapihub/shared/store/accountstore"
)

// View is what a page template gets. Pages fill Title, Active (their nav path), Data, and Err or
// Notice; the layout's fields are filled by Render.
type View struct {
	Title  string
	Active string // the sidebar entry to highlight ("/keys"); default: the page's own path
	Data   any
	// Err is shown as a banner at the top of the content: an API error's name and message
	// (*hapihub.Error), or "something went wrong" for anything else. An INVALID_PARAMETERS
	// error's field messages are also available next to their fields (FieldErr).
	Err error
	// Notice is a success message shown in place.
	Notice string

	// Filled by Render.
	Session accountstore.Session
	Member  accountstore.Membership
	// Accounts are the member's other accounts, for the user menu's switcher.
	Accounts []accountstore.Membership
	LoggedIn bool
	Mount    string
	APIBase  string
	Flash    string
	Nav      []navItem
	csrf     string
	now      time.Time
}

// URL is a console path as the browser must request it ({{$.URL "/keys"}}).
func (v View) URL(p string) string {
	if p == "/" {
		return v.Mount + "/"
	}
	return v.Mount + p
}

// RequestLink is the console page of the request an error's event names (its Request-Id and
// request log id, req_...), "" for any other id.
func (v View) RequestLink(event string) string {
	if !strings.HasPrefix(event, "req_") || !v.LoggedIn {
		return ""
	}
	return v.URL("/logs/" + url.PathEscape(event))
}

// CSRF is the token forms carry ({{template "csrf" $}}).
func (v View) CSRF() string { return v.csrf }

// Live reports whether the session shows live mode.
func (v View) Live() bool { return v.Session.Mode == domain.Live }

// Owner reports whether the member is an owner.
func (v View) Owner() bool { return v.Session.Role == accountstore.RoleOwner }

// APIErr is Err as an API error, when it is one.
func (v View) APIErr() *hapihub.Error {
	var e *hapihub.Error
	if errors.As(v.Err, &e) {
		return e
	}
	return nil
}

// ErrText is the banner's message for an error that is not the API's.
func (v View) ErrText() string {
	if v.Err == nil || v.APIErr() != nil {
		return ""
	}
	var ne net.Error
	if errors.As(v.Err, &ne) {
		return "The API could not be reached; try again in a moment."
	}
	var ue *userError
	if errors.As(v.Err, &ue) {
		return ue.msg
	}
	return "Something went wrong on our side; try again in a moment."
}

// FieldErr is the message of an invalid field, "" when it is fine.
func (v View) FieldErr(field string) string {
	if e := v.APIErr(); e != nil {
		for _, f := range e.Fields {
			if f.Field == field {
				return f.Message
			}
		}
	}
	return ""
}

// Time shows a Unix-ms time relative to now, with the absolute time in its title.
func (v View) Time(ms any) template.HTML {
	var t int64
	switch x := ms.(type) {
	case int64:
		t = x
	case *int64:
		if x == nil {
			return "—"
		}
		t = *x
	case int:
		t = int64(x)
	}
	if t == 0 {
		return "—"
	}
	at := time.UnixMilli(t).UTC()
	return template.HTML(fmt.Sprintf(`<time datetime="%s" title="%s">%s</time>`, at.Format(time.RFC3339),
		at.Format("2 Jan 2006 15:04:05 UTC"), template.HTMLEscapeString(relative(v.now, at))))
}

func relative(now, at time.Time) string {
	d := now.Sub(at)
	suffix := "ago"
	if d < 0 {
		d, suffix = -d, "from now"
	}
	switch {
	case d < time.Minute:
		if suffix == "ago" {
			return "just now"
		}
		return "in under a minute"
	case d < time.Hour:
		return plural(round(d, time.Minute), "minute") + " " + suffix
	case d < 48*time.Hour:
		return plural(round(d, time.Hour), "hour") + " " + suffix
	default:
		return plural(round(d, 24*time.Hour), "day") + " " + suffix
	}
}

// round is d in units, to the nearest: an invite made a moment ago expires in 7 days, not 6
// (its expiry is 7 days minus the milliseconds since).
func round(d, unit time.Duration) int { return int((d + unit/2) / unit) }

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}

// userError is a message of the console's own for the person using it.
type userError struct{ msg string }

func (e *userError) Error() string { return e.msg }

func UserErr(format string, args ...any) error { return &userError{msg: fmt.Sprintf(format, args...)} }

// invalid is a form error shaped like the API's, so the banner and FieldErr treat both alike.
func Invalid(fields ...hapihub.FieldError) error {
	msg := "Check the highlighted field."
	if len(fields) > 1 {
		msg = "Check the highlighted fields."
	}
	return &hapihub.Error{Status: http.StatusBadRequest, Name: hapihub.ErrorInvalidParameters, Message: msg, Fields: fields}
}

func Field(name, msg string) hapihub.FieldError { return hapihub.FieldError{Field: name, Message: msg} }

// templates holds one parsed set per page: the layout plus the page.
// templates are parsed per page at its first render, not in New: a cold start pays for the
// page it serves, not for all of them (TestEveryTemplateParses keeps a broken one from shipping).
type templates struct {
	mu   sync.Mutex
	sets map[string]*template.Template
}

// get returns the page's template set (the layout and the page), parsing it once.
func (t *templates) get(name string) (*template.Template, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if set, ok := t.sets[name]; ok {
		return set, nil
	}
	if name == "layout.html" || !fs.ValidPath("templates/"+name) {
		return nil, fmt.Errorf("console: no template %s", name)
	}
	if _, err := fs.Stat(templateFS, "templates/"+name); err != nil {
		return nil, fmt.Errorf("console: no template %s", name)
	}
	set, err := template.New(name).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/"+name)
	if err != nil {
		return nil, fmt.Errorf("console: parse %s: %w", name, err)
	}
	t.sets[name] = set
	return set, nil
}

// assetVersion fingerprints the static files so their long cache ends with a deploy. Hashed at
// the first page that links an asset, not at package init (every cold start would pay for it).
var assetVersion = sync.OnceValue(func() string {
	h := sha256.New()
	_ = fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := staticFS.ReadFile(p)
			h.Write(b)
		}
		return nil
	})
	return hex.EncodeToString(h.Sum(nil))[:12]
})

var funcs = template.FuncMap{
	"pill":  StatusPill, // the CSS class of a status
	"asset": func(name string) string { return "/static/" + name + "?v=" + assetVersion() },
	"title": func(s string) string {
		if s == "" {
			return s
		}
		return strings.ToUpper(s[:1]) + s[1:]
	},
}

func newTemplates() *templates { return &templates{sets: map[string]*template.Template{}} }

// view completes a page's View with the layout's fields.
func (h *Handler) view(c *Call, v View) View {
	v.Session, v.Member, v.LoggedIn = c.Session, c.member, c.LoggedIn()
	v.Mount, v.APIBase, v.Flash, v.now = c.Mount, c.APIBase, c.flash, h.opts.Now()
	v.csrf = c.CSRF()
	if v.Active == "" {
		v.Active = strings.TrimPrefix(c.R.URL.Path, Mount)
	}
	if v.LoggedIn {
		// Read per page rendered (not per request): memberships change while a session lives
		// (an invite accepted elsewhere, a removal), and the menu should show them.
		ms, err := h.opts.Identity.AccountsOf(c.Ctx(), c.Session.Email)
		if err != nil {
			h.opts.Log.Error("console: list the member's accounts", "err", err)
		}
		for _, m := range ms {
			if m.Account != c.Session.Account {
				v.Accounts = append(v.Accounts, m)
			}
		}
	}
	for _, n := range navItems {
		if !n.Owner || v.Owner() {
			v.Nav = append(v.Nav, n)
		}
	}
	if v.Err != nil && v.APIErr() == nil {
		var ue *userError
		if !errors.As(v.Err, &ue) {
			h.opts.Log.Error("console: page error", "path", c.R.URL.Path, "err", v.Err)
		}
	}
	return v
}

// Render writes a page with the layout. The HTML is built in full first, so a template error
// cannot leave half a page.
func (c *Call) Render(status int, name string, v View) error {
	v = c.h.view(c, v)
	set, err := c.h.pages.get(name)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := set.ExecuteTemplate(&buf, "layout", v); err != nil {
		return fmt.Errorf("console: render %s: %w", name, err)
	}
	c.W.Header().Set("Content-Type", "text/html; charset=utf-8")
	c.W.WriteHeader(status)
	_, err = c.W.Write(buf.Bytes())
	return err
}

// fail answers an unexpected error: an API refusal with its status and message, anything else
// as a 500 page without internals.
func (h *Handler) fail(c *Call, err error) {
	status := http.StatusInternalServerError
	var ae *hapihub.Error
	if errors.As(err, &ae) && ae.Status >= 400 {
		status = ae.Status
	}
	if rerr := c.Render(status, "error.html", View{Title: "Error", Err: err}); rerr != nil {
		h.opts.Log.Error("console: render error page", "err", rerr, "cause", err)
		http.Error(c.W, "Something went wrong.", http.StatusInternalServerError)
	}
}
