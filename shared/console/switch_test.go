package console_test

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/shared/console/web"
	"github.com/hapihub/hapihub/shared/domain"
	"github.com/hapihub/hapihub/shared/store/accountstore"
)

// switchTargets are the accounts the user menu offers to switch to: account id -> its label.
func switchTargets(p *webPage) map[string]string {
	out := map[string]string{}
	re := regexp.MustCompile(`name="account" value="([^"]+)"><button type="submit" class="link">([^<]+)<span class="muted">· (\w+)</span>`)
	for _, m := range re.FindAllStringSubmatch(p.Body, -1) {
		out[m[1]] = strings.TrimSpace(m[2]) + " · " + m[3]
	}
	return out
}

func TestSwitchAccount(t *testing.T) {
	c := newConsoleServing(t, fromOwnIP())
	ctx := context.Background()
	// Grace owns Second Clinic; Ada, owner of Analytical Clinics, invites her as a viewer.
	grace := c.browser(t)
	graceEmail := uniqueEmail("grace")
	grace.get("/console/signup")
	p := grace.post("/console/signup", "name", "Grace Hopper", "company", "Second Clinic", "email", graceEmail, "password", "grace's long password")
	require.Equal(t, http.StatusOK, p.Status, p.Text())
	assert.Empty(t, switchTargets(p), "one account: nothing to switch to")
	session := func() accountstore.Session {
		t.Helper()
		token := grace.Cookies[sessionCookieName].Value
		ss, err := c.store.GetSession(ctx, sessionHash(token))
		require.NoError(t, err)
		return web.SessionSecrets(token, ss)
	}
	second := session().Account

	c.clock.Advance(time.Minute) // she joins Ada's account after making her own
	ada := c.browser(t)
	ada.signup(uniqueEmail("ada"))
	link := invite(t, c, ada, graceEmail, "viewer")
	grace.get(link)
	p = grace.post(link, "password", "grace's long password")
	require.Equal(t, http.StatusOK, p.Status, p.Text())
	assert.Contains(t, p.Text(), "you joined as viewer")
	first := session().Account
	require.NotEqual(t, second, first)
	assert.Equal(t, map[string]string{second: "Second Clinic · owner"}, switchTargets(p), "the menu offers the other account")

	// Switching re-issues the session for the chosen account and the role there.
	before := session()
	oldToken := grace.Cookies[sessionCookieName].Value
	p = grace.post("/console/account", "account", second)
	require.Equal(t, http.StatusOK, p.Status, p.Text())
	assert.Equal(t, "/console/", p.URL)
	assert.Contains(t, p.Text(), "Switched to Second Clinic (owner).")
	assert.Contains(t, p.Text(), "Grace Hopper · owner")
	assert.Equal(t, map[string]string{first: "Analytical Clinics · viewer"}, switchTargets(p))
	assert.NotEqual(t, oldToken, grace.Cookies[sessionCookieName].Value, "a new session token")
	_, err := c.store.GetSession(ctx, sessionHash(oldToken))
	assert.ErrorIs(t, err, accountstore.ErrNoSession, "the old session ended")
	for mode, k := range before.Keys {
		assert.Equal(t, http.StatusUnauthorized, c.env.Do(t, http.MethodGet, "/patients?$limit=1", k.Secret, nil).Status, "the old %s session key ended", mode)
	}
	after := session()
	assert.Equal(t, second, after.Account)
	assert.Equal(t, accountstore.RoleOwner, after.Role)
	for mode, k := range after.Keys {
		assert.True(t, strings.HasPrefix(k.Secret, "sk_"+mode+"_"), "an owner's %s session key is a secret key: %s", mode, k.Secret[:8])
	}
	// The new key reads the chosen account's data: its test key lists Second Clinic's keys.
	keys := c.env.Do(t, http.MethodGet, "/api-keys", after.Keys[domain.Test].Secret, nil)
	require.Equal(t, http.StatusOK, keys.Status, string(keys.Body))

	// Without the form's token the switch is refused, and nothing changes.
	p = grace.do(http.MethodPost, "/console/account", map[string][]string{"account": {first}})
	assert.Equal(t, http.StatusForbidden, p.Status)
	assert.Equal(t, second, session().Account)

	// An account she is not a member of cannot be chosen.
	grace.get("/console/")
	p = grace.post("/console/account", "account", "acct_not_hers")
	assert.Contains(t, p.Text(), "You are not a member of that account")
	assert.Equal(t, after.TokenHash, session().TokenHash, "the session is left as it was")

	// Back to the first account: a viewer there, with read-only keys.
	p = grace.post("/console/account", "account", first)
	assert.Contains(t, p.Text(), "Switched to Analytical Clinics (viewer).")
	back := session()
	assert.Equal(t, accountstore.RoleViewer, back.Role)
	assert.True(t, strings.HasPrefix(back.Keys[domain.Test].Secret, "rk_test_"), "a viewer's key is restricted")
	assert.Equal(t, http.StatusForbidden, c.env.Do(t, http.MethodGet, "/api-keys", back.Keys[domain.Test].Secret, nil).Status)

	// A login still lands in the most recently joined account.
	grace.get("/console/")
	grace.post("/console/account", "account", second)
	grace.post("/console/logout")
	p = grace.login(graceEmail, "grace's long password")
	require.Equal(t, http.StatusOK, p.Status, p.Text())
	assert.Equal(t, first, session().Account, "the account joined last")
}
