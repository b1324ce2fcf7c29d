package console_test

import (
	"fmt"
	"net/http"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSandboxReset resets through the API (the local test platform's organizations function
// seeds its small sandbox, as account creation there does).
func TestSandboxReset(t *testing.T) {
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
