package main

import (
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTrapRecordsEveryAWSCall(t *testing.T) {
	tr, err := startTrap()
	require.NoError(t, err)
	defer tr.close()
	req, err := http.NewRequest(http.MethodPost, tr.url+"/", strings.NewReader("{}"))
	require.NoError(t, err)
	req.Header.Set("X-Amz-Target", "DynamoDB_20120810.DescribeTable")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode, "no AWS behind the trap")
	resp, err = http.Get(tr.url + "/123456789012/jobs")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, []string{"DynamoDB_20120810.DescribeTable", "GET /123456789012/jobs"}, tr.calls())
	tr.reset()
	assert.Empty(t, tr.calls())
}

// The tool's own path, end to end on the baseline: built both ways, weighed, and timed under
// the emulator with the functions' environment.
func TestBuildAndMeasureHello(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the bootstraps are built for linux")
	}
	t.Chdir("../../..") // the module root, as make coldstart runs it
	work := t.TempDir()
	m, err := buildBoth(work, baselineName, ".", "./infra/cmd/coldstart/hello")
	require.NoError(t, err)
	assert.Positive(t, m.Size)
	assert.Len(t, m.SHA256, 64)

	tr, err := startTrap()
	require.NoError(t, err)
	defer tr.close()
	d, calls, err := measureOnce(filepath.Join(work, "host", baselineName, "bootstrap"), functionEnv(baselineName, t.TempDir(), tr.url), tr, time.Minute)
	require.NoError(t, err)
	assert.Positive(t, d)
	assert.Empty(t, calls, "hello calls no AWS service")
}

func TestKeepOnlyNarrowsToNamedFunctions(t *testing.T) {
	names := []string{"authorizer", "console", "patients"}
	got, err := keepOnly(names, "")
	require.NoError(t, err)
	assert.Equal(t, names, got, "no -only: every function")
	got, err = keepOnly(names, "patients,console")
	require.NoError(t, err)
	assert.Equal(t, []string{"patients", "console"}, got)
	_, err = keepOnly(names, "patient")
	assert.ErrorContains(t, err, `no function "patient"`)
}

func TestAgainstAddsEachFunctionsBaseBuild(t *testing.T) {
	pkgs := map[string]string{"console": "./functions/console", "authorizer": "./functions/authorizer"}
	dirs := map[string]string{}
	assert.Equal(t, []string{"console"}, withBase([]string{"console"}, "", pkgs, dirs), "no -against: unchanged")
	assert.Empty(t, dirs)
	got := withBase([]string{"console", "authorizer"}, "/work/main", pkgs, dirs)
	assert.Equal(t, []string{"console", "console@base", "authorizer", "authorizer@base"}, got)
	assert.Equal(t, "./functions/console", pkgs["console@base"], "the same package path, resolved in the other module")
	assert.Equal(t, map[string]string{"console@base": "/work/main", "authorizer@base": "/work/main"}, dirs)
}

func TestRewriteKeepsTheBinary(t *testing.T) {
	p := filepath.Join(t.TempDir(), "bootstrap")
	require.NoError(t, os.WriteFile(p, []byte("\x7fELF bytes"), 0o700))
	require.NoError(t, rewrite(p))
	b, err := os.ReadFile(p)
	require.NoError(t, err)
	assert.Equal(t, "\x7fELF bytes", string(b))
	st, err := os.Stat(p)
	require.NoError(t, err)
	assert.NotZero(t, st.Mode()&0o100, "still executable")
	_, err = os.Stat(p + ".tmp")
	assert.True(t, os.IsNotExist(err), "no temporary file left")
}
