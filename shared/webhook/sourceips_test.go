package webhook_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/netip"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/shared/api"
	"github.com/hapihub/hapihub/shared/webhook"
)

// GET /webhook-source-ips needs no key and tells what is true of the deployment: its fixed
// addresses, the loopback of the local runner, or that there are none.
func TestWebhookSourceIPs(t *testing.T) {
	ips, err := webhook.ParseSourceIPs(" 198.51.100.7, 2001:db8::9 ,")
	require.NoError(t, err)
	cases := []struct {
		name   string
		api    *webhook.API
		static bool
		cidrs  []any
		note   string
	}{
		{"static egress", &webhook.API{SourceIPs: ips}, true, []any{"198.51.100.7/32", "2001:db8::9/128"}, "Every webhook delivery comes from one of these"},
		{"local runner", &webhook.API{AllowLoopback: true}, false, []any{"127.0.0.1/32", "::1/128"}, "local runner"},
		{"no fixed egress", &webhook.API{}, false, []any{}, "WebhookStaticEgress=true"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			router := api.NewRouter(api.Options{}, c.api.SourceIPRoutes()...)
			ev := events.APIGatewayProxyRequest{HTTPMethod: "GET", Resource: "/webhook-source-ips", Path: "/webhook-source-ips"}
			resp, err := router.Handle(context.Background(), ev) // no authorizer context: public
			require.NoError(t, err)
			require.Equal(t, http.StatusOK, resp.StatusCode, resp.Body)
			var out map[string]any
			require.NoError(t, json.Unmarshal([]byte(resp.Body), &out))
			assert.Equal(t, "webhook_source_ips", out["object"])
			assert.Equal(t, c.static, out["staticEgress"])
			assert.Equal(t, c.cidrs, out["cidrs"])
			assert.Len(t, out["addresses"], len(c.cidrs))
			assert.Contains(t, out["note"], c.note)
		})
	}
	assert.Equal(t, []netip.Addr{netip.MustParseAddr("198.51.100.7"), netip.MustParseAddr("2001:db8::9")}, ips)
	none, err := webhook.ParseSourceIPs("")
	require.NoError(t, err)
	assert.Empty(t, none)
	_, err = webhook.ParseSourceIPs("198.51.100.7,nat-gateway")
	assert.ErrorContains(t, err, "nat-gateway")
}
