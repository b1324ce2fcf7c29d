package console_test

import (
	"net/http"
	"net/url"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/shared/apiversion/apiversiontest"
)

// TestConsoleAPIVersion: the keys page shows the account's API version (docs/versioning.md); an
// owner changes it through the API (the console's live session key, CSRF-protected) only after
// confirming the change is account-wide; a developer sees it and cannot change it.
func TestConsoleAPIVersion(t *testing.T) {
	c := newConsole(t)
	owner, key := ownerWithKey(t, c, "apiversion")
	version := func() string {
		t.Helper()
		status, v := apiCall(t, http.MethodGet, c.env.URL+"/account/api-version", key, "")
		require.Equal(t, http.StatusOK, status, "%v", v)
		return v["apiVersion"].(string)
	}
	first := version()

	p := owner.get("/console/keys")
	require.Equal(t, http.StatusOK, p.Status, p.Text())
	assert.Regexp(t, onVersion(first, ""), p.Text())

	// A newer version ships: the account stays on its own until an owner moves it.
	apiversiontest.UseFuture(t)
	future := string(apiversiontest.Future)
	p = owner.get("/console/keys")
	require.Equal(t, http.StatusOK, p.Status, p.Text())
	assert.Regexp(t, onVersion(first, future), p.Text())
	assert.Contains(t, p.Body, `<option value="`+future+`" selected>`+future+` (latest)</option>`)
	assert.Contains(t, p.Body, `data-confirm="Change the API version of the whole account?`)

	t.Run("not confirmed", func(t *testing.T) {
		p := owner.post("/console/keys/api-version", "apiVersion", future)
		assert.Equal(t, http.StatusBadRequest, p.Status)
		assert.Contains(t, p.Text(), "confirm that the version changes for the whole account")
		assert.Equal(t, first, version(), "nothing changed")
	})
	t.Run("without the CSRF token", func(t *testing.T) {
		p := owner.do(http.MethodPost, "/console/keys/api-version", url.Values{"apiVersion": {future}, "confirm": {"account"}})
		assert.Equal(t, http.StatusForbidden, p.Status)
		assert.Equal(t, first, version(), "nothing changed")
	})
	t.Run("an unknown version", func(t *testing.T) {
		owner.get("/console/keys")
		p := owner.post("/console/keys/api-version", "apiVersion", "2001-01-01", "confirm", "account")
		assert.Equal(t, http.StatusBadRequest, p.Status)
		assert.Contains(t, p.Text(), "one of the known versions")
		assert.Equal(t, first, version())
	})
	t.Run("a developer sees it and cannot change it", func(t *testing.T) {
		dev := joinAs(t, c, owner, "developer")
		p := dev.get("/console/keys")
		require.Equal(t, http.StatusOK, p.Status, p.Text())
		assert.Regexp(t, onVersion(first, future), p.Text())
		assert.Contains(t, p.Text(), "Only an owner can change it.")
		assert.NotContains(t, p.Body, `action="/console/keys/api-version"`)
		p = dev.post("/console/keys/api-version", "apiVersion", future, "confirm", "account")
		assert.Equal(t, http.StatusForbidden, p.Status, p.Text())
		assert.Equal(t, first, version())
	})
	t.Run("confirmed by an owner", func(t *testing.T) {
		owner.get("/console/keys")
		p := owner.post("/console/keys/api-version", "apiVersion", future, "confirm", "account")
		require.Equal(t, http.StatusOK, p.Status, p.Text())
		assert.Contains(t, p.Text(), "API version changed to "+future+" for the whole account")
		assert.Regexp(t, onVersion(future, ""), p.Text())
		assert.Equal(t, future, version(), "the API serves the account in it")
	})
}

// onVersion matches the page's sentence on the account's version (text() spaces out elements).
func onVersion(v, newer string) *regexp.Regexp {
	tail := `\s?, the latest\.`
	if newer != "" {
		tail = `\s?; the latest is ` + regexp.QuoteMeta(newer) + `\s?\.`
	}
	return regexp.MustCompile(`This account is on API version ` + regexp.QuoteMeta(v) + tail)
}
