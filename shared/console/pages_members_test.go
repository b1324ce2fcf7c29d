package console_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// pendingInvites reads the owner's pending invites table: email -> the revoke form's invite
// field.
func pendingInvites(t *testing.T, p *webPage) map[string]string {
	t.Helper()
	out := map[string]string{}
	i := strings.Index(p.Body, `id="invites"`)
	if i < 0 {
		return out
	}
	section := p.Body[i:]
	section = section[:strings.Index(section, "</section>")]
	re := regexp.MustCompile(`(?s)<tr data-email="([^"]+)">.*?name="invite" value="([0-9a-f]{64})"`)
	for _, m := range re.FindAllStringSubmatch(section, -1) {
		out[m[1]] = m[2]
	}
	return out
}

func invite(t *testing.T, c *consoleEnv, owner *browser, email, role string) string {
	t.Helper()
	owner.get("/console/members")
	p := owner.post("/console/members/invite", "email", email, "role", role)
	require.Equal(t, http.StatusOK, p.Status, p.Text())
	link := inviteLinkRe.FindString(p.Body)
	require.NotEmpty(t, link, p.Text())
	return strings.TrimPrefix(link, c.srv.URL)
}

func TestPendingInvitesListedAndRevoked(t *testing.T) {
	c := newConsole(t)
	owner := c.browser(t)
	ownerEmail := uniqueEmail("inv-owner")
	owner.signup(ownerEmail)
	p := owner.get("/console/members")
	assert.Contains(t, p.Text(), "No pending invites")
	assert.Empty(t, pendingInvites(t, p))

	developer := joinAs(t, c, owner, "developer")
	assert.Empty(t, pendingInvites(t, owner.get("/console/members")), "an accepted invite is not pending")

	revoked, kept := uniqueEmail("revoked"), uniqueEmail("kept")
	revokedLink := invite(t, c, owner, revoked, "viewer")
	keptLink := invite(t, c, owner, kept, "developer")
	p = owner.get("/console/members")
	pending := pendingInvites(t, p)
	require.Len(t, pending, 2, p.Text())
	assert.Regexp(t, regexp.QuoteMeta(kept)+` developer `+regexp.QuoteMeta(ownerEmail)+` 7 days from now Revoke`, p.Text(), "email, role, invited by, expires")
	assert.Regexp(t, regexp.QuoteMeta(revoked)+` viewer `+regexp.QuoteMeta(ownerEmail)+` 7 days from now Revoke`, p.Text())
	assert.Contains(t, p.Body, `data-confirm="Revoke the invite of `+revoked, "revoking asks for confirmation")

	// Members who are not owners neither see nor revoke invites.
	dp := developer.get("/console/members")
	assert.NotContains(t, dp.Text(), "Pending invites")
	assert.NotContains(t, dp.Body, pending[revoked])
	dp = developer.post("/console/members/invites/revoke", "invite", pending[revoked])
	assert.Equal(t, http.StatusForbidden, dp.Status)
	assert.Contains(t, pendingInvites(t, owner.get("/console/members")), revoked, "still pending")

	// Without the form's CSRF token the revoke is refused.
	p = owner.do(http.MethodPost, "/console/members/invites/revoke", map[string][]string{"invite": {pending[revoked]}})
	assert.Equal(t, http.StatusForbidden, p.Status)

	owner.get("/console/members")
	p = owner.post("/console/members/invites/revoke", "invite", pending[revoked])
	require.Equal(t, http.StatusOK, p.Status, p.Text())
	assert.Equal(t, "/console/members", p.URL)
	assert.Contains(t, p.Text(), "Invite revoked; its link no longer works.")
	assert.Equal(t, []string{kept}, keys(pendingInvites(t, p)))

	// The revoked link stops working; revoking it again says it is gone.
	gone := c.browser(t).get(revokedLink)
	assert.Equal(t, http.StatusNotFound, gone.Status)
	assert.Contains(t, gone.Text(), "already used, has expired, or never existed")
	p = owner.post("/console/members/invites/revoke", "invite", pending[revoked])
	assert.Equal(t, http.StatusConflict, p.Status)
	assert.Contains(t, p.Text(), "already used, revoked or expired")

	// The other invite still works, and leaves the list once accepted.
	joiner := c.browser(t)
	joiner.get(keptLink)
	p = joiner.post(keptLink, "name", "Kept Member", "password", "a long enough password")
	require.Equal(t, http.StatusOK, p.Status, p.Text())
	assert.Contains(t, p.Text(), "you joined as developer")
	assert.Empty(t, pendingInvites(t, owner.get("/console/members")))
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
