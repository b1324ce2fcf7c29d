package console_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/sdk/go/hapihub"
)

// Helpers the page tests and the browser test share: accounts and members made through the
// console, the ids a page links to, and a developer's webhook endpoint.

// The console's cookies, as a browser sees them: __Host- names, since they are Secure.
const (
	sessionCookieName = "__Host-hh_session"
	csrfCookieName    = "__Host-hh_csrf"
	flashCookieName   = "__Host-hh_flash"
)

// ownerWithKey signs an owner up and returns its browser and the account's test secret key
// (shown on the home page), to compare the console's pages with what the API answers.
func ownerWithKey(t *testing.T, c *consoleEnv, who string) (*browser, string) {
	t.Helper()
	b := c.browser(t)
	home := b.signup(uniqueEmail(who))
	key := secretRe.FindString(home.Body)
	require.True(t, strings.HasPrefix(key, "sk_test_"), "home shows the test key: %q", key)
	return b, key
}

var inviteLinkRe = regexp.MustCompile(`http://[^"<\s]+/console/invite/[A-Za-z0-9_-]{43}`)

// joinAs invites a member with role to the owner's account, joins through the invite's link
// and returns the member's browser.
func joinAs(t *testing.T, c *consoleEnv, owner *browser, role string) *browser {
	t.Helper()
	owner.get("/console/members")
	p := owner.post("/console/members/invite", "email", uniqueEmail(role), "role", role)
	require.Equal(t, http.StatusOK, p.Status, p.Text())
	link := inviteLinkRe.FindString(p.Body)
	require.NotEmpty(t, link, p.Text())
	m := c.browser(t)
	path := strings.TrimPrefix(link, c.srv.URL)
	m.get(path)
	p = m.post(path, "name", "Member "+role, "password", "a long enough password")
	require.Equal(t, http.StatusOK, p.Status, p.Text())
	return m
}

// linkedIDs are the ids a page links to, in order of first appearance: the first group of
// link, a pattern such as `/console/logs/(req_[0-9A-Za-z]{26})`.
func linkedIDs(body, link string) []string {
	var out []string
	seen := map[string]bool{}
	for _, m := range regexp.MustCompile(link).FindAllStringSubmatch(body, -1) {
		if !seen[m[1]] {
			seen[m[1]] = true
			out = append(out, m[1])
		}
	}
	return out
}

// hook is a developer's webhook endpoint: an HTTP server that records every request it gets.
type hook struct {
	srv    *httptest.Server
	mu     sync.Mutex
	got    []hookRequest
	body   string // what it answers
	status int    // its status code (default 200)
}

type hookRequest struct {
	Header http.Header
	Body   []byte
}

// newHook is an endpoint that acknowledges with {"received":true}.
func newHook(t *testing.T) *hook { return newHookAnswering(t, `{"received":true}`) }

// newHookAnswering is an endpoint that answers body (as JSON when it is JSON).
func newHookAnswering(t *testing.T, body string) *hook {
	h := &hook{body: body}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		h.mu.Lock()
		h.got = append(h.got, hookRequest{Header: r.Header.Clone(), Body: b})
		h.mu.Unlock()
		if json.Valid([]byte(h.body)) {
			w.Header().Set("Content-Type", "application/json")
		}
		if h.status != 0 {
			w.WriteHeader(h.status)
		}
		_, _ = io.WriteString(w, h.body)
	}))
	t.Cleanup(h.srv.Close)
	return h
}

// requests returns what the endpoint received so far.
func (h *hook) requests() []hookRequest {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]hookRequest(nil), h.got...)
}

// eventOf finds the received request carrying an event of type typ about object id (any object
// when id is empty).
func (h *hook) eventOf(typ, id string) (hookRequest, map[string]any, bool) {
	for _, r := range h.requests() {
		var ev map[string]any
		if json.Unmarshal(r.Body, &ev) != nil || ev["type"] != typ {
			continue
		}
		if id == "" {
			return r, ev, true
		}
		if data, ok := ev["data"].(map[string]any); ok {
			if obj, ok := data["object"].(map[string]any); ok && obj["id"] == id {
				return r, ev, true
			}
		}
	}
	return hookRequest{}, nil, false
}

// waitFor waits (briefly) for a request whose event matches, and returns it with its event.
func (h *hook) waitFor(t *testing.T, match func(hapihub.Event) bool) (hookRequest, hapihub.Event) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		for _, r := range h.requests() {
			var ev hapihub.Event
			if json.Unmarshal(r.Body, &ev) == nil && match(ev) {
				return r, ev
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no matching delivery arrived at the receiver")
	return hookRequest{}, hapihub.Event{}
}

// count is how many times the event with id was delivered.
func (h *hook) count(eventID string) int {
	n := 0
	for _, r := range h.requests() {
		var ev hapihub.Event
		if json.Unmarshal(r.Body, &ev) == nil && ev.ID == eventID {
			n++
		}
	}
	return n
}
