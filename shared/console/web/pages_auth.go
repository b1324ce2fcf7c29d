package web

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/mail"
	"net/url"
	"strings"
	"time"

	"github.com/hapihub/hapihub/sdk/go/hapihub"
	"github.com/hapihub/hapihub/shared/domain"
	"github.com/hapihub/hapihub/shared/store/accountstore"
	"github.com/hapihub/hapihub/shared/store/core"
)

func init() {
	registerPublic("GET /signup", (*Handler).signupPage)
	registerPublic("POST /signup", (*Handler).signup)
	registerPublic("GET /login", (*Handler).loginPage)
	registerPublic("POST /login", (*Handler).login)
	register("POST /logout", (*Handler).logout)
	register("POST /mode", (*Handler).setMode)
	register("POST /account", (*Handler).switchAccount)
}

// Login rate limits (docs/console.md): failed attempts per fixed window.
const (
	attemptWindow   = 15 * time.Minute
	maxEmailAttempt = 5
	maxIPAttempts   = 20
	// maxTakenSignups bounds the sign-ups refused for a taken email from one address per
	// window: "already has an account" tells that an email is a user's, which the console
	// cannot hide without sending email, so probing emails is slowed like guessing passwords.
	maxTakenSignups = 10
)

// signupWindow is the window of the cap on accounts made per source IP (Options.SignupsPerIP):
// each sign-up seeds a whole sandbox clinic, so one address may not make accounts in bulk.
const signupWindow = time.Hour

type signupForm struct{ Name, Company, Email string }

func (h *Handler) signupPage(c *Call) error {
	if c.LoggedIn() {
		return c.Redirect("/", "")
	}
	return c.Render(http.StatusOK, "signup.html", View{Title: "Create your account", Data: signupForm{}})
}

func checkEmail(s string) (string, bool) {
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || len(s) > 254 {
		return "", false
	}
	return accountstore.NormalizeEmail(s), true
}

func checkPassword(p string) string {
	switch {
	case len(p) < MinPassword:
		return fmt.Sprintf("must be at least %d characters", MinPassword)
	case len(p) > MaxPassword:
		return fmt.Sprintf("must be at most %d characters", MaxPassword)
	}
	return ""
}

func (h *Handler) signup(c *Call) error {
	f := signupForm{Name: c.Form("name"), Company: c.Form("company"), Email: c.Form("email")}
	password := c.R.PostFormValue("password")
	var bad []hapihub.FieldError
	if f.Name == "" || len(f.Name) > 100 {
		bad = append(bad, Field("name", "is required (at most 100 characters)"))
	}
	if f.Company == "" || len(f.Company) > 100 {
		bad = append(bad, Field("company", "is required (at most 100 characters)"))
	}
	email, ok := checkEmail(f.Email)
	if !ok {
		bad = append(bad, Field("email", "must be an email address such as ada@example.com"))
	}
	if msg := checkPassword(password); msg != "" {
		bad = append(bad, Field("password", msg))
	}
	again := func(err error) error {
		return c.Render(http.StatusBadRequest, "signup.html", View{Title: "Create your account", Data: f, Err: err})
	}
	if len(bad) > 0 {
		return again(Invalid(bad...))
	}
	ip := clientIP(c.R)
	// Counted before anything is made, so a burst of sign-ups cannot all see a count under the
	// cap; a sign-up that makes no account (a taken email) takes its count back.
	var made []attemptScope
	if h.opts.SignupsPerIP > 0 {
		made = []attemptScope{{key: "signup-made-ip:" + ip, max: int64(h.opts.SignupsPerIP), window: signupWindow}}
		if wait, err := h.countAttempt(c.Ctx(), made); err != nil {
			return err
		} else if wait > 0 {
			return c.Render(http.StatusTooManyRequests, "signup.html", View{Title: "Create your account", Data: f,
				Err: rateLimited(c, wait, "Too many accounts were created from your network recently. Try again in %s, or ask your team's owner to invite you.")})
		}
	}
	probe := []attemptScope{{key: "signup-ip:" + ip, max: maxTakenSignups}}
	if wait, err := h.countAttempt(c.Ctx(), probe); err != nil {
		return err
	} else if wait > 0 {
		h.forgetAttempt(c.Ctx(), made)
		return c.Render(http.StatusTooManyRequests, "signup.html", View{Title: "Create your account", Data: f, Err: tooMany(c, wait)})
	}
	hash, err := HashPassword(password)
	if err != nil {
		return err
	}
	now := h.opts.Now()
	u := accountstore.User{ID: core.NewID("usr", now), Email: email, Name: f.Name, PasswordHash: hash, CreatedAt: now.UnixMilli()}
	// The user is reserved first (a conditional put), so two sign-ups with one email cannot both
	// make an account; a failed account creation frees the email again.
	var taken *accountstore.EmailTakenError
	if err := h.opts.Identity.CreateUser(c.Ctx(), u); errors.As(err, &taken) {
		h.forgetAttempt(c.Ctx(), made)
		return again(Invalid(Field("email", "already has an account; log in instead")))
	} else if err != nil {
		return err
	}
	h.forgetAttempt(c.Ctx(), probe) // a new email tells nothing: only refusals count
	acct, err := h.opts.Accounts.CreateAccount(c.Ctx(), f.Company)
	if err == nil {
		err = h.opts.Identity.AddMember(c.Ctx(), accountstore.Membership{Account: acct, AccountName: f.Company, Email: email, Name: f.Name,
			Role: accountstore.RoleOwner, CreatedAt: now.UnixMilli()})
	}
	if err != nil {
		if derr := h.opts.Identity.DeleteUser(c.Ctx(), email); derr != nil {
			h.opts.Log.Error("console: free the email of a failed sign-up", "err", derr)
		}
		return err
	}
	if err := h.startSession(c, u, accountstore.Membership{Account: acct, AccountName: f.Company, Email: email, Role: accountstore.RoleOwner}); err != nil {
		return err
	}
	return c.Redirect("/", "Welcome to HAPI Hub! Your sandbox clinic is ready.")
}

type loginForm struct{ Email, Next string }

func (h *Handler) loginPage(c *Call) error {
	if c.LoggedIn() {
		return c.Redirect("/", "")
	}
	return c.Render(http.StatusOK, "login.html", View{Title: "Log in", Data: loginForm{Next: safeNext(c.R.URL.Query().Get("next"))}})
}

// safeNext keeps a post-login (or mode switch) redirect inside the console: a path relative to
// the mount point, which Redirect prefixes. Anything else is dropped (the caller goes home): a
// scheme or host; backslashes and control characters (browsers read a backslash as a slash and
// drop tabs and newlines, so either can make "//host" of a path); and dot segments, plain or
// percent-encoded, which the browser (and http.Redirect's cleaning) resolves above the mount.
func safeNext(p string) string {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") {
		return ""
	}
	for _, r := range p {
		if r < 0x20 || r == 0x7f || r == '\\' {
			return ""
		}
	}
	u, err := url.Parse(p)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return ""
	}
	for _, seg := range strings.Split(u.Path, "/") {
		if seg == "." || seg == ".." {
			return ""
		}
	}
	return p
}

// clientIP is the address the request came from: the connection's peer, which on AWS is API
// Gateway's source IP (the Lambda adapter sets it). X-Forwarded-For is not used: its first
// entries are whatever the client wrote.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// attemptScope is one rate limit: a counter key and its maximum per window (attemptWindow
// unless window is set).
type attemptScope struct {
	key    string
	max    int64
	window time.Duration
}

func (s attemptScope) win() time.Duration {
	if s.window == 0 {
		return attemptWindow
	}
	return s.window
}

// countAttempt counts an attempt against every scope BEFORE the password is checked: the
// counter's atomic ADD hands each concurrent request its own number, so a burst of guesses
// cannot all read a count under the limit. It answers a positive wait when a scope is over its
// limit; the password must then not be checked. A right password takes its attempt back
// (forgetAttempt), so only failures (and refusals) stay counted.
func (h *Handler) countAttempt(ctx context.Context, scopes []attemptScope) (time.Duration, error) {
	var wait time.Duration
	now := h.opts.Now()
	for _, s := range scopes {
		n, err := h.opts.Identity.AddFailedAttempt(ctx, s.key, s.win())
		if err != nil {
			return 0, err
		}
		if n > s.max {
			// The counter's window ends then (the store's windows are fixed, as here).
			wait = max(wait, now.Truncate(s.win()).Add(s.win()).Sub(now))
		}
	}
	return wait, nil
}

// forgetAttempt takes back the attempts of a login whose password was right.
func (h *Handler) forgetAttempt(ctx context.Context, scopes []attemptScope) {
	for _, s := range scopes {
		if err := h.opts.Identity.ForgetAttempt(ctx, s.key, s.win()); err != nil {
			h.opts.Log.Error("console: forget a login attempt", "err", err)
		}
	}
}

// tooMany is the rate limit's refusal, shown on the page of the form.
func tooMany(c *Call, wait time.Duration) error {
	return rateLimited(c, wait, "Too many attempts, try again in %s.")
}

// rateLimited is a rate limit's refusal saying msg, whose %s is the wait in minutes.
func rateLimited(c *Call, wait time.Duration, msg string) error {
	mins := int((wait + time.Minute - 1) / time.Minute)
	c.W.Header().Set("Retry-After", fmt.Sprint(int(wait.Seconds())+1))
	return &hapihub.Error{Status: http.StatusTooManyRequests, Name: hapihub.ErrorRateLimitExceeded,
		Message: fmt.Sprintf(msg, plural(mins, "minute"))}
}

// passwordMatches checks password against u's hash, or against a dummy hash when there is no
// user, so both cost one argon2 run. A password over MaxPassword is refused before hashing
// (sign-up never accepts one, so it cannot match): argon2's cost grows with the input.
func (h *Handler) passwordMatches(u accountstore.User, found bool, password string) bool {
	if len(password) > MaxPassword {
		return false
	}
	if !found {
		h.verify(dummyHash(), password)
		return false
	}
	return h.verify(u.PasswordHash, password)
}

func (h *Handler) login(c *Call) error {
	f := loginForm{Email: c.Form("email"), Next: safeNext(c.Form("next"))}
	password := c.R.PostFormValue("password")
	email := accountstore.NormalizeEmail(f.Email)
	ctx := c.Ctx()
	scopes := []attemptScope{{key: "email:" + email, max: maxEmailAttempt}, {key: "ip:" + clientIP(c.R), max: maxIPAttempts}}
	// Over the limit: refused before the user is read or the password checked, so guessing
	// gains nothing.
	if wait, err := h.countAttempt(ctx, scopes); err != nil {
		return err
	} else if wait > 0 {
		return c.Render(http.StatusTooManyRequests, "login.html", View{Title: "Log in", Data: f, Err: tooMany(c, wait)})
	}
	u, err := h.opts.Identity.GetUser(ctx, email)
	if err != nil && !errors.Is(err, accountstore.ErrNoUser) {
		return err
	}
	if !h.passwordMatches(u, err == nil, password) {
		return c.Render(http.StatusUnauthorized, "login.html", View{Title: "Log in", Data: f,
			Err: UserErr("That email and password do not match an account.")})
	}
	h.forgetAttempt(ctx, scopes)
	ms, err := h.opts.Identity.AccountsOf(ctx, email)
	if err != nil {
		return err
	}
	if len(ms) == 0 {
		return c.Render(http.StatusForbidden, "login.html", View{Title: "Log in", Data: f,
			Err: UserErr("You are no longer a member of any account. Ask an owner for a new invite.")})
	}
	// The most recently joined account: after accepting an invite, that is the one to show.
	m := ms[0]
	for _, x := range ms[1:] {
		if x.CreatedAt > m.CreatedAt {
			m = x
		}
	}
	if err := h.startSession(c, u, m); err != nil {
		return err
	}
	next := f.Next
	if next == "" {
		next = "/"
	}
	return c.Redirect(next, "")
}

func (h *Handler) logout(c *Call) error {
	h.endSession(c.Ctx(), c.Session)
	http.SetCookie(c.W, h.cookie(sessionCookie, "", -1))
	c.token = ""
	return c.Redirect("/login", flashLoggedOut)
}

func (h *Handler) setMode(c *Call) error {
	mode := c.Form("mode")
	if mode != domain.Test && mode != domain.Live {
		return UserErr("Unknown mode %q.", mode)
	}
	if err := h.opts.Identity.SetSessionMode(c.Ctx(), c.Session.TokenHash, mode); err != nil {
		return err
	}
	back := safeNext(c.Form("back"))
	if back == "" {
		back = "/"
	}
	return c.Redirect(back, "")
}

// switchAccount logs the member into another account of theirs (the user menu's switcher). The
// session is made anew, as at login: a new token, the old session and its keys ended, session
// keys minted for the chosen account and the member's role there.
func (h *Handler) switchAccount(c *Call) error {
	acct := c.Form("account")
	if acct == c.Session.Account {
		return c.Redirect("/", "")
	}
	m, err := h.opts.Identity.GetMembership(c.Ctx(), acct, c.Session.Email)
	if errors.Is(err, accountstore.ErrNotMember) {
		return c.Redirect("/", "You are not a member of that account (any more).")
	}
	if err != nil {
		return err
	}
	u := accountstore.User{ID: c.Session.UserID, Email: c.Session.Email, Name: c.Session.Name}
	if err := h.startSession(c, u, m); err != nil {
		return err
	}
	return c.Redirect("/", "Switched to "+m.AccountName+" ("+m.Role+").")
}
