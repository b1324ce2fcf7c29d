//go:build !race

package console_test

import (
	"fmt"
	"net/http"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSandboxReset resets through the API, whose organizations function seeds St. Mungo's
// whole clinic (sandbox.Default, ~3,700 objects) whatever the test account was created with:
// a few seconds, but far longer under the race detector, so it runs only without -race and
// without -short (as the SDK's TestSandboxReset).
func TestSandboxReset(t *testing.T) {
	if testing.Short() {
		t.Skip("a sandbox reset seeds the whole clinic: seconds")
	}
	c := newConsole(t)
	b, key := ownerWithKey(t, c, "reset")
	gone := apiList(t, c, key, "patients", "?$limit=1")[0]["id"].(string)
	require.Equal(t, http.StatusOK, c.env.Do(t, http.MethodDelete, "/patients/"+gone, key, nil).Status)

	b.get("/console/sandbox/messages")
	p := b.post("/console/sandbox/reset", "resource", "messages")
	require.Equal(t, http.StatusOK, p.Status, p.text())
	assert.Equal(t, "/console/sandbox/messages", p.URL, "back on the tab the reset was asked from")
	m := regexp.MustCompile(`Sandbox reset: deleted (\d+) objects; seeded (\d+) patients, (\d+) practitioners, (\d+) appointments, (\d+) messages, (\d+) invoices\.`).FindStringSubmatch(p.text())
	require.NotNil(t, m, p.text())
	total := c.env.Do(t, http.MethodGet, "/patients?$limit=0", key, nil).JSON(t)["total"]
	assert.Equal(t, m[2], fmt.Sprint(total), "the flash says what the API seeded")
	assert.Equal(t, http.StatusOK, c.env.Do(t, http.MethodGet, "/patients/"+gone, key, nil).Status, "the deleted patient is back")
}
