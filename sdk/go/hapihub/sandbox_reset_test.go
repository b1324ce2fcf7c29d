package hapihub_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/sdk/go/hapihub"
)

// TestSandboxReset purges and re-seeds the clinic (the local test platform's small one): the API
// answers 202 with the queued job, and Status shows it finish. It runs after the tests that change
// data; the examples, which follow, read the re-seeded clinic.
func TestSandboxReset(t *testing.T) {
	c := client(t, testKey)
	res, err := c.Sandbox.Reset(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "sandbox_reset", res.Object)
	assert.False(t, res.Livemode)
	require.NotEmpty(t, res.ID)
	require.Eventually(t, func() bool {
		res, err = c.Sandbox.Status(context.Background())
		require.NoError(t, err)
		return res.Status == "succeeded"
	}, 60*time.Second, 100*time.Millisecond, "the reset finishes")
	require.Greater(t, res.Seeded["patients"], 0)
	all, err := c.Patients.List(context.Background(), hapihub.NewQuery().Limit(0))
	require.NoError(t, err)
	assert.Equal(t, res.Seeded["patients"], *all.Total, "after a reset the clinic holds exactly what was seeded")
}
