// Package consoletest is a minimal browser for the console's server-rendered pages, shared by the
// console's tests and the local runner's (its one-time sign-in link). Not used by the functions.
package consoletest

import (
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// Browser keeps cookies by name (Secure ones too, as Chrome does on localhost), follows
// redirects and posts forms with the CSRF token of the last page shown.
type Browser struct {
	T    testing.TB
	Base string // the server's URL, before every path
	// Cookies are the cookies held; SetCookies the Set-Cookie headers of the last call, to check
	// their flags.
	Cookies    map[string]*http.Cookie
	SetCookies []*http.Cookie
	Page       *Page // the last page shown
}

// Page is a response after its redirects.
type Page struct {
	Status int
	URL    string // request URI of the final response
	Body   string
	Header http.Header
}

// New is a browser with no cookies on the server at base.
func New(t testing.TB, base string) *Browser {
	return &Browser{T: t, Base: base, Cookies: map[string]*http.Cookie{}}
}

// Cookie is the value of the cookie held under name ("" when none).
func (b *Browser) Cookie(name string) string {
	if c := b.Cookies[name]; c != nil {
		return c.Value
	}
	return ""
}

// Do sends one request (a form when form is not nil; header is name, value pairs) and follows
// its redirects with GETs.
func (b *Browser) Do(method, path string, form url.Values, header ...string) *Page {
	b.T.Helper()
	b.SetCookies = nil
	for range 5 {
		var body io.Reader
		if form != nil {
			body = strings.NewReader(form.Encode())
		}
		req, err := http.NewRequest(method, b.Base+path, body)
		require.NoError(b.T, err)
		if form != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		for _, ck := range b.Cookies {
			req.AddCookie(&http.Cookie{Name: ck.Name, Value: ck.Value})
		}
		resp, err := http.DefaultTransport.RoundTrip(req)
		require.NoError(b.T, err)
		raw, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		require.NoError(b.T, err)
		for _, ck := range resp.Cookies() {
			b.SetCookies = append(b.SetCookies, ck)
			if ck.MaxAge < 0 || ck.Value == "" {
				delete(b.Cookies, ck.Name)
			} else {
				b.Cookies[ck.Name] = ck
			}
		}
		if resp.StatusCode == http.StatusFound || resp.StatusCode == http.StatusSeeOther {
			path, method, form, header = resp.Header.Get("Location"), http.MethodGet, nil, nil
			continue
		}
		b.Page = &Page{Status: resp.StatusCode, URL: req.URL.RequestURI(), Body: string(raw), Header: resp.Header}
		return b.Page
	}
	b.T.Fatalf("too many redirects at %s", path)
	return nil
}

// Get shows path.
func (b *Browser) Get(path string) *Page { b.T.Helper(); return b.Do(http.MethodGet, path, nil) }

// CSRFRe finds a form's CSRF token in a page.
var CSRFRe = regexp.MustCompile(`name="csrf" value="([^"]*)"`)

// Post sends a form of fields (name, value pairs) with the last page's CSRF token.
func (b *Browser) Post(path string, fields []string, header ...string) *Page {
	b.T.Helper()
	form := url.Values{}
	if b.Page != nil {
		if m := CSRFRe.FindStringSubmatch(b.Page.Body); m != nil {
			form.Set("csrf", html.UnescapeString(m[1]))
		}
	}
	for i := 0; i+1 < len(fields); i += 2 {
		form.Set(fields[i], fields[i+1])
	}
	return b.Do(http.MethodPost, path, form, header...)
}

// Text is the page's visible text, roughly: tags removed, entities decoded, spaces collapsed.
func (p *Page) Text() string {
	s := tagRe.ReplaceAllString(p.Body, " ")
	return strings.Join(strings.Fields(html.UnescapeString(s)), " ")
}

var tagRe = regexp.MustCompile(`(?s)<script.*?</script>|<[^>]*>`)
