package console_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSandboxReset resets through the API (the local test platform's organizations function
// seeds its small sandbox, as account creation there does).
func TestSandboxReset(t *testing.T) {
	c := newConsole(t)
	b, key := ownerWithKey(t, c, "reset")
	// A message: nothing refers to one, so it can be deleted (a seeded patient has appointments,
	// and deleting a referenced record is refused: docs/resources.md).
	gone := apiList(t, c, key, "messages", "?$limit=1")[0]["id"].(string)
	require.Equal(t, http.StatusOK, c.env.Do(t, http.MethodDelete, "/messages/"+gone, key, nil).Status)

	b.get("/console/sandbox/messages")
	p := b.post("/console/sandbox/reset", "resource", "messages")
	require.Equal(t, http.StatusOK, p.Status, p.Text())
	assert.Equal(t, "/console/sandbox/messages", p.URL, "back on the tab the reset was asked from")
	assert.Contains(t, p.Text(), "Sandbox reset started")
	// The reset runs on the job queue; the page shows its progress until it has finished.
	require.Eventually(t, func() bool {
		st := c.env.Do(t, http.MethodGet, "/sandbox/reset", key, nil).JSON(t)
		return st["status"] == "succeeded"
	}, 60*time.Second, 100*time.Millisecond)
	done := c.env.Do(t, http.MethodGet, "/sandbox/reset", key, nil).JSON(t)
	total := c.env.Do(t, http.MethodGet, "/patients?$limit=0", key, nil).JSON(t)["total"]
	assert.Equal(t, fmt.Sprint(done["seeded"].(map[string]any)["patients"]), fmt.Sprint(total), "the API seeded what the reset reports")
	assert.Equal(t, http.StatusOK, c.env.Do(t, http.MethodGet, "/messages/"+gone, key, nil).Status, "the deleted message is back")
	assert.NotContains(t, b.get("/console/sandbox/messages").Text(), "Sandbox reset running", "no progress shown once it finished")
}
