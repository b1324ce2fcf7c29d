package console_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/shared/console"
	"github.com/hapihub/hapihub/shared/console/web"
	"github.com/hapihub/hapihub/shared/domain"
	"github.com/hapihub/hapihub/shared/store/accountstore"
)

var ipSeq atomic.Int64

// fromOwnIP serves the console as if every request came from one address of its own, so the
// per-IP login counter of a test is not shared with the other tests' 127.0.0.1.
func fromOwnIP() func(h *console.Handler) http.Handler {
	ip := fmt.Sprintf("198.51.100.%d", ipSeq.Add(1)%250+1)
	return func(h *console.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			r.RemoteAddr = ip + ":4711"
			h.ServeHTTP(w, r)
		})
	}
}

func TestLoginDoesNotTellWhichEmailsExist(t *testing.T) {
	checks := new(atomic.Int64)
	c := newConsoleWith(t, countPasswordChecks(checks), fromOwnIP())
	email := uniqueEmail("known")
	c.browser(t).signup(email)
	const refused = "That email and password do not match an account."
	for _, tc := range []struct {
		name, email, password string
		checks                int64
	}{
		{"a wrong password", email, "not the password at all", 1},
		{"an email without a user costs the same argon2 run", uniqueEmail("nobody"), "not the password at all", 1},
		{"a password too long to be anyone's is refused before hashing", email, strings.Repeat("p", 10<<10), 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := checks.Load()
			p := c.browser(t).login(tc.email, tc.password)
			assert.Equal(t, http.StatusUnauthorized, p.Status)
			assert.Contains(t, p.Text(), refused)
			assert.Equal(t, tc.checks, checks.Load()-before, "argon2 runs")
		})
	}
}

func TestLoginRateLimitHoldsUnderConcurrency(t *testing.T) {
	checks := new(atomic.Int64)
	c := newConsoleWith(t, countPasswordChecks(checks), fromOwnIP())
	email := uniqueEmail("burst")
	c.browser(t).signup(email)
	b := c.browser(t)
	b.get("/console/login")
	csrf := b.Cookies[csrfCookieName].Value
	before := checks.Load()

	// A burst of wrong guesses at once: each must see the counts of those before it.
	const burst = 12
	statuses := make([]int, burst)
	var wg sync.WaitGroup
	for i := range burst {
		wg.Go(func() {
			form := url.Values{"csrf": {csrf}, "email": {email}, "password": {fmt.Sprintf("guess number %d", i)}}
			req, err := http.NewRequest(http.MethodPost, c.srv.URL+"/console/login", strings.NewReader(form.Encode()))
			if err != nil {
				return
			}
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.AddCookie(&http.Cookie{Name: csrfCookieName, Value: csrf})
			resp, err := http.DefaultTransport.RoundTrip(req)
			if err != nil {
				return
			}
			resp.Body.Close()
			statuses[i] = resp.StatusCode
		})
	}
	wg.Wait()
	count := map[int]int{}
	for _, s := range statuses {
		count[s]++
	}
	assert.Equal(t, map[int]int{http.StatusUnauthorized: 5, http.StatusTooManyRequests: burst - 5}, count)
	assert.Equal(t, int64(5), checks.Load()-before, "only the first 5 guesses are checked")
	assert.Equal(t, http.StatusTooManyRequests, b.login(email, "correct horse battery").Status, "the limit holds for the right password too")
}

func sessionHash(token string) string {
	s := sha256.Sum256([]byte(token))
	return hex.EncodeToString(s[:])
}

func TestLoginEndsTheSessionItCameWith(t *testing.T) {
	c := newConsoleServing(t, fromOwnIP())
	email := uniqueEmail("rotate")
	b := c.browser(t)
	b.signup(email)
	ctx := context.Background()
	old := b.Cookies[sessionCookieName].Value
	oldSession, err := c.store.GetSession(ctx, sessionHash(old))
	require.NoError(t, err)
	oldSession = web.SessionSecrets(old, oldSession)
	oldKey := oldSession.Keys[domain.Test].Secret
	require.Equal(t, http.StatusOK, c.env.Do(t, http.MethodGet, "/patients?$limit=1", oldKey, nil).Status, "the session key works while the session lives")

	// Logging in again from the same browser (the login form is public, guarded by the CSRF cookie).
	p := b.do(http.MethodPost, "/console/login", url.Values{"csrf": {b.Cookies[csrfCookieName].Value}, "email": {email}, "password": {"correct horse battery"}})
	require.Equal(t, http.StatusOK, p.Status, p.Text())
	assert.Equal(t, "/console/", p.URL)
	assert.NotEqual(t, old, b.Cookies[sessionCookieName].Value, "a new token")
	_, err = c.store.GetSession(ctx, sessionHash(old))
	assert.ErrorIs(t, err, accountstore.ErrNoSession, "the old session is gone")
	assert.Equal(t, http.StatusUnauthorized, c.env.Do(t, http.MethodGet, "/patients?$limit=1", oldKey, nil).Status, "and its keys")
}

func TestFlashIsTheConsolesOwnWords(t *testing.T) {
	c := newConsoleServing(t, fromOwnIP())
	owner := c.browser(t)
	owner.signup(uniqueEmail("flash"))
	var welcome string // the sign-up's flash cookie, signed with the owner's session
	for _, ck := range owner.SetCookies {
		if ck.Name == flashCookieName && ck.Value != "" {
			welcome = ck.Value
		}
	}
	require.NotEmpty(t, welcome)
	other := c.browser(t)
	other.signup(uniqueEmail("flash-other"))
	anon := c.browser(t)
	planted := base64.RawURLEncoding.EncodeToString([]byte("Your account is locked: call +1 555 0100"))
	loggedOut := base64.RawURLEncoding.EncodeToString([]byte("You are logged out."))

	for _, tc := range []struct {
		name   string
		b      *browser
		path   string
		cookie string
		want   string // "" when nothing may be shown
	}{
		{"the session's own flash", owner, "/console/keys", welcome, "Welcome to HAPI Hub!"},
		{"a planted message, logged in", owner, "/console/keys", planted, ""},
		{"a planted message, logged out", anon, "/console/login", planted, ""},
		{"another session's signed flash", other, "/console/keys", welcome, ""},
		{"a signed flash without a session", anon, "/console/login", welcome, ""},
		{"a tampered message with a valid MAC", owner, "/console/keys", planted + welcome[strings.Index(welcome, "."):], ""},
		{"a public message without a session", anon, "/console/login", loggedOut, "You are logged out."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.b.Cookies[flashCookieName] = &http.Cookie{Name: flashCookieName, Value: tc.cookie}
			p := tc.b.get(tc.path)
			require.Equal(t, http.StatusOK, p.Status)
			if tc.want == "" {
				assert.NotContains(t, p.Body, `class="flash"`)
				assert.NotContains(t, p.Text(), "555 0100")
			} else {
				assert.Contains(t, p.Text(), tc.want)
			}
			assert.NotContains(t, tc.b.Cookies, flashCookieName, "a flash is shown at most once")
		})
	}
}

func TestSignupProbesForTakenEmailsAreLimited(t *testing.T) {
	c := newConsoleServing(t, fromOwnIP())
	email := uniqueEmail("taken")
	for range 2 { // new accounts do not count
		c.browser(t).signup(uniqueEmail("new"))
	}
	c.browser(t).signup(email)
	b := c.browser(t)
	b.get("/console/signup")
	try := func() *webPage {
		return b.post("/console/signup", "name", "Eve", "company", "Probe", "email", email, "password", "correct horse battery")
	}
	for i := 1; i <= 10; i++ {
		p := try()
		require.Equal(t, http.StatusBadRequest, p.Status, "probe %d", i)
		assert.Contains(t, p.Text(), "already has an account")
	}
	p := try()
	assert.Equal(t, http.StatusTooManyRequests, p.Status)
	assert.Regexp(t, `Too many attempts, try again in \d+ minutes?\.`, p.Text())
	assert.NotContains(t, p.Text(), "already has an account", "the 11th learns nothing about the email")
	assert.NotEmpty(t, p.Header.Get("Retry-After"))
}

func TestSecurityHeadersOnEveryResponse(t *testing.T) {
	c := newConsole(t)
	for _, tc := range []struct {
		path    string
		status  int
		noStore bool
	}{
		{"/console", http.StatusFound, false},
		{"/console/login", http.StatusOK, true},
		{"/console/keys", http.StatusSeeOther, true}, // to the login
		{"/console/nonexistent", http.StatusNotFound, false},
		{"/console/static/console.js", http.StatusOK, false},
	} {
		t.Run(tc.path, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodGet, c.srv.URL+tc.path, nil)
			require.NoError(t, err)
			resp, err := http.DefaultTransport.RoundTrip(req)
			require.NoError(t, err)
			resp.Body.Close()
			assert.Equal(t, tc.status, resp.StatusCode)
			h := resp.Header
			csp := h.Get("Content-Security-Policy")
			assert.Contains(t, csp, "default-src 'self'")
			assert.Contains(t, csp, "frame-ancestors 'none'")
			assert.NotContains(t, csp, "unsafe-inline")
			assert.Equal(t, "DENY", h.Get("X-Frame-Options"))
			assert.Equal(t, "nosniff", h.Get("X-Content-Type-Options"))
			assert.Equal(t, "same-origin", h.Get("Referrer-Policy"))
			if tc.noStore {
				assert.Equal(t, "no-store", h.Get("Cache-Control"))
			}
		})
	}
}

func TestCookieNames(t *testing.T) {
	for _, tc := range []struct {
		name     string
		insecure bool
		prefix   string
	}{
		{"Secure cookies carry the __Host- prefix", false, "__Host-"},
		{"without Secure (InsecureCookies) a browser would refuse the prefix", true, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newConsoleWith(t, func(o *console.Options) { o.InsecureCookies = tc.insecure }, fromOwnIP())
			b := c.browser(t)
			b.get("/console/signup")
			set := map[string]*http.Cookie{}
			for _, ck := range b.SetCookies {
				set[ck.Name] = ck
			}
			b.signup(uniqueEmail("cookies"))
			for _, ck := range b.SetCookies {
				set[ck.Name] = ck
			}
			for _, base := range []string{"hh_csrf", "hh_session", "hh_flash"} {
				ck := set[tc.prefix+base]
				require.NotNil(t, ck, "%s%s is set (got %v)", tc.prefix, base, b.SetCookies)
				assert.Equal(t, !tc.insecure, ck.Secure, "%s Secure", ck.Name)
				assert.Equal(t, "/", ck.Path, ck.Name)
				assert.Empty(t, ck.Domain, "%s: a host-only cookie", ck.Name)
				assert.True(t, ck.HttpOnly, ck.Name)
				other := "__Host-" + base
				if tc.prefix != "" {
					other = base
				}
				assert.NotContains(t, set, other)
			}
			assert.Equal(t, http.StatusOK, b.get("/console/keys").Status, "the session cookie is read under its name")
		})
	}
}

func TestPlantedUnprefixedCookiesAreIgnored(t *testing.T) {
	c := newConsoleServing(t, fromOwnIP())
	victim := c.browser(t)
	victim.signup(uniqueEmail("planted"))
	token := victim.Cookies[sessionCookieName].Value

	// A sibling subdomain can set hh_session for the console's host (Domain=parent), but not a
	// __Host- cookie: the console reads only the prefixed name, so a planted one logs nobody in.
	attacker := c.browser(t)
	attacker.Cookies["hh_session"] = &http.Cookie{Name: "hh_session", Value: token}
	p := attacker.get("/console/keys")
	assert.Equal(t, "/console/login?next=%2Fkeys", p.URL, "a session under the plain name is not read")

	// Nor does a planted CSRF cookie validate a public form.
	anon := c.browser(t)
	anon.Cookies["hh_csrf"] = &http.Cookie{Name: "hh_csrf", Value: "planted-token"}
	p = anon.do(http.MethodPost, "/console/login", url.Values{"csrf": {"planted-token"}, "email": {"a@example.com"}, "password": {"whatever it is"}})
	assert.Equal(t, http.StatusForbidden, p.Status)
	assert.Contains(t, p.Text(), "This form expired or was sent from another site")
}

func TestSignupsThatMakeAccountsAreCappedPerAddress(t *testing.T) {
	c := newConsoleWith(t, func(o *console.Options) { o.SignupsPerIP = 0 }, fromOwnIP()) // the default cap
	require.Equal(t, 5, console.DefaultSignupsPerIP)
	taken := uniqueEmail("cap-taken")
	for i := 1; i <= console.DefaultSignupsPerIP; i++ {
		email := uniqueEmail("cap")
		if i == 1 {
			email = taken
		}
		c.browser(t).signup(email)
		if i == 1 {
			// A sign-up that makes no account (a taken email) does not count.
			b := c.browser(t)
			b.get("/console/signup")
			p := b.post("/console/signup", "name", "Eve", "company", "Again", "email", taken, "password", "correct horse battery")
			require.Equal(t, http.StatusBadRequest, p.Status, p.Text())
		}
	}
	over := uniqueEmail("cap-over")
	b := c.browser(t)
	b.get("/console/signup")
	p := b.post("/console/signup", "name", "Mallory", "company", "One Too Many", "email", over, "password", "correct horse battery")
	assert.Equal(t, http.StatusTooManyRequests, p.Status)
	assert.Regexp(t, `RATE_LIMIT_EXCEEDED Too many accounts were created from your network recently\. Try again in \d+ minutes?, or ask your team's owner to invite you\.`, p.Text())
	assert.NotEmpty(t, p.Header.Get("Retry-After"))
	assert.NotContains(t, b.Cookies, sessionCookieName)
	_, err := c.store.GetUser(context.Background(), over)
	assert.ErrorIs(t, err, accountstore.ErrNoUser, "nothing was made")

	// The next hour lets the address make accounts again.
	c.clock.Advance(time.Hour)
	b.get("/console/signup")
	p = b.post("/console/signup", "name", "Mallory", "company", "Next Hour", "email", over, "password", "correct horse battery")
	assert.Equal(t, http.StatusOK, p.Status, p.Text())
	assert.Contains(t, p.Text(), "Welcome to HAPI Hub")
}

// countPasswordChecks makes the console count its argon2 password checks in n.
func countPasswordChecks(n *atomic.Int64) func(o *console.Options) {
	return func(o *console.Options) {
		o.CheckPassword = func(phc, password string) bool { n.Add(1); return web.CheckPassword(phc, password) }
	}
}
