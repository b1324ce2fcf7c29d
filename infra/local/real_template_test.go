package local

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/infra/template"
)

var param = regexp.MustCompile(`\{[^}]+\}`)

// TestRealTemplate serves template.yaml with stand-in functions: every route in the template
// reaches its function with its resource path, and every gateway response the runner can give
// is valid JSON carrying the request id.
func TestRealTemplate(t *testing.T) {
	tpl, err := template.Load("../../template.yaml")
	require.NoError(t, err)
	az := tpl.API.Authorizers[tpl.API.DefaultAuthorizer]
	require.NotNil(t, az)
	var fail atomic.Value
	fail.Store("")
	fns := NewFunctions(func(_ context.Context, name string) (any, error) {
		if name == az.FunctionName {
			return func(_ context.Context, req events.APIGatewayCustomAuthorizerRequestTypeRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
				if msg := fail.Load().(string); msg != "" {
					return events.APIGatewayCustomAuthorizerResponse{}, errors.New(msg)
				}
				arn := strings.SplitN(req.MethodArn, "/", 3)
				return events.APIGatewayCustomAuthorizerResponse{PrincipalID: "acct_1",
					PolicyDocument: events.APIGatewayCustomAuthorizerPolicy{Version: "2012-10-17", Statement: []events.IAMPolicyStatement{
						{Action: []string{"execute-api:Invoke"}, Effect: "Allow", Resource: []string{arn[0] + "/" + arn[1] + "/*/*"}}}},
					Context: map[string]any{"mode": "test"}, UsageIdentifierKey: usageKey("real")}, nil
			}, nil
		}
		return func(_ context.Context, ev events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
			b, _ := json.Marshal(map[string]string{"function": name, "resource": ev.Resource})
			return events.APIGatewayProxyResponse{StatusCode: 200, Body: string(b), Headers: map[string]string{"Access-Control-Allow-Origin": "*"}}, nil
		}, nil
	})
	// Each request a second after the last: the usage plan's bucket (per key, across methods) is
	// full again, so every route is reached.
	var clockMu sync.Mutex
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tick := func() time.Time { clockMu.Lock(); defer clockMu.Unlock(); now = now.Add(time.Second); return now }
	gw, err := New(Options{Template: tpl, Functions: fns, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: tick,
		Keys: registeredKeys(t, tpl, usageKey("real"), "TestUsagePlan")})
	require.NoError(t, err)
	srv := httptest.NewServer(gw)
	defer srv.Close()

	do := func(method, path, auth string) (int, map[string]any, http.Header) {
		req, err := http.NewRequest(method, srv.URL+path, nil)
		require.NoError(t, err)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := srv.Client().Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		var out map[string]any
		if len(b) > 0 {
			require.NoError(t, json.Unmarshal(b, &out), "%s %s answered invalid JSON: %s", method, path, b)
		}
		return resp.StatusCode, out, resp.Header
	}

	for _, r := range tpl.Routes() {
		path := param.ReplaceAllString(r.Path, "x1")
		method := r.Method
		if method == "ANY" {
			method = "GET"
		}
		status, body, _ := do(method, path, "Bearer k")
		fn, _ := tpl.Function(r.Function)
		assert.Equal(t, 200, status, "%s %s", r.Method, r.Path)
		assert.Equal(t, map[string]any{"function": fn.Name, "resource": r.Path}, body)
	}
	assert.Equal(t, len(tpl.UsagePlans), len(gw.Limits()))
	for _, p := range tpl.UsagePlans {
		assert.Equal(t, p.Throttle, gw.Limits()[p.LogicalID])
	}

	first := tpl.Routes()[0]
	path := param.ReplaceAllString(first.Path, "x1")
	cases := []struct {
		name, method, path, auth, fail, typ string
	}{
		{"missing token", "GET", "/no/such/route", "", "", MissingAuthenticationToken},
		{"no such route, with a key", "GET", "/no/such/route", "Bearer k", "", InvalidSignature},
		{"no such method, with a key", "TRACE", path, "Bearer k", "", InvalidSignature},
		{"unauthorized", first.Method, path, "", "", Unauthorized},
		{"authorizer failure", first.Method, path, "Bearer other", "boom", "DEFAULT_5XX"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fail.Store(c.fail)
			defer fail.Store("")
			status, body, h := do(c.method, c.path, c.auth)
			gr, ok := tpl.API.GatewayResponses[c.typ]
			require.True(t, ok, "template.yaml answers %s itself", c.typ)
			if gr.StatusCode != 0 {
				assert.Equal(t, gr.StatusCode, status)
			}
			assert.GreaterOrEqual(t, status, 400)
			assert.EqualValues(t, status, body["code"], "the body says the status it is sent with")
			assert.Equal(t, h.Get("X-Amzn-Requestid"), body["event"])
			assert.NotEmpty(t, body["name"])
			assert.Equal(t, "*", h.Get("Access-Control-Allow-Origin"))
			assert.Equal(t, "x-amzn-RequestId", h.Get("Access-Control-Expose-Headers"), "browsers may read the id of a gateway's own answer")
		})
	}
}
