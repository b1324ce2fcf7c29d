package runner_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/infra/browsertest"
	"github.com/hapihub/hapihub/infra/dynamo"
	"github.com/hapihub/hapihub/infra/dynamo/dynamotest"
	"github.com/hapihub/hapihub/infra/local"
	"github.com/hapihub/hapihub/infra/local/runner"
	"github.com/hapihub/hapihub/infra/localtest"
	"github.com/hapihub/hapihub/infra/template"
	"github.com/hapihub/hapihub/shared/app/backend"
	"github.com/hapihub/hapihub/shared/console/consoletest"
	"github.com/hapihub/hapihub/shared/sandbox"
	"github.com/hapihub/hapihub/shared/store/accountstore"
)

// tiny: these tests are about the console's way in, not St. Mungo's data.
var tiny = sandbox.Sizes{Patients: 3, Practitioners: 1, Appointments: 2, Messages: 1, Invoices: 1}

// links records the sign-in links the runner issues (what make run keeps in its data directory).
type links struct {
	mu  sync.Mutex
	all []string
}

func (l *links) add(link string) { l.mu.Lock(); defer l.mu.Unlock(); l.all = append(l.all, link) }
func (l *links) list() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.all...)
}

// startSignIn starts a local platform of its own and its sign-in links.
func startSignIn(t *testing.T) (*localtest.Env, string, *links) {
	t.Helper()
	env := localtest.New(t, localtest.Options{Sizes: tiny})
	issued := &links{}
	link, err := env.Stack.SignIn.Start(env.URL, issued.add)
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(link, env.URL+"/console/local-sign-in/"), link)
	require.Equal(t, []string{link}, issued.list(), "the first link is handed to the runner's file too")
	return env, link, issued
}

// browser is consoletest's browser, which can tell whether it holds a session.
type browser struct{ *consoletest.Browser }

func newBrowser(t *testing.T, base string) *browser { return &browser{consoletest.New(t, base)} }

func (b *browser) loggedIn() bool { return b.Cookie("__Host-hh_session") != "" }

var (
	liveSecretRe = regexp.MustCompile(`sk_live_[0-9A-Za-z]{20,}`)
	rollFormRe   = regexp.MustCompile(`/console/keys/(key_[0-9A-Za-z]+)/roll`)
)

// make run's local account has no password anyone knows: the one-time link the runner prints
// signs in as its owner, who can then roll the live key in the console as any owner can. The link
// works once (a second use, even from a page opened before, is refused), a GET uses nothing up,
// a cross-site POST is refused, and every use issues the next link for make console-link.
func TestLocalSignInLinkRollsTheLiveKey(t *testing.T) {
	env, link, issued := startSignIn(t)
	path := strings.TrimPrefix(link, env.URL)

	b := newBrowser(t, env.URL)
	p := b.Get("/console/local-sign-in/" + strings.Repeat("A", 43))
	assert.Equal(t, http.StatusNotFound, p.Status, "a token the runner did not issue")
	assert.Contains(t, p.Body, "already used")

	p = b.Get(path)
	require.Equal(t, http.StatusOK, p.Status, p.Body)
	assert.Contains(t, p.Body, runner.LocalOwnerEmail)
	assert.False(t, b.loggedIn(), "showing the link's page signs nobody in")
	other := newBrowser(t, env.URL) // opens the same link before it is used
	require.Equal(t, http.StatusOK, other.Get(path).Status)

	p = b.Post(path, nil, "Sec-Fetch-Site", "cross-site")
	assert.Equal(t, http.StatusForbidden, p.Status, "a cross-site POST")
	assert.False(t, b.loggedIn())
	require.Equal(t, http.StatusOK, b.Get(path).Status, "the refused POST did not use the link up")

	p = b.Post(path, nil)
	require.Equal(t, http.StatusOK, p.Status, p.Body)
	assert.Equal(t, "/console/", p.URL, "signed in, the home page")
	assert.True(t, b.loggedIn())
	assert.Contains(t, p.Body, "Signed in to")

	p = other.Post(path, nil)
	assert.Equal(t, http.StatusNotFound, p.Status, "the link works once")
	assert.False(t, other.loggedIn())
	next := issued.list()
	require.Len(t, next, 2, "using the link issues the next one")
	assert.NotEqual(t, link, next[1])
	assert.Equal(t, http.StatusOK, other.Get(strings.TrimPrefix(next[1], env.URL)).Status, "the next link works")

	p = b.Get("/console/members")
	require.Equal(t, http.StatusOK, p.Status)
	assert.Regexp(t, `(?s)`+regexp.QuoteMeta(runner.LocalOwnerEmail)+`.*owner`, p.Body, "the local owner is listed as an owner")

	// Live mode: the owner rolls the live secret key the first start printed, blocking it now.
	p = b.Post("/console/mode", []string{"mode", "live", "back", "/keys"})
	require.Equal(t, http.StatusOK, p.Status, p.Body)
	require.Contains(t, p.Body, "live mode")
	list := env.Do(t, "GET", "/api-keys", env.LiveKey, nil)
	require.Equal(t, http.StatusOK, list.Status, string(list.Body))
	var liveSecret string
	for _, k := range list.JSON(t)["data"].([]any) {
		k := k.(map[string]any)
		if k["type"] == "secret" && k["status"] == "active" {
			liveSecret = k["id"].(string)
		}
	}
	require.NotEmpty(t, liveSecret)
	require.Contains(t, rollFormRe.FindAllStringSubmatch(p.Body, -1), []string{"/console/keys/" + liveSecret + "/roll", liveSecret},
		"the live secret key has a Roll button")
	p = b.Post("/console/keys/"+liveSecret+"/roll", []string{"grace", "now"})
	require.Equal(t, http.StatusOK, p.Status, p.Body)
	rolled := liveSecretRe.FindString(p.Body)
	require.NotEmpty(t, rolled, "the rolled secret is shown once")
	require.NotEqual(t, env.LiveKey, rolled)
	ok := env.Do(t, "GET", "/organizations", rolled, nil)
	assert.Equal(t, http.StatusOK, ok.Status, string(ok.Body))
	old := env.Do(t, "GET", "/organizations", env.LiveKey, nil)
	assert.Equal(t, http.StatusUnauthorized, old.Status, "the old live key is blocked: %s", old.Body)
}

// The sign-in link is the runner's alone. The same template served by the functions as deployed
// (each main's constructor, runner.AppBuilder) answers 404 to a link the runner's console accepts,
// and no Lambda function links any package of infra/ (where the runner's sign-in lives).
func TestDeployedConsoleHasNoLocalSignIn(t *testing.T) {
	env, link, _ := startSignIn(t)
	path := strings.TrimPrefix(link, env.URL)
	deployed, err := local.New(local.Options{Template: env.Stack.Template, Refs: env.Stack.Refs, Keys: env.Stack.APIGateway,
		Functions: local.NewFunctions(runner.AppBuilder(env.Stack.Template, env.Stack.Config, env.Stack.Refs))})
	require.NoError(t, err)
	srv := httptest.NewServer(deployed)
	t.Cleanup(srv.Close)

	d := newBrowser(t, srv.URL)
	require.Equal(t, http.StatusOK, d.Get("/console/login").Status, "the deployed console serves its pages")
	assert.Equal(t, http.StatusNotFound, d.Get(path).Status, "GET of the link on the deployed console")
	p := d.Post(path, nil)
	assert.Equal(t, http.StatusNotFound, p.Status, "POST of the link on the deployed console")
	assert.False(t, d.loggedIn())
	// The control: the runner's console takes the same link.
	r := newBrowser(t, env.URL)
	require.Equal(t, http.StatusOK, r.Get(path).Status)
	r.Post(path, nil)
	assert.True(t, r.loggedIn(), "the runner's console signs in with the link")

	const mod = "github.com/hapihub/hapihub/"
	cmd := exec.Command("go", "list", "-deps", "./functions/...")
	cmd.Dir = filepath.Join("..", "..", "..")
	out, err := cmd.Output()
	require.NoError(t, err)
	pkgs := strings.Fields(string(out))
	require.Contains(t, pkgs, mod+"shared/console/web", "go list lists the functions' dependencies")
	for _, p := range pkgs {
		assert.False(t, strings.HasPrefix(p, mod+"infra/"), "a Lambda function links %s", p)
	}
}

// Of several sign-ins with one link at once, exactly one signs in: the link is checked and
// replaced in one step.
func TestLocalSignInLinkWorksOnceUnderConcurrentUse(t *testing.T) {
	env, link, issued := startSignIn(t)
	path := strings.TrimPrefix(link, env.URL)
	const n = 6
	bs := make([]*browser, n)
	for i := range bs {
		bs[i] = newBrowser(t, env.URL)
		require.Equal(t, http.StatusOK, bs[i].Get(path).Status)
	}
	var wg sync.WaitGroup
	statuses := make([]int, n)
	for i, b := range bs {
		wg.Go(func() { statuses[i] = b.Post(path, nil).Status })
	}
	wg.Wait()
	in := 0
	for i, b := range bs {
		if b.loggedIn() {
			in++
			assert.Equal(t, http.StatusOK, statuses[i])
		} else {
			assert.Equal(t, http.StatusNotFound, statuses[i])
		}
	}
	assert.Equal(t, 1, in, "signed in with one link: %v", statuses)
	assert.Len(t, issued.list(), 2, "one use, one next link")
}

// The link always leads in: every start makes owner@localhost an owner of the local account
// again, after it was removed or demoted in the console, and it never has a password.
func TestLocalOwnerIsRestoredAtStart(t *testing.T) {
	ctx := sandbox.WithSizes(context.Background(), tiny)
	tpl, err := template.Load(filepath.Join("..", "..", "..", "template.yaml"))
	require.NoError(t, err)
	_, dyn := dynamotest.Start(t, t.TempDir(), dynamo.Options{NoSync: true})
	start := func() *runner.Stack {
		s, err := runner.Start(ctx, runner.Options{Template: tpl, DynamoDBEndpoint: dyn, DataDir: t.TempDir()})
		require.NoError(t, err)
		t.Cleanup(func() { _ = s.Close() })
		return s
	}
	first := start()
	acct := first.Bootstrap.AccountID
	st, err := backend.Store(ctx, first.Config)
	require.NoError(t, err)
	role := func() string {
		m, err := st.GetMembership(ctx, acct, runner.LocalOwnerEmail)
		if errors.Is(err, accountstore.ErrNotMember) {
			return "none"
		}
		require.NoError(t, err)
		return m.Role
	}
	require.Equal(t, accountstore.RoleOwner, role())
	u, err := st.GetUser(ctx, runner.LocalOwnerEmail)
	require.NoError(t, err)
	assert.Empty(t, u.PasswordHash, "no password: the link is the only way in")

	// Another owner removes the local one, then demotes it after the next start put it back.
	require.NoError(t, st.CreateUser(ctx, accountstore.User{ID: "usr_other", Email: "ada@example.com", Name: "Ada"}))
	require.NoError(t, st.AddMember(ctx, accountstore.Membership{Account: acct, Email: "ada@example.com", Role: accountstore.RoleOwner}))
	require.NoError(t, st.RemoveMember(ctx, acct, runner.LocalOwnerEmail))
	require.Equal(t, "none", role())
	second := start()
	assert.False(t, second.Bootstrap.Created, "the same local account")
	assert.Equal(t, accountstore.RoleOwner, role(), "a start makes it a member again")
	_, err = st.SetMemberRole(ctx, acct, runner.LocalOwnerEmail, accountstore.RoleViewer)
	require.NoError(t, err)
	start()
	assert.Equal(t, accountstore.RoleOwner, role(), "a start makes it an owner again")
}

// In a real Chromium (skipped without one): the printed link's page and its Sign in button lead to
// the local account's home page, its Secure session and CSRF cookies taken on the plain-HTTP
// loopback address; the link then no longer works.
func TestBrowserSignInLink(t *testing.T) {
	env, link, _ := startSignIn(t)
	ctx := browsertest.Start(t)
	browsertest.Open(t, ctx, link)
	browsertest.WaitText(t, ctx, runner.LocalOwnerEmail)
	assert.Equal(t, http.StatusOK, browsertest.Submit(t, ctx, "Sign in"))
	browsertest.WaitText(t, ctx, "Signed in to")
	browsertest.WaitText(t, ctx, env.TestKey) // the home page of the local account shows its test key
	assert.Equal(t, env.URL+"/console/", browsertest.Location(t, ctx))
	browsertest.Open(t, ctx, link)
	browsertest.WaitText(t, ctx, "already used")
}
