package gocheck_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/sdk/go/hapihub"
)

// TestSandboxReset purges and re-seeds the clinic (the local test platform's small one). It runs
// after the tests that change data; the examples, which follow, read the re-seeded clinic.
func TestSandboxReset(t *testing.T) {
	c := client(t, testKey)
	res, err := c.Sandbox.Reset(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "sandbox_reset", res.Object)
	assert.False(t, res.Livemode)
	require.Greater(t, res.Seeded["patients"], 0)
	all, err := c.Patients.List(context.Background(), hapihub.NewQuery().Limit(0))
	require.NoError(t, err)
	assert.Equal(t, res.Seeded["patients"], *all.Total, "after a reset the clinic holds exactly what was seeded")
}
