package runner

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/infra/template"
)

// The emulated Lambda limits are the template's without the race detector and raceSlowdown
// times them with it; the caller's template is never changed (it may start another stack).
func TestRaceScaledLimits(t *testing.T) {
	tpl, err := template.Load(filepath.Join("..", "..", "..", "template.yaml"))
	require.NoError(t, err)
	patients, ok := tpl.Function("patients")
	require.True(t, ok)
	require.Equal(t, 10*time.Second, patients.Timeout, "template.yaml's Globals")
	scaled := raceScaled(tpl)
	for i, fn := range scaled.Functions {
		assert.Equal(t, tpl.Functions[i].Timeout*raceSlowdown, fn.Timeout, fn.Name)
	}
	got, ok := scaled.Function("patients")
	require.True(t, ok)
	assert.Equal(t, 10*time.Second*raceSlowdown, got.Timeout)
	assert.Equal(t, 10*time.Second, patients.Timeout, "the caller's template is unchanged")
	if raceSlowdown == 1 {
		assert.Same(t, tpl, scaled, "without -race the template is used as it is")
	}
}
