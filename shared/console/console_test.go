package console_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/infra/localtest"
	"github.com/hapihub/hapihub/infra/testclock"
	"github.com/hapihub/hapihub/shared/accounts"
	"github.com/hapihub/hapihub/shared/app/sandboxworker"
	"github.com/hapihub/hapihub/shared/console"
	"github.com/hapihub/hapihub/shared/console/consoletest"
	"github.com/hapihub/hapihub/shared/sandbox"
	"github.com/hapihub/hapihub/shared/store"
	"github.com/hapihub/hapihub/shared/store/accountstore"
)

func TestMain(m *testing.M) { os.Exit(localtest.Main(m)) }

// tinySandbox keeps sign-ups fast: the console's tests need St. Mungo's to exist, not to be big.
var tinySandbox = sandbox.Sizes{Patients: 5, Practitioners: 2, Appointments: 3, Messages: 2, Invoices: 2}

type smallAccounts struct {
	st  *store.Store
	reg accounts.Registrar // the local platform's API Gateway: keys it does not know get 403
}

// CreateAccount creates the account and fills its sandbox in the request (the deployed console
// queues the seeding instead: shared/app/consolefn).
func (a smallAccounts) CreateAccount(ctx context.Context, name string) (string, error) {
	c, err := sandbox.CreateAccount(sandbox.WithSizes(ctx, tinySandbox), a.st, accounts.Options{Name: name, UsageKeys: a.reg}, 0)
	if err != nil {
		return "", fmt.Errorf("console: create account: %w", err)
	}
	return c.Account.ID, nil
}

// consoleEnv is the console served by httptest, calling the shared local platform's API.
type consoleEnv struct {
	env      *localtest.Env
	srv      *httptest.Server
	clock    *testclock.Clock
	store    *store.Store
	identity *countingIdentity
}

func newConsole(t *testing.T) *consoleEnv { t.Helper(); return newConsoleServing(t, nil) }

// newConsoleServing is newConsole whose server runs serve(handler) (nil: the handler itself),
// for tests that count or wrap what the handler does.
func newConsoleServing(t *testing.T, serve func(h *console.Handler) http.Handler) *consoleEnv {
	t.Helper()
	return newConsoleWith(t, nil, serve)
}

// newConsoleWith is newConsoleServing whose options opts may change first.
func newConsoleWith(t *testing.T, opts func(o *console.Options), serve func(h *console.Handler) http.Handler) *consoleEnv {
	t.Helper()
	env := localtest.Shared(t)
	clock := testclock.New(time.Now())
	// The console's identity store reads the test clock (session expiry); the API keeps real time.
	st := *env.Store
	st.Now = clock.Now
	id := &countingIdentity{Store: &st}
	// No sign-up cap unless a test asks for one: the tests sign up many accounts from 127.0.0.1.
	reg, err := sandboxworker.UsageKeys(context.Background(), env.Stack.Config)
	require.NoError(t, err)
	o := console.Options{Identity: id, Accounts: smallAccounts{&st, reg}, Now: clock.Now, APIURL: env.URL, HTTPClient: env.Client, SignupsPerIP: -1}
	if opts != nil {
		opts(&o)
	}
	h, err := console.New(o)
	require.NoError(t, err)
	var served http.Handler = h
	if serve != nil {
		served = serve(h)
	}
	srv := httptest.NewServer(served)
	t.Cleanup(srv.Close)
	return &consoleEnv{env: env, srv: srv, clock: clock, store: &st, identity: id}
}

// countingIdentity counts user reads: a login refused by the rate limit must not read the user
// (nor check a password).
type countingIdentity struct {
	*store.Store
	userReads atomic.Int64
}

func (c *countingIdentity) GetUser(ctx context.Context, email string) (accountstore.User, error) {
	c.userReads.Add(1)
	return c.Store.GetUser(ctx, email)
}

var emailSeq atomic.Int64

// uniqueEmail keeps tests on the shared platform apart.
func uniqueEmail(who string) string {
	return who + "-" + time.Now().Format("150405.000000") + "-" + strings.Repeat("x", int(emailSeq.Add(1))%3) + "@example.com"
}

// browser is consoletest's browser on this console, with its account steps.
type browser struct {
	*consoletest.Browser
	t *testing.T
	c *consoleEnv
}

type webPage = consoletest.Page

var csrfRe = consoletest.CSRFRe

func (c *consoleEnv) browser(t *testing.T) *browser {
	return &browser{Browser: consoletest.New(t, c.srv.URL), t: t, c: c}
}

func (b *browser) do(method, path string, form url.Values, header ...string) *webPage {
	b.t.Helper()
	return b.Do(method, path, form, header...)
}

func (b *browser) get(path string) *webPage { b.t.Helper(); return b.Get(path) }

// post sends a form with the CSRF token of the last page shown.
func (b *browser) post(path string, fields ...string) *webPage {
	b.t.Helper()
	return b.Post(path, fields)
}

func (b *browser) signup(email string) *webPage {
	b.t.Helper()
	b.get("/console/signup")
	p := b.post("/console/signup", "name", "Ada Lovelace", "company", "Analytical Clinics", "email", email, "password", "correct horse battery")
	require.Equal(b.t, http.StatusOK, p.Status, p.Body)
	return p
}

func (b *browser) login(email, password string) *webPage {
	b.t.Helper()
	b.get("/console/login")
	return b.post("/console/login", "email", email, "password", password)
}

var secretRe = regexp.MustCompile(`(sk|rk)_(test|live)_[0-9A-Za-z]{32}`)

func TestSignupHomeKeysLogout(t *testing.T) {
	c := newConsole(t)
	b := c.browser(t)
	email := uniqueEmail("owner")
	home := b.signup(email)

	var session *http.Cookie
	for _, ck := range b.SetCookies {
		if ck.Name == sessionCookieName {
			session = ck
		}
	}
	require.NotNil(t, session, "sign-up sets the session cookie")
	assert.True(t, session.Secure, "Secure")
	assert.True(t, session.HttpOnly, "HttpOnly")
	assert.Equal(t, http.SameSiteLaxMode, session.SameSite)
	assert.Equal(t, "/", session.Path)
	assert.Equal(t, int((12 * time.Hour).Seconds()), session.MaxAge)

	assert.Equal(t, "/console/", home.URL)
	assert.Contains(t, home.Text(), "Welcome to HAPI Hub")
	assert.Contains(t, home.Text(), "Analytical Clinics")
	key := secretRe.FindString(home.Body)
	require.NotEmpty(t, key, "home shows the test secret key")
	assert.True(t, strings.HasPrefix(key, "sk_test_"), key)
	assert.Contains(t, home.Text(), "curl '"+c.env.URL+"/patients?$limit=3' -H 'Authorization: Bearer "+key+"'")

	// The key works on the API: the curl line lists the new account's sandbox.
	r := c.env.Do(t, http.MethodGet, "/patients?$limit=3", key, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	assert.Len(t, r.JSON(t)["data"], 3)

	// The keys page lists the account's keys, read through the API with the session's key.
	keys := b.get("/console/keys")
	require.Equal(t, http.StatusOK, keys.Status, keys.Text())
	listed := c.env.Do(t, http.MethodGet, "/api-keys", key, nil).JSON(t)["data"].([]any)
	require.Len(t, listed, 2, "a new account has a secret and a publishable test key")
	for _, k := range listed {
		k := k.(map[string]any)
		assert.Contains(t, keys.Body, k["secret"].(string), "the page shows %s redacted as the API does", k["id"])
	}
	assert.NotContains(t, keys.Body, key, "the test secret is shown only when revealed")
	id := listed[0].(map[string]any)["id"].(string)
	if listed[0].(map[string]any)["type"] != "secret" {
		id = listed[1].(map[string]any)["id"].(string)
	}
	assert.Contains(t, b.get("/console/keys?reveal="+id).Body, key, "reveal shows the test secret in full")

	// A restricted key with a permission grid: read on patients, write on appointments.
	created := b.post("/console/keys", "name", "Reporting job", "perm.patients", "read", "perm.appointments", "write", "perm.invoices", "none")
	require.Equal(t, http.StatusOK, created.Status, created.Text())
	rk := secretRe.FindString(created.Body[strings.Index(created.Body, `id="shown"`):])
	require.True(t, strings.HasPrefix(rk, "rk_test_"), "the new key's secret is shown: %q", rk)
	assert.Contains(t, created.Text(), "Copy its secret now")
	assert.Equal(t, http.StatusOK, c.env.Do(t, http.MethodGet, "/patients?$limit=1", rk, nil).Status, "read on patients")
	assert.Equal(t, http.StatusForbidden, c.env.Do(t, http.MethodGet, "/invoices?$limit=1", rk, nil).Status, "none on invoices")
	var rkID string
	for _, k := range c.env.Do(t, http.MethodGet, "/api-keys", key, nil).JSON(t)["data"].([]any) {
		if k := k.(map[string]any); k["type"] == "restricted" {
			rkID = k["id"].(string)
			assert.Equal(t, map[string]any{"patients": "read", "appointments": "write"}, k["permissions"])
		}
	}
	require.NotEmpty(t, rkID)

	// Its note, then a revoke.
	b.post("/console/keys/"+rkID+"/note", "note", "Vault: reporting/hapihub")
	assert.Contains(t, b.Page.Text(), "Note saved")
	assert.Contains(t, b.Page.Text(), "Vault: reporting/hapihub")
	b.post("/console/keys/" + rkID + "/revoke")
	assert.Contains(t, b.Page.Text(), "Key revoked")
	assert.Equal(t, http.StatusUnauthorized, c.env.Do(t, http.MethodGet, "/patients?$limit=1", rk, nil).Status, "a revoked key is refused")

	// No permission at all: refused in place before the API is asked.
	none := b.post("/console/keys", "name", "Nothing")
	assert.Equal(t, http.StatusBadRequest, none.Status)
	assert.Contains(t, none.Text(), "give the key read or write on at least one resource")

	b.post("/console/logout")
	assert.Equal(t, "/console/login", b.Page.URL)
	assert.Contains(t, b.Page.Text(), "You are logged out")
	assert.Equal(t, "/console/login?next=%2F", b.get("/console/").URL, "after logout the console asks to log in")
}

func TestLoginRateLimit(t *testing.T) {
	c := newConsole(t)
	email := uniqueEmail("limited")
	c.browser(t).signup(email)
	b := c.browser(t)
	for i := 1; i <= 5; i++ {
		p := b.login(email, "wrong password "+strings.Repeat("!", i))
		require.Equal(t, http.StatusUnauthorized, p.Status, "attempt %d", i)
		assert.Contains(t, p.Text(), "do not match")
	}
	// The 6th attempt is refused even with the right password: it is not checked at all.
	reads := c.identity.userReads.Load()
	p := b.login(email, "correct horse battery")
	assert.Equal(t, reads, c.identity.userReads.Load(), "the user is not even read")
	assert.Equal(t, http.StatusTooManyRequests, p.Status)
	assert.Regexp(t, `RATE_LIMIT_EXCEEDED Too many attempts, try again in \d+ minutes?\.`, p.Text())
	assert.NotEmpty(t, p.Header.Get("Retry-After"))
	assert.NotContains(t, b.Cookies, sessionCookieName)

	// The next window lets the member in.
	c.clock.Advance(15 * time.Minute)
	p = b.login(email, "correct horse battery")
	assert.Equal(t, http.StatusOK, p.Status, p.Text())
	assert.Equal(t, "/console/", p.URL)
}

func TestCSRF(t *testing.T) {
	c := newConsole(t)
	b := c.browser(t)
	b.signup(uniqueEmail("csrf"))
	good := csrfRe.FindStringSubmatch(b.Page.Body)[1]
	cases := []struct {
		name   string
		form   url.Values
		header []string
		want   int
	}{
		{"no token", url.Values{"mode": {"live"}}, nil, http.StatusForbidden},
		{"a wrong token", url.Values{"mode": {"live"}, "csrf": {"x" + good}}, nil, http.StatusForbidden},
		{"the right token from another site", url.Values{"mode": {"live"}, "csrf": {good}}, []string{"Origin", "https://evil.example"}, http.StatusForbidden},
		{"the right token, cross-site fetch", url.Values{"mode": {"live"}, "csrf": {good}}, []string{"Sec-Fetch-Site", "cross-site"}, http.StatusForbidden},
		{"the right token", url.Values{"mode": {"live"}, "csrf": {good}, "back": {"/"}}, nil, http.StatusOK},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := b.do(http.MethodPost, "/console/mode", tc.form, tc.header...)
			assert.Equal(t, tc.want, p.Status)
			if tc.want == http.StatusForbidden {
				assert.Contains(t, p.Text(), "This form expired or was sent from another site")
			} else {
				assert.Contains(t, p.Text(), "Live data", "the mode switched")
			}
		})
	}
	// Before login the double-submit cookie guards the forms.
	anon := c.browser(t)
	p := anon.do(http.MethodPost, "/console/login", url.Values{"email": {"a@example.com"}, "password": {"x"}, "csrf": {"forged"}})
	assert.Equal(t, http.StatusForbidden, p.Status)
}

func TestInviteFlow(t *testing.T) {
	c := newConsole(t)
	owner := c.browser(t)
	owner.signup(uniqueEmail("owner"))
	viewerEmail := uniqueEmail("viewer")

	p := owner.get("/console/members")
	require.Equal(t, http.StatusOK, p.Status)
	p = owner.post("/console/members/invite", "email", viewerEmail, "role", "viewer")
	require.Equal(t, http.StatusOK, p.Status, p.Text())
	link := regexp.MustCompile(`http://[^"<\s]+/console/invite/[A-Za-z0-9_-]{43}`).FindString(p.Body)
	require.NotEmpty(t, link, "the one-time link is shown")
	path := strings.TrimPrefix(link, c.srv.URL)
	assert.NotContains(t, owner.get("/console/members").Body, path, "the link is shown once")

	viewer := c.browser(t)
	p = viewer.get(path)
	require.Equal(t, http.StatusOK, p.Status, p.Text())
	assert.Contains(t, p.Text(), "Join Analytical Clinics")
	assert.Contains(t, p.Text(), "invited as viewer")
	p = viewer.post(path, "name", "Grace Hopper", "password", "short")
	assert.Equal(t, http.StatusBadRequest, p.Status)
	assert.Contains(t, p.Text(), "must be at least 10 characters")
	p = viewer.post(path, "name", "Grace Hopper", "password", "a long enough password")
	require.Equal(t, http.StatusOK, p.Status, p.Text())
	assert.Equal(t, "/console/", p.URL)
	assert.Contains(t, p.Text(), "you joined as viewer")
	assert.Contains(t, p.Text(), "Your role cannot see API keys", "a viewer's restricted key cannot list keys")

	// The link works once.
	again := c.browser(t)
	p = again.get(path)
	assert.Equal(t, http.StatusNotFound, p.Status)
	assert.Contains(t, p.Text(), "already used, has expired, or never existed")

	// The viewer sees the members but cannot change them, and cannot create keys: the API says so in place.
	p = viewer.get("/console/members")
	assert.Contains(t, p.Text(), viewerEmail)
	assert.Contains(t, p.Text(), "Only owners can invite")
	p = viewer.post("/console/members/invite", "email", uniqueEmail("x"), "role", "owner")
	assert.Equal(t, http.StatusForbidden, p.Status)
	p = viewer.get("/console/keys")
	assert.Contains(t, p.Text(), "Your role cannot manage keys")
	p = viewer.post("/console/keys", "name", "Sneaky", "perm.patients", "write")
	assert.Equal(t, http.StatusForbidden, p.Status)
	assert.Regexp(t, `PERMISSIONS_ERROR .*api-keys`, p.Text())

	// The owner makes the viewer a developer: the viewer's session ends; after logging in again
	// the developer's test key is a secret key.
	owner.get("/console/members")
	p = owner.post("/console/members/role", "email", viewerEmail, "role", "developer")
	assert.Contains(t, p.Text(), "Role changed")
	p = viewer.get("/console/keys")
	assert.Equal(t, "/console/login?next=%2Fkeys", p.URL)
	assert.Contains(t, p.Text(), "Your membership changed")
	p = viewer.post("/console/login", "email", viewerEmail, "password", "a long enough password", "next", "/keys")
	assert.Equal(t, "/console/keys", p.URL, "back where the login began")
	assert.Contains(t, p.Text(), "Create a restricted key")

	// The last owner cannot be removed.
	owner.get("/console/members")
	var ownerEmail string
	for _, m := range regexp.MustCompile(`owner-[^"<\s]+@example\.com`).FindAllString(owner.Page.Body, -1) {
		ownerEmail = m
	}
	p = owner.post("/console/members/remove", "email", ownerEmail)
	assert.Equal(t, http.StatusConflict, p.Status)
	assert.Contains(t, p.Text(), "at least one owner")
}

func TestSessionExpiry(t *testing.T) {
	c := newConsole(t)
	b := c.browser(t)
	b.signup(uniqueEmail("expiry"))
	assert.Equal(t, http.StatusOK, b.get("/console/keys").Status)
	c.clock.Advance(12*time.Hour + time.Second)
	p := b.get("/console/keys")
	assert.Equal(t, "/console/login?next=%2Fkeys", p.URL, "an expired session asks to log in")
}

func TestRoutes(t *testing.T) {
	c := newConsole(t)
	b := c.browser(t)
	b.signup(uniqueEmail("routes"))
	for _, tc := range []struct {
		path string
		want int
	}{
		{"/console/", http.StatusOK},
		{"/console/keys", http.StatusOK},
		{"/console/members", http.StatusOK},
		{"/console/nonexistent", http.StatusNotFound},
	} {
		assert.Equal(t, tc.want, b.get(tc.path).Status, tc.path)
	}
	css := b.get("/console/static/console.css")
	assert.Equal(t, http.StatusOK, css.Status)
	assert.Contains(t, css.Header.Get("Content-Type"), "text/css")
	assert.Equal(t, "public, max-age=3600", css.Header.Get("Cache-Control"))
	assert.Contains(t, css.Body, ".sidebar")
	assert.Equal(t, "no-store", b.get("/console/keys").Header.Get("Cache-Control"), "pages with secrets are not cached")
}
