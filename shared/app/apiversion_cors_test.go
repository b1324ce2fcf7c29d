package app_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/infra/template"
	"github.com/hapihub/hapihub/shared/apiversion"
)

// A browser may send HapiHub-Version (the JS SDK's apiVersion option): the preflight's
// Access-Control-Allow-Headers, from the template's Cors, must name it, or the browser refuses to
// send the request at all (Fetch standard, CORS-preflight fetch).
func TestCORSPreflightAllowsTheVersionHeader(t *testing.T) {
	tpl, err := template.Load(filepath.Join("..", "..", "template.yaml"))
	require.NoError(t, err)
	require.NotNil(t, tpl.API)
	require.NotNil(t, tpl.API.Cors)
	allowed := strings.Split(tpl.API.Cors.AllowHeaders, ",")
	assert.Contains(t, allowed, apiversion.Header)
	assert.Contains(t, allowed, "HapiHub-Organization")
}
