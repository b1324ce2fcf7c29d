package openapifn_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/docs"
	"github.com/hapihub/hapihub/shared/app/openapifn"
	"github.com/hapihub/hapihub/shared/config"
)

// The function answers the embedded document, with servers naming where it was served from.
func TestServesTheEmbeddedDocument(t *testing.T) {
	h, err := openapifn.NewFunction(context.Background(), config.Config{Local: true})
	require.NoError(t, err)
	ev := events.APIGatewayProxyRequest{HTTPMethod: "GET", Path: openapifn.Path, Resource: openapifn.Path,
		Headers: map[string]string{"Host": "localhost:3000", "X-Forwarded-Proto": "http"}}
	ev.RequestContext.Identity.SourceIP = "127.0.0.1"
	in, err := json.Marshal(ev)
	require.NoError(t, err)
	out, err := h.Invoke(context.Background(), in)
	require.NoError(t, err)
	var resp events.APIGatewayProxyResponse
	require.NoError(t, json.Unmarshal(out, &resp))
	require.Equal(t, 200, resp.StatusCode, resp.Body)
	var got, want map[string]any
	require.NoError(t, json.Unmarshal([]byte(resp.Body), &got))
	require.NoError(t, json.Unmarshal(docs.OpenAPI, &want))
	assert.Equal(t, []any{map[string]any{"url": "http://localhost:3000", "description": "Where this document was served from."}}, got["servers"])
	delete(got, "servers")
	delete(want, "servers")
	assert.Equal(t, want, got)
	assert.Equal(t, "public, max-age=300", resp.Headers["Cache-Control"])
}
