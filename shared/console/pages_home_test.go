package console_test

import (
	"net/http"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/shared/sandbox/testorgs"
)

// TestHome: test mode's home gives what the guide's first steps ask for (the test key, the
// sandbox organization's id, a curl line); live mode's home is about live keys and never shows
// the test key.
func TestHome(t *testing.T) {
	c := newConsole(t)
	b, key := ownerWithKey(t, c, "home")

	t.Run("test mode shows the sandbox organization id", func(t *testing.T) {
		orgs := apiList(t, c, key, "organizations", "")
		// The sandbox clinic first, then the sandbox's test organizations (docs/sandbox.md).
		require.NotEmpty(t, orgs)
		_, isTestOrg := testorgs.Lookup(orgs[0]["id"].(string))
		require.False(t, isTestOrg, "the sandbox clinic is listed first")
		p := b.get("/console/")
		require.Equal(t, http.StatusOK, p.Status, p.Text())
		assert.Contains(t, p.Text(), "Your sandbox organization ID")
		assert.Regexp(t, `id="sandbox-org-id"><span class="copyable"><code>`+orgs[0]["id"].(string)+`</code>`, p.Body)
	})

	t.Run("live mode shows live keys, not the test key", func(t *testing.T) {
		p := b.post("/console/mode", "mode", "live", "back", "/")
		defer b.post("/console/mode", "mode", "test", "back", "/")
		require.Equal(t, http.StatusOK, p.Status, p.Text())
		text := p.Text()
		assert.NotContains(t, text, "Your test secret key")
		assert.NotContains(t, p.Body, key, "the test key is not on live mode's home")
		assert.NotRegexp(t, `sk_test_|pk_test_`, p.Body, "no test key at all")
		assert.Contains(t, text, "Your live keys")
		// The live secret as the API lists it (redacted, shown once when made); the live
		// publishable key in full.
		assert.Regexp(t, `data-type="secret">sk_live_\.\.\.[0-9A-Za-z]{4}</dd>`, p.Body)
		assert.Regexp(t, `data-type="publishable"><span class="copyable"><code>pk_live_[0-9A-Za-z]{32}</code>`, p.Body)
		assert.NotRegexp(t, regexp.MustCompile(`sk_live_[0-9A-Za-z]{32}`), p.Body, "no live secret in full")
		assert.Contains(t, text, "No clinic is connected in live mode yet")
		assert.Contains(t, text, "curl '"+c.env.URL+"/patients?$limit=3' -H 'Authorization: Bearer sk_live_...'")
	})

	t.Run("a viewer's home explains the missing key", func(t *testing.T) {
		viewer := joinAs(t, c, b, "viewer")
		p := viewer.get("/console/")
		require.Equal(t, http.StatusOK, p.Status, p.Text())
		assert.Contains(t, p.Text(), "Your role cannot see API keys")
		assert.Regexp(t, `id="sandbox-org-id"><span class="copyable"><code>org_`, p.Body, "a viewer reads the organization id too")
	})
}
