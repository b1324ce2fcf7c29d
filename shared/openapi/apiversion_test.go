package openapi_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/shared/apiversion"
	"github.com/hapihub/hapihub/shared/openapi"
)

// Every authenticated operation takes the HapiHub-Version header and every response of it names
// the version served; public operations (no account to pin) have neither. kin-openapi resolves
// and validates the references.
func TestEveryOperationDocumentsAPIVersion(t *testing.T) {
	doc := build(t,
		openapi.Route{Method: "GET", Path: "/invoices", Resource: "invoices", Action: "find"},
		openapi.Route{Method: "POST", Path: "/patients", Resource: "patients", Action: "create"},
		openapi.Route{Method: "PUT", Path: "/account/api-version", Resource: "account", Action: "update"},
		openapi.Route{Method: "GET", Path: "/webhook-source-ips", Public: true},
	)
	p := doc.Components.Parameters["HapiHubVersion"]
	require.NotNil(t, p)
	assert.Equal(t, "header", p.Value.In)
	assert.Equal(t, apiversion.Header, p.Value.Name)
	assert.False(t, p.Value.Required, "the account's version applies without it")
	assert.Contains(t, p.Value.Description, string(apiversion.Releases.First()), "lists the known versions")
	require.NotNil(t, doc.Components.Responses["Error"].Value.Headers[apiversion.Header], "errors name the version too")
	n := 0
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			public := path == "/webhook-source-ips"
			found := false
			for _, ref := range op.Parameters {
				found = found || (ref.Value.In == "header" && ref.Value.Name == apiversion.Header)
			}
			assert.Equal(t, !public, found, "%s %s parameter", method, path)
			for status, r := range op.Responses.Map() {
				h := r.Value.Headers[apiversion.Header]
				if public && r.Ref == "" {
					assert.Nil(t, h, "%s %s %s", method, path, status)
					continue
				}
				if assert.NotNil(t, h, "%s %s %s", method, path, status) {
					assert.False(t, h.Value.Required, "answers made before a key is known have none")
				}
				n++
			}
		}
	}
	assert.Greater(t, n, 5)
	ev := build(t, openapi.Route{Method: "GET", Path: "/events/{id}", Resource: "events", Action: "get"}).Components.Schemas["Event"].Value
	assert.Contains(t, ev.Required, "apiVersion", "every event says which version shapes its data")
	v := doc.Components.Schemas["ApiVersion"]
	require.NotNil(t, v)
	assert.Contains(t, v.Value.Required, "apiVersion")
}
