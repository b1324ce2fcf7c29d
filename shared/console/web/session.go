package web

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/hapihub/hapihub/sdk/go/hapihub"
	"github.com/hapihub/hapihub/shared/auth"
	"github.com/hapihub/hapihub/shared/domain"
	"github.com/hapihub/hapihub/shared/schema"
	"github.com/hapihub/hapihub/shared/store/accountstore"
	"github.com/hapihub/hapihub/shared/store/core"
)

// Cookie names, before the __Host- prefix cookieName adds.
const (
	sessionCookie = "hh_session"
	csrfCookie    = "hh_csrf" // double-submit token of the forms shown before login
	flashCookie   = "hh_flash"
)

// cookieName is the name a console cookie has in the browser: with the __Host- prefix whenever
// cookies are Secure. A browser accepts a __Host- cookie only when it is Secure, has Path=/ and
// no Domain, and was set by a secure origin (https, or localhost), so a sibling subdomain or a
// plain-HTTP network attacker cannot plant (or overwrite) a session, CSRF or flash cookie.
// Without Secure (InsecureCookies) a browser would refuse the prefix, so the plain name stays.
func (h *Handler) cookieName(base string) string {
	if h.opts.InsecureCookies {
		return base
	}
	return "__Host-" + base
}

// Call is one request to a console page.
type Call struct {
	W http.ResponseWriter
	R *http.Request
	// Session is the logged-in member (zero on public pages without a session).
	Session accountstore.Session
	member  accountstore.Membership
	// API is the SDK client of the session's mode, authenticated with its session key (nil on
	// public pages).
	API     *hapihub.Client
	APIBase string // the public API's base URL, for what the page shows (curl lines)
	Mount   string // the console's path as the browser sees it
	origin  string // scheme and host the browser reached the console at
	token   string // the session cookie's token
	h       *Handler
	flash   string
	// publicForm: the page's forms use the double-submit cookie even with a session (an invite
	// can be opened while logged in to another account).
	publicForm bool
	csrf       string
}

// APIFor is the SDK client of one mode, whatever mode the session shows.
func (c *Call) APIFor(mode string) *hapihub.Client {
	if mode == c.Session.Mode {
		return c.API
	}
	return c.h.client(c.APIBase, c.Session.Keys[mode].Secret)
}

// Now is the console's clock (Options.Now).
func (c *Call) Now() time.Time { return c.h.opts.Now() }

// Ctx is the request's context.
func (c *Call) Ctx() context.Context { return c.R.Context() }

// Form reads a posted form field, trimmed.
func (c *Call) Form(name string) string { return strings.TrimSpace(c.R.PostFormValue(name)) }

// LoggedIn reports whether the call has a session.
func (c *Call) LoggedIn() bool { return c.token != "" }

// Redirect answers 303 to a console path (relative to the mount point), with an optional flash
// message shown on the next page.
func (c *Call) Redirect(path, flash string) error {
	if v := c.flashValue(flash); v != "" {
		http.SetCookie(c.W, c.h.cookie(flashCookie, v, time.Minute))
	}
	http.Redirect(c.W, c.R, c.Mount+path, http.StatusSeeOther)
	return nil
}

// The flash messages shown without a session. Any other flash is signed with the session.
const (
	flashLoggedOut         = "You are logged out."
	flashSessionEnded      = "Your session ended; log in again."
	flashMembershipChanged = "Your membership changed; log in again."
)

var publicFlashes = map[string]bool{flashLoggedOut: true, flashSessionEnded: true, flashMembershipChanged: true}

// flashMAC signs a flash with the session token. The flash is text the next page shows as the
// console's own words; unsigned, anyone able to plant a cookie for the host (a sibling
// subdomain, a network attacker on plain HTTP) could make a trusted page say "call this number".
// The HttpOnly session token is a key such a person cannot read.
func flashMAC(token, msg string) string {
	m := hmac.New(sha256.New, []byte(token))
	m.Write([]byte("flash\x00" + msg))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// flashValue is the flash cookie of msg: the message and its MAC with a session, or one of
// publicFlashes without; "" when there is nothing to show.
func (c *Call) flashValue(msg string) string {
	switch {
	case msg == "":
		return ""
	case c.LoggedIn():
		return base64.RawURLEncoding.EncodeToString([]byte(msg)) + "." + flashMAC(c.token, msg)
	case publicFlashes[msg]:
		return base64.RawURLEncoding.EncodeToString([]byte(msg))
	}
	c.h.opts.Log.Warn("console: a flash without a session is not one of publicFlashes; dropped", "flash", msg)
	return ""
}

// readFlash is the message of a flash cookie, "" unless the session signed it or it is one of
// publicFlashes.
func (c *Call) readFlash(v string) string {
	enc, mac, signed := strings.Cut(v, ".")
	b, err := base64.RawURLEncoding.DecodeString(enc)
	if err != nil {
		return ""
	}
	msg := string(b)
	if signed {
		if c.LoggedIn() && hmac.Equal([]byte(mac), []byte(flashMAC(c.token, msg))) {
			return msg
		}
		return ""
	}
	if publicFlashes[msg] {
		return msg
	}
	return ""
}

func randomToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("console: random token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// tokenHash is how session and invite tokens are stored: a leaked table gives no usable token.
func tokenHash(token string) string {
	s := sha256.Sum256([]byte(token))
	return hex.EncodeToString(s[:])
}

// csrfFor is the CSRF token of a session: HMAC(session token, "csrf"). It needs no storage and
// an attacker cannot compute it without the HttpOnly session cookie.
func csrfFor(sessionToken string) string {
	m := hmac.New(sha256.New, []byte(sessionToken))
	m.Write([]byte("csrf"))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func (h *Handler) cookie(name, value string, maxAge time.Duration) *http.Cookie {
	c := &http.Cookie{Name: h.cookieName(name), Value: value, Path: "/", HttpOnly: true, Secure: !h.opts.InsecureCookies,
		SameSite: http.SameSiteLaxMode, MaxAge: int(maxAge / time.Second)}
	if maxAge < 0 {
		c.MaxAge = -1
	}
	return c
}

// CSRF is the token a form of this call must carry.
func (c *Call) CSRF() string {
	if c.csrf == "" {
		c.csrf = c.newCSRF()
	}
	return c.csrf
}

func (c *Call) newCSRF() string {
	if c.token != "" && !c.publicForm {
		return csrfFor(c.token)
	}
	if ck, err := c.R.Cookie(c.h.cookieName(csrfCookie)); err == nil && ck.Value != "" {
		return ck.Value
	}
	// First visit to a public form: issue the double-submit cookie now.
	t, err := randomToken()
	if err != nil {
		return ""
	}
	http.SetCookie(c.W, c.h.cookie(csrfCookie, t, 12*time.Hour))
	return t
}

// checkCSRF refuses a POST without the call's token, or sent cross-site.
func (c *Call) checkCSRF() bool {
	r := c.R
	if r.Header.Get("Sec-Fetch-Site") == "cross-site" {
		return false
	}
	if o := r.Header.Get("Origin"); o != "" && o != "null" {
		u, err := url.Parse(o)
		if err != nil || !strings.EqualFold(u.Host, r.Host) {
			return false
		}
	}
	got := r.PostFormValue("csrf")
	if got == "" {
		return false
	}
	var want string
	if c.token != "" && !c.publicForm {
		want = csrfFor(c.token)
	} else if ck, err := r.Cookie(c.h.cookieName(csrfCookie)); err == nil {
		want = ck.Value
	}
	return want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// wrap turns a route into an http.Handler: session, CSRF, API client, errors.
func (h *Handler) wrap(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		apiBase, mount := h.opts.Origin(r)
		origin := apiBase
		if u, err := url.Parse(apiBase); err == nil {
			origin = u.Scheme + "://" + u.Host
		}
		if h.opts.APIURL != "" {
			apiBase = strings.TrimRight(h.opts.APIURL, "/")
		}
		c := &Call{W: w, R: r, APIBase: apiBase, Mount: mount, origin: origin, h: h, publicForm: rt.public}
		w.Header().Set("Cache-Control", "no-store")
		ok, err := h.loadSession(c)
		if err != nil {
			h.fail(c, err)
			return
		}
		// Read after the session, whose token checks the flash's MAC.
		if ck, err := r.Cookie(h.cookieName(flashCookie)); err == nil {
			if c.flash == "" {
				c.flash = c.readFlash(ck.Value)
			}
			http.SetCookie(w, h.cookie(flashCookie, "", -1))
		}
		if !ok && !rt.public {
			if r.Method == http.MethodGet {
				next := strings.TrimPrefix(r.URL.Path, Mount)
				_ = c.Redirect("/login?next="+url.QueryEscape(next), c.flash)
				return
			}
			_ = c.Redirect("/login", flashSessionEnded)
			return
		}
		if r.Method == http.MethodPost {
			r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
			if !c.checkCSRF() {
				if err := c.Render(http.StatusForbidden, "error.html", View{Title: "Form expired",
					Err: UserErr("This form expired or was sent from another site. Go back, reload the page and try again.")}); err != nil {
					h.fail(c, err)
				}
				return
			}
		}
		if err := rt.fn(h, c); err != nil {
			h.fail(c, err)
		}
	})
}

// loadSession reads the session of the cookie, checks the member still has the role the session
// was made for, and prepares the API client of the session's mode.
func (h *Handler) loadSession(c *Call) (bool, error) {
	ck, err := c.R.Cookie(h.cookieName(sessionCookie))
	if err != nil || ck.Value == "" {
		return false, nil
	}
	ctx := c.Ctx()
	ss, err := h.opts.Identity.GetSession(ctx, tokenHash(ck.Value))
	if errors.Is(err, accountstore.ErrNoSession) {
		http.SetCookie(c.W, h.cookie(sessionCookie, "", -1))
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if h.opts.Now().UnixMilli() >= ss.ExpiresAt {
		h.endSession(ctx, ss)
		http.SetCookie(c.W, h.cookie(sessionCookie, "", -1))
		return false, nil
	}
	// A member removed or given another role meanwhile: the session's keys carry the old role's
	// permissions, so the session ends rather than act with them.
	m, err := h.opts.Identity.GetMembership(ctx, ss.Account, ss.Email)
	if err != nil && !errors.Is(err, accountstore.ErrNotMember) {
		return false, err
	}
	if err != nil || m.Role != ss.Role {
		h.endSession(ctx, ss)
		http.SetCookie(c.W, h.cookie(sessionCookie, "", -1))
		c.flash = flashMembershipChanged
		return false, nil
	}
	if !withSecrets(&ss, ck.Value) {
		// Keys not made from this token (a session item written before keys were derived, or
		// tampered with): end it rather than act with a key it cannot prove.
		h.endSession(ctx, ss)
		http.SetCookie(c.W, h.cookie(sessionCookie, "", -1))
		return false, nil
	}
	c.Session, c.member, c.token = ss, m, ck.Value
	c.API = h.client(c.APIBase, ss.Keys[ss.Mode].Secret)
	return true, nil
}

// sessionKeySecret derives a session key's secret from the session's cookie token: HMAC-SHA256
// keyed with the token over the mode and the key's id, written as the key's prefix and 32 base62
// characters (the shape auth.Generate gives, ~190 bits). The table holds only the token's hash
// and the key's hash, so neither the session item nor the key item can be used to call the API;
// the browser's cookie alone cannot either, as it is never a key.
func sessionKeySecret(token, role, mode, keyID string) string {
	typ, _ := sessionKeyFor(role, mode)
	mac := hmac.New(sha256.New, []byte(token))
	mac.Write([]byte("hapihub console session key\x00" + mode + "\x00" + keyID))
	n := new(big.Int).SetBytes(mac.Sum(nil))
	const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	b := make([]byte, 32)
	r, sixtyTwo := new(big.Int), big.NewInt(62)
	for i := range b {
		n.DivMod(n, sixtyTwo, r)
		b[i] = base62[r.Int64()]
	}
	return auth.Prefix(typ, mode) + string(b)
}

// withSecrets fills ss's key secrets from the cookie's token and reports whether each matches
// the hash the key was stored under.
func withSecrets(ss *accountstore.Session, token string) bool {
	for mode, k := range ss.Keys {
		k.Secret = sessionKeySecret(token, ss.Role, mode, k.ID)
		if !auth.Matches(k.Secret, k.Hash) {
			return false
		}
		ss.Keys[mode] = k
	}
	return len(ss.Keys) > 0
}

// SessionSecrets is a stored session with its key secrets, as the console derives them from the
// session's cookie token (the table holds none; tests use it to act as a stolen table would).
func SessionSecrets(token string, ss accountstore.Session) accountstore.Session {
	withSecrets(&ss, token)
	return ss
}

func (h *Handler) client(base, key string) *hapihub.Client {
	// A page waits for the API at most a few seconds: one quick retry, no long Retry-After.
	return hapihub.New(key, hapihub.WithBaseURL(base), hapihub.WithHTTPClient(h.opts.HTTPClient),
		hapihub.WithMaxRetries(1), hapihub.WithBackoff(100*time.Millisecond, time.Second), hapihub.WithMaxRetryAfter(2*time.Second),
		hapihub.WithUserAgent("hapihub-console"))
}

// sessionPermissions maps every resource a restricted key can hold to level.
func sessionPermissions(level string) map[string]string {
	out := map[string]string{}
	for _, r := range Resources() {
		out[r] = level
	}
	return out
}

// Resources are what a restricted key can have permissions on: the clinic resources of the
// schema registry and the platform resources.
func Resources() []string {
	var out []string
	for _, r := range schema.All() {
		out = append(out, r.Name)
	}
	return append(out, auth.PlatformResources...)
}

// sessionKeyFor is the key a role gets in a mode (docs/console.md): owners a secret key in both
// modes; developers a secret key in test and write access to data (not keys or settings) in
// live; viewers read access in both.
func sessionKeyFor(role, mode string) (string, map[string]string) {
	switch {
	case role == accountstore.RoleOwner, role == accountstore.RoleDeveloper && mode == domain.Test:
		return auth.Secret, nil
	case role == accountstore.RoleDeveloper:
		return auth.Restricted, sessionPermissions(auth.Write)
	default:
		return auth.Restricted, sessionPermissions(auth.Read)
	}
}

// startSession logs m in: a session key per mode, the session item, the cookie. The token is
// always new, and a session the request came with (a login, sign-up or invite while logged in)
// ends with its keys, so no earlier token outlives the login.
func (h *Handler) startSession(c *Call, u accountstore.User, m accountstore.Membership) error {
	ctx := c.Ctx()
	if c.LoggedIn() {
		h.endSession(ctx, c.Session)
		c.Session, c.token = accountstore.Session{}, ""
	}
	now := h.opts.Now()
	exp := now.Add(h.opts.SessionTTL)
	token, err := randomToken()
	if err != nil {
		return err
	}
	ss := accountstore.Session{TokenHash: tokenHash(token), UserID: u.ID, Email: u.Email, Name: u.Name, Account: m.Account, Role: m.Role,
		Mode: domain.Test, Keys: map[string]accountstore.SessionKey{}, CreatedAt: now.UnixMilli(), ExpiresAt: exp.UnixMilli()}
	for _, mode := range []string{domain.Test, domain.Live} {
		typ, perms := sessionKeyFor(m.Role, mode)
		id := core.NewID("key", now)
		secret := sessionKeySecret(token, m.Role, mode, id)
		k := domain.Key{ID: id, AccountID: m.Account, Mode: mode, Type: typ, Hash: auth.Hash(secret),
			Last4: auth.Last4(secret), Status: domain.KeyActive, ExpiresAt: exp.UnixMilli(), Name: "Console session of " + u.Email,
			Permissions: perms, CreatedAt: now.UnixMilli(), Session: u.Email}
		if err := h.opts.Identity.PutSessionKey(ctx, k); err != nil {
			return err
		}
		ss.Keys[mode] = accountstore.SessionKey{ID: k.ID, Hash: k.Hash, Secret: secret}
	}
	if err := h.opts.Identity.PutSession(ctx, ss); err != nil {
		return err
	}
	http.SetCookie(c.W, h.cookie(sessionCookie, token, h.opts.SessionTTL))
	c.Session, c.token = ss, token
	return nil
}

// SignInAs logs email in to account as the member they are there (the role the membership
// holds now), with no password: for a route outside this package that proved who is signing in
// some other way. Only the local runner registers one, its one-time sign-in link for the local
// account (infra/local/runner, linked into no Lambda function); the deployed console has no route
// that calls it. A membership gone is ErrNotMember.
func (c *Call) SignInAs(account, email string) error {
	m, err := c.h.opts.Identity.GetMembership(c.Ctx(), account, email)
	if err != nil {
		return fmt.Errorf("console: sign in as %s: %w", email, err)
	}
	u, err := c.h.opts.Identity.GetUser(c.Ctx(), email)
	if err != nil {
		return fmt.Errorf("console: sign in as %s: %w", email, err)
	}
	return c.h.startSession(c, u, m)
}

// endSession deletes a session and its keys (errors are logged: the keys expire anyway).
func (h *Handler) endSession(ctx context.Context, ss accountstore.Session) {
	for _, k := range ss.Keys {
		if err := h.opts.Identity.DeleteSessionKey(ctx, k.Hash); err != nil {
			h.opts.Log.Error("console: delete session key", "err", err)
		}
	}
	if err := h.opts.Identity.DeleteSession(ctx, ss.TokenHash); err != nil {
		h.opts.Log.Error("console: delete session", "err", err)
	}
}
