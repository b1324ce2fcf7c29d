package openapi_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/shared/openapi"
)

// Every response the document describes names the Request-Id header (kin-openapi resolves and
// validates the references).
func TestEveryResponseDocumentsRequestID(t *testing.T) {
	doc := build(t,
		openapi.Route{Method: "GET", Path: "/invoices", Resource: "invoices", Action: "find"},
		openapi.Route{Method: "POST", Path: "/webhook-endpoints/{id}/recover", Resource: "webhook-endpoints", Action: "patch"},
		openapi.Route{Method: "GET", Path: "/webhook-source-ips", Public: true},
	)
	require.NotNil(t, doc.Components.Headers["RequestId"])
	n := 0
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			for status, r := range op.Responses.Map() {
				h := r.Value.Headers["Request-Id"]
				if assert.NotNil(t, h, "%s %s %s", method, path, status) {
					assert.Equal(t, "string", h.Value.Schema.Value.Type.Slice()[0])
					assert.False(t, h.Value.Required, "the gateway's own answers lack it")
				}
				n++
			}
		}
	}
	assert.Greater(t, n, 10)
}
