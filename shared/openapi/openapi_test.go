package openapi_test

import (
	"context"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/shared/openapi"
)

func build(t *testing.T, routes ...openapi.Route) *openapi3.T {
	t.Helper()
	b, err := openapi.JSON(openapi.Build(routes))
	require.NoError(t, err)
	doc, err := openapi3.NewLoader().LoadFromData(b)
	require.NoError(t, err)
	require.NoError(t, doc.Validate(context.Background()))
	return doc
}

func TestBuild(t *testing.T) {
	doc := build(t,
		openapi.Route{Method: "GET", Path: "/invoices", Resource: "invoices", Action: "find"},
		openapi.Route{Method: "POST", Path: "/invoices", Resource: "invoices", Action: "create"},
		openapi.Route{Method: "PATCH", Path: "/invoices/{id}", Resource: "invoices", Action: "patch"},
		openapi.Route{Method: "POST", Path: "/organizations", Resource: "organizations", Action: "create"},
		openapi.Route{Method: "GET", Path: "/openapi.json", Public: true},
		openapi.Route{Method: "GET", Path: "/things/{id}/parts/{partId}", Resource: "things", Action: "get"},
	)
	assert.Equal(t, "3.1.0", doc.OpenAPI)
	inv := doc.Components.Schemas["Invoice"].Value
	assert.True(t, inv.Properties["total"].Value.ReadOnly, "total is read-only")
	assert.Equal(t, []string{"integer"}, inv.Properties["total"].Value.Type.Slice())
	create := doc.Components.Schemas["InvoiceCreate"].Value
	assert.NotContains(t, create.Properties, "total", "read-only fields are not in request bodies")
	assert.ElementsMatch(t, []string{"patientId", "currency"}, create.Required)
	patch := doc.Components.Schemas["InvoicePatch"].Value
	assert.Empty(t, patch.Required)
	assert.ElementsMatch(t, []string{"integer", "null"}, patch.Properties["dueAt"].Value.Type.Slice(), "optional fields can be unset with null in a patch")
	post := doc.Paths.Find("/invoices").Post
	assert.NotNil(t, post.Responses.Value("201"))
	assert.NotNil(t, post.Responses.Value("200"), "externalId dedupe answers 200")
	assert.NotNil(t, post.Responses.Value("400").Value.Content.Get("application/problem+json"))
	notSupported := doc.Paths.Find("/organizations").Post
	assert.Equal(t, 2, notSupported.Responses.Len(), "404 and default only")
	public := doc.Paths.Find("/openapi.json").Get
	require.NotNil(t, public.Security)
	assert.Empty(t, *public.Security)
	nested := doc.Paths.Find("/things/{id}/parts/{partId}").Get
	assert.Len(t, nested.Parameters, 4, "id, partId, HapiHub-Organization, HapiHub-Version")
	assert.Contains(t, doc.Components.SecuritySchemes, "bearerAuth")
}
