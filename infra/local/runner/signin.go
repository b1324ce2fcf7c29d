package runner

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/hapihub/hapihub/shared/console"
	"github.com/hapihub/hapihub/shared/console/web"
	"github.com/hapihub/hapihub/shared/store"
	"github.com/hapihub/hapihub/shared/store/accountstore"
	"github.com/hapihub/hapihub/shared/store/core"
)

// The local account's console login (docs/console.md, "The local account's sign-in link"). The
// local account is made by the runner, not by a sign-up, so nobody has its password: instead the
// runner prints a one-time sign-in link on every start (and keeps a fresh one in the data
// directory for `make console-link`), as Jupyter prints its token URL and PocketBase its
// first-superuser link. The link signs in as LocalOwnerEmail, an owner of the local account, who
// can then do what any owner does (roll the live key, invite their own email as an owner).
//
// None of this exists on AWS: the page is registered only on the console the runner builds
// (Stack.Functions); functions/console's main calls consolefn.NewFunction, which adds no page, and
// no Lambda function links this package (TestDeployedConsoleHasNoLocalSignIn).

// LocalOwnerEmail is the local account's owner the sign-in link signs in as. It has no password
// (an empty hash matches none), so the link is its only way in.
const LocalOwnerEmail = "owner@localhost"

// localOwnerName is the owner's name, as the console's members page shows it.
const localOwnerName = "Local developer"

// signInPath is the link's page, relative to the console's mount.
const signInPath = "/local-sign-in/"

// SignIn issues and checks the local account's one-time sign-in links. One link is valid at a
// time, held only as its token's SHA-256 in this process: a restart ends it, and the table never
// holds it.
type SignIn struct {
	account, accountName string

	mu     sync.Mutex
	hash   []byte            // SHA-256 of the valid link's token; nil: none
	base   string            // the console's base URL (Start)
	issued func(link string) // told every new link (the runner keeps it in a file)
}

// Start makes the first link for the console at base (http://localhost:3000) and returns it;
// issued, when not nil, is told it and every link made after one is used.
func (s *SignIn) Start(base string, issued func(link string)) (string, error) {
	s.mu.Lock()
	s.base, s.issued = base, issued
	s.mu.Unlock()
	return s.issue()
}

// issue replaces the valid link with a new one.
func (s *SignIn) issue() (string, error) {
	_, link, err := s.replace("")
	return link, err
}

// replace makes a new link valid in place of the one whose token is old (any link when old is
// empty) and tells issued; ok is false, and nothing changes, when old is not the valid link's
// token. Checking and replacing under one lock makes a link work once: of two uses of one link,
// exactly one finds it valid.
func (s *SignIn) replace(old string) (ok bool, link string, err error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return false, "", fmt.Errorf("runner: sign-in link: %w", err)
	}
	token := base64.RawURLEncoding.EncodeToString(b)
	h := sha256.Sum256([]byte(token))
	s.mu.Lock()
	defer s.mu.Unlock()
	if old != "" && !s.validLocked(old) {
		return false, "", nil
	}
	s.hash = h[:]
	link = s.base + console.Mount + signInPath + token
	if s.issued != nil {
		s.issued(link) // under the lock, so the file always holds the valid link
	}
	return true, link, nil
}

// valid reports whether token is the valid link's.
func (s *SignIn) valid(token string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.validLocked(token)
}

func (s *SignIn) validLocked(token string) bool {
	h := sha256.Sum256([]byte(token))
	return s.hash != nil && subtle.ConstantTimeCompare(h[:], s.hash) == 1
}

type signInData struct{ AccountName, Email string }

// routes are the link's page: GET shows a button (a GET changes nothing, so a link preview or
// prefetch cannot use the link up), its POST (CSRF-checked like every console form) signs in.
func (s *SignIn) routes() []console.Route {
	return []console.Route{
		{Pattern: "GET " + signInPath + "{token}", Public: true, Fn: s.page},
		{Pattern: "POST " + signInPath + "{token}", Public: true, Fn: s.signIn},
	}
}

func (s *SignIn) page(c *web.Call) error {
	if !s.valid(c.R.PathValue("token")) {
		return notIssued(c)
	}
	return c.Render(http.StatusOK, "local_signin.html", web.View{Title: "Sign in to " + s.accountName,
		Data: signInData{AccountName: s.accountName, Email: LocalOwnerEmail}})
}

func (s *SignIn) signIn(c *web.Call) error {
	token := c.R.PathValue("token")
	if token == "" {
		return notIssued(c)
	}
	// Used up whatever happens below; the next link is for make console-link.
	ok, _, err := s.replace(token)
	if err != nil {
		return err
	}
	if !ok {
		return notIssued(c)
	}
	err = c.SignInAs(s.account, LocalOwnerEmail)
	if errors.Is(err, accountstore.ErrNotMember) {
		return c.Render(http.StatusForbidden, "local_signin.html", web.View{Title: "Sign-in link",
			Err: web.UserErr("%s is no longer a member of the local account; restart make run to make it an owner again.", LocalOwnerEmail)})
	}
	if err != nil {
		return err
	}
	return c.Redirect("/", "Signed in to "+s.accountName+" as "+LocalOwnerEmail+".")
}

func notIssued(c *web.Call) error {
	return c.Render(http.StatusNotFound, "local_signin.html", web.View{Title: "Sign-in link",
		Err: web.UserErr("This sign-in link was already used, or make run has restarted since it was printed.")})
}

// ensureLocalOwner makes LocalOwnerEmail a user (without a password) and an owner of the local
// account: on the first start, on a data directory from before the sign-in link, and again after
// the owner was removed or demoted in the console, so the link always leads in.
func ensureLocalOwner(ctx context.Context, st *store.Store, account string, now time.Time) (accountName string, err error) {
	a, err := st.GetAccount(ctx, account)
	if err != nil {
		return "", fmt.Errorf("runner: local owner: %w", err)
	}
	var taken *accountstore.EmailTakenError
	err = st.CreateUser(ctx, accountstore.User{ID: core.NewID("usr", now), Email: LocalOwnerEmail, Name: localOwnerName, CreatedAt: now.UnixMilli()})
	if err != nil && !errors.As(err, &taken) {
		return "", fmt.Errorf("runner: local owner: %w", err)
	}
	m, err := st.GetMembership(ctx, account, LocalOwnerEmail)
	switch {
	case errors.Is(err, accountstore.ErrNotMember):
		err = st.AddMember(ctx, accountstore.Membership{Account: account, AccountName: a.Name, Email: LocalOwnerEmail, Name: localOwnerName,
			Role: accountstore.RoleOwner, CreatedAt: now.UnixMilli()})
	case err == nil && m.Role != accountstore.RoleOwner:
		_, err = st.SetMemberRole(ctx, account, LocalOwnerEmail, accountstore.RoleOwner)
	}
	if err != nil {
		return "", fmt.Errorf("runner: local owner: %w", err)
	}
	return a.Name, nil
}
