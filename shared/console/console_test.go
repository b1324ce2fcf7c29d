package console_test

import (
	"context"
	"html"
	"io"
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
	"github.com/hapihub/hapihub/shared/console"
	"github.com/hapihub/hapihub/shared/sandbox"
	"github.com/hapihub/hapihub/shared/store"
)

func TestMain(m *testing.M) { os.Exit(localtest.Main(m)) }

// tinySandbox keeps sign-ups fast: the console's tests need St. Mungo's to exist, not to be big.
var tinySandbox = sandbox.Sizes{Patients: 5, Practitioners: 2, Appointments: 3, Messages: 2, Invoices: 2}

type smallAccounts struct{ st *store.Store }

func (a smallAccounts) CreateAccount(ctx context.Context, name string) (string, error) {
	return console.StoreAccounts{Store: a.st}.CreateAccount(sandbox.WithSizes(ctx, tinySandbox), name)
}

// consoleEnv is the console served by httptest, calling the shared local platform's API.
type consoleEnv struct {
	env   *localtest.Env
	srv   *httptest.Server
	clock *testclock.Clock
	store *store.Store
}

func newConsole(t *testing.T) *consoleEnv {
	t.Helper()
	env := localtest.Shared(t)
	clock := testclock.New(time.Now())
	// The console's identity store reads the test clock (session expiry); the API keeps real time.
	st := *env.Store
	st.Now = clock.Now
	h, err := console.New(console.Options{Identity: &st, Accounts: smallAccounts{&st}, Now: clock.Now, APIURL: env.URL, HTTPClient: env.Client})
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &consoleEnv{env: env, srv: srv, clock: clock, store: &st}
}

var emailSeq atomic.Int64

// uniqueEmail keeps tests on the shared platform apart.
func uniqueEmail(who string) string {
	return who + "-" + time.Now().Format("150405.000000") + "-" + strings.Repeat("x", int(emailSeq.Add(1))%3) + "@example.com"
}

// browser is a minimal browser: it keeps cookies by name (Secure cookies too, as Chrome does on
// localhost), follows redirects, and sends the last page's CSRF token with its forms.
type browser struct {
	t       *testing.T
	c       *consoleEnv
	cookies map[string]*http.Cookie
	// setCookies are the Set-Cookie headers of the last response, to check their flags.
	setCookies []*http.Cookie
	page       *page
}

type page struct {
	Status int
	URL    string // path of the final response
	Body   string
	Header http.Header
}

func (c *consoleEnv) browser(t *testing.T) *browser {
	return &browser{t: t, c: c, cookies: map[string]*http.Cookie{}}
}

func (b *browser) do(method, path string, form url.Values, header ...string) *page {
	b.t.Helper()
	b.setCookies = nil
	for range 5 {
		var body io.Reader
		if form != nil {
			body = strings.NewReader(form.Encode())
		}
		req, err := http.NewRequest(method, b.c.srv.URL+path, body)
		require.NoError(b.t, err)
		if form != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		for _, ck := range b.cookies {
			req.AddCookie(&http.Cookie{Name: ck.Name, Value: ck.Value})
		}
		resp, err := http.DefaultTransport.RoundTrip(req)
		require.NoError(b.t, err)
		raw, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		require.NoError(b.t, err)
		for _, ck := range resp.Cookies() {
			b.setCookies = append(b.setCookies, ck)
			if ck.MaxAge < 0 || ck.Value == "" {
				delete(b.cookies, ck.Name)
			} else {
				b.cookies[ck.Name] = ck
			}
		}
		if resp.StatusCode == http.StatusFound || resp.StatusCode == http.StatusSeeOther {
			path, method, form, header = resp.Header.Get("Location"), http.MethodGet, nil, nil
			continue
		}
		b.page = &page{Status: resp.StatusCode, URL: req.URL.RequestURI(), Body: string(raw), Header: resp.Header}
		return b.page
	}
	b.t.Fatalf("too many redirects at %s", path)
	return nil
}

func (b *browser) get(path string) *page { b.t.Helper(); return b.do(http.MethodGet, path, nil) }

var csrfRe = regexp.MustCompile(`name="csrf" value="([^"]*)"`)

// post sends a form with the CSRF token of the last page shown.
func (b *browser) post(path string, fields ...string) *page {
	b.t.Helper()
	form := url.Values{}
	if b.page != nil {
		if m := csrfRe.FindStringSubmatch(b.page.Body); m != nil {
			form.Set("csrf", html.UnescapeString(m[1]))
		}
	}
	for i := 0; i+1 < len(fields); i += 2 {
		form.Set(fields[i], fields[i+1])
	}
	return b.do(http.MethodPost, path, form)
}

func (b *browser) signup(email string) *page {
	b.t.Helper()
	b.get("/console/signup")
	p := b.post("/console/signup", "name", "Ada Lovelace", "company", "Analytical Clinics", "email", email, "password", "correct horse battery")
	require.Equal(b.t, http.StatusOK, p.Status, p.Body)
	return p
}

func (b *browser) login(email, password string) *page {
	b.t.Helper()
	b.get("/console/login")
	return b.post("/console/login", "email", email, "password", password)
}

// text is a page's visible text, roughly: tags removed, entities decoded, spaces collapsed.
func (p *page) text() string {
	s := regexp.MustCompile(`(?s)<script.*?</script>|<[^>]*>`).ReplaceAllString(p.Body, " ")
	return strings.Join(strings.Fields(html.UnescapeString(s)), " ")
}

var secretRe = regexp.MustCompile(`(sk|rk)_(test|live)_[0-9A-Za-z]{32}`)

func TestSignupHomeKeysLogout(t *testing.T) {
	c := newConsole(t)
	b := c.browser(t)
	email := uniqueEmail("owner")
	home := b.signup(email)

	var session *http.Cookie
	for _, ck := range b.setCookies {
		if ck.Name == "hh_session" {
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
	assert.Contains(t, home.text(), "Welcome to HAPI Hub")
	assert.Contains(t, home.text(), "Analytical Clinics")
	key := secretRe.FindString(home.Body)
	require.NotEmpty(t, key, "home shows the test secret key")
	assert.True(t, strings.HasPrefix(key, "sk_test_"), key)
	assert.Contains(t, home.text(), "curl '"+c.env.URL+"/patients?$limit=3' -H 'Authorization: Bearer "+key+"'")

	// The key works on the API: the curl line lists the new account's sandbox.
	r := c.env.Do(t, http.MethodGet, "/patients?$limit=3", key, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	assert.Len(t, r.JSON(t)["data"], 3)

	b.post("/console/logout")
	assert.Equal(t, "/console/login", b.page.URL)
	assert.Contains(t, b.page.text(), "You are logged out")
	assert.Equal(t, "/console/login?next=%2F", b.get("/console/").URL, "after logout the console asks to log in")
}
