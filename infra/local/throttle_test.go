package local

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/infra/apigateway"
)

// TestThrottleHeaders: a 429 carries the THROTTLED gateway response's headers exactly as the
// template gives them, which is all API Gateway can send (gateway responses map static values or
// request values only), so both runtimes answer the same.
func TestThrottleHeaders(t *testing.T) {
	src := strings.Replace(testTemplate, `ResponseParameters: {Headers: {Retry-After: "'1'"}}`,
		`ResponseParameters: {Headers: {Retry-After: "'1'", RateLimit-Limit: "'2'", RateLimit-Remaining: "'0'", RateLimit-Reset: "'1'"}}`, 1)
	h := newHarness(t, src)
	for i := 0; i < 3; i++ {
		require.Equal(t, 200, h.do("GET", "/things", "testA", nil).status, "request %d within the burst", i)
	}
	r := h.do("GET", "/things", "testA", nil)
	require.Equal(t, 429, r.status)
	assert.Equal(t, "RATE_LIMIT_EXCEEDED", r.json["name"])
	for k, v := range h.tpl.API.GatewayResponses[Throttled].Headers {
		assert.Equal(t, v, r.header.Get(k), k)
	}
	assert.Equal(t, "2", r.header.Get("RateLimit-Limit"))
}

// TestThrottlePerKeyAcrossMethods: a usage plan's throttle is one bucket per key across every
// method; a method throttle is a second bucket that also applies ("the overall usage plan limit
// is still global to that key":
// https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-request-throttling.html).
func TestThrottlePerKeyAcrossMethods(t *testing.T) {
	h := newHarness(t, testTemplate) // test plan: rate 2, burst 3, no method throttles
	assert.Equal(t, 200, h.do("GET", "/things", "testA", nil).status)
	assert.Equal(t, 200, h.do("GET", "/things/1", "testA", nil).status)
	assert.Equal(t, 200, h.do("GET", "/things/special", "testA", nil).status)
	assert.Equal(t, 429, h.do("GET", "/things/1/parts/2", "testA", nil).status, "a fourth route shares the key's bucket")
	assert.Equal(t, 429, h.do("POST", "/things", "testA", nil).status, "and so do writes")

	// Live plan: rate 10, burst 5 per key, and DELETE /things/{id} at most 1 (burst 1).
	assert.Equal(t, 200, h.do("DELETE", "/things/1", "liveA", nil).status)
	assert.Equal(t, 429, h.do("DELETE", "/things/2", "liveA", nil).status, "the method bucket is empty")
	for i := 0; i < 4; i++ {
		assert.Equal(t, 200, h.do("GET", "/things", "liveA", nil).status, "the plan bucket had 5: one DELETE took one; %d", i)
	}
	assert.Equal(t, 429, h.do("GET", "/things/3", "liveA", nil).status, "the plan's bucket is empty now")
	h.clk.Add(time.Second)
	assert.Equal(t, 200, h.do("DELETE", "/things/3", "liveA", nil).status, "both buckets refilled")
}

// TestKeysJudgedAsAPIGatewayDoes: the authorizer's usageIdentifierKey must be an enabled key of a
// plan on the stage, else 403 through INVALID_API_KEY
// (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-api-key-source.html).
func TestKeysJudgedAsAPIGatewayDoes(t *testing.T) {
	src := strings.Replace(testTemplate, "        DEFAULT_4XX:", `        INVALID_API_KEY:
          StatusCode: 403
          ResponseTemplates:
            application/json: '{"name":"PERMISSIONS_ERROR","message":"disabled or not set up","event":"$context.requestId"}'
            application/problem+json: '{"type":"https://docs.hapihub.com/errors#permissions_error","status":403,"name":"PERMISSIONS_ERROR","event":"$context.requestId"}'
        DEFAULT_4XX:`, 1)
	h := newHarness(t, src)
	r := h.do("GET", "/things", "unregistered", nil)
	assert.Equal(t, 403, r.status)
	assert.Equal(t, "PERMISSIONS_ERROR", r.json["name"])
	assert.Equal(t, r.header.Get("X-Amzn-Requestid"), r.json["event"])
	assert.Equal(t, "ForbiddenException", r.header.Get("X-Amzn-ErrorType"))
	r = h.do("GET", "/things", "unregistered", nil, "Accept", "application/problem+json")
	assert.Equal(t, 403, r.status)
	assert.Equal(t, "application/problem+json", r.header.Get("Content-Type"))
	assert.Equal(t, float64(403), r.json["status"])

	require.Equal(t, 200, h.do("GET", "/things", "testKeep", nil).status)
	k := h.keys.Keys(usageKey("testKeep"))
	require.Len(t, k, 1)
	_, err := h.keys.UpdateKey(k[0].ID, []apigateway.PatchOp{{Op: "replace", Path: "/enabled", Value: "false"}})
	require.NoError(t, err)
	assert.Equal(t, 403, h.do("GET", "/things", "testKeep", nil).status, "a disabled key is refused, whatever the authorizer cached")
	_, err = h.keys.UpdateKey(k[0].ID, []apigateway.PatchOp{{Op: "replace", Path: "/enabled", Value: "true"}})
	require.NoError(t, err)
	assert.Equal(t, 200, h.do("GET", "/things", "testKeep", nil).status)
	assert.Equal(t, 403, h.do("GET", "/things", "nokey", nil).status, "no usage key at all")
}

// TestGatewayResponseByAccept: API Gateway picks a gateway response's template by Accept; the
// runner renders the same template the same way.
func TestGatewayResponseByAccept(t *testing.T) {
	src := strings.Replace(testTemplate, `ResponseTemplates: {application/json: '{"name":"AUTH_ERROR","event":"$context.requestId"}'}`,
		`ResponseTemplates: {application/json: '{"name":"AUTH_ERROR","event":"$context.requestId"}', application/problem+json: '{"status":401,"name":"AUTH_ERROR","instance":"urn:uuid:$context.requestId"}'}`, 1)
	h := newHarness(t, src)
	for _, c := range []struct{ accept, ct string }{
		{"", "application/json"},
		{"application/json", "application/json"},
		{"application/problem+json", "application/problem+json"},
		{"application/json;q=0.5, application/problem+json", "application/problem+json"},
		{"text/html", "application/json"},
	} {
		r := h.do("GET", "/things", "", nil, "Accept", c.accept)
		assert.Equal(t, 401, r.status)
		assert.Equal(t, c.ct, r.header.Get("Content-Type"), c.accept)
		assert.Equal(t, "AUTH_ERROR", r.json["name"])
	}
}

// rawRequest writes req verbatim on a new connection to the harness and returns the response.
func rawRequest(t testing.TB, h *harness, req string) (*http.Response, string) {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(h.srv.URL, "http://"))
	require.NoError(t, err)
	defer conn.Close()
	_, err = io.WriteString(conn, req)
	require.NoError(t, err)
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.CloseWrite() // a lying Content-Length: the body ends here
	}
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	require.NoError(t, err)
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// TestMalformedFraming (issue 16, finding 1): a body the gateway cannot read is the client's
// fault: 400 in our error format, never a 502.
func TestMalformedFraming(t *testing.T) {
	h := newHarness(t, testTemplate)
	head := "POST /things HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer testFraming\r\nContent-Type: application/json\r\n"
	for name, req := range map[string]string{
		"chunk size not hex":      head + "Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
		"chunk shorter than size": head + "Transfer-Encoding: chunked\r\n\r\n10\r\n{}",
		"no final chunk":          head + "Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n",
		"content-length too long": head + "Content-Length: 100\r\n\r\n{}",
	} {
		t.Run(name, func(t *testing.T) {
			resp, body := rawRequest(t, h, req)
			assert.Equal(t, 400, resp.StatusCode, body)
			assert.Contains(t, body, `"name":"INVALID_PARAMETERS"`)
			assert.Contains(t, body, `"event":"`)
		})
	}
}

// FuzzGatewayRequest feeds arbitrary bytes as an HTTP/1.1 request to the gateway: whatever
// arrives, the gateway never answers a 5xx and its errors are in our format. (A request line or
// header Go's HTTP server cannot parse is refused by the server itself, before the gateway.)
func FuzzGatewayRequest(f *testing.F) {
	for _, s := range []string{
		"GET /things HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer testF\r\n\r\n",
		"POST /things HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer testF\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
		"POST /things HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer testF\r\nContent-Length: 9\r\n\r\n{}",
		"PUT /files/a%2Fb HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer testF\r\nContent-Length: 2\r\n\r\n{}",
		"GET /things?a=%zz HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer testF\r\n\r\n",
	} {
		f.Add([]byte(s))
	}
	h := newHarness(f, testTemplate)
	h.fake.safe = true
	f.Fuzz(func(t *testing.T, raw []byte) {
		conn, err := net.Dial("tcp", strings.TrimPrefix(h.srv.URL, "http://"))
		if err != nil {
			t.Skip(err)
		}
		defer conn.Close()
		_, _ = conn.Write(raw)
		if tc, ok := conn.(*net.TCPConn); ok {
			_ = tc.CloseWrite()
		}
		_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			return // the server closed the connection: no answer at all is not a 5xx
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.Header.Get("X-Amzn-Requestid") == "" {
			// Go's HTTP server refused the request line or headers before the gateway saw them
			// (400, or 505 for an unknown HTTP version), as API Gateway's front end would.
			if resp.StatusCode != http.StatusBadRequest && resp.StatusCode != http.StatusHTTPVersionNotSupported && resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge && resp.StatusCode != http.StatusNotImplemented {
				t.Fatalf("%q: net/http answered %d: %s", raw, resp.StatusCode, b)
			}
			return
		}
		if resp.StatusCode >= 500 {
			t.Fatalf("%q answered %d: %s\n%s", raw, resp.StatusCode, b, h.logs.String())
		}
		if resp.Header.Get("X-Amzn-Requestid") != "" && resp.StatusCode >= 400 && !strings.Contains(string(b), `"name":"`) {
			t.Fatalf("%q answered %d outside our format: %s", raw, resp.StatusCode, fmt.Sprint(string(b)))
		}
	})
}

// TestLambdaAndIntegrationLimits: AWS's documented numbers, locally. API Gateway: 10 MB payload
// (413), 29 s integration timeout (504) —
// https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html. Lambda: 6 MB
// synchronous request and response payloads, the function's own Timeout (its error, and a
// function's panic or error, is a 502 from API Gateway) —
// https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html,
// https://docs.aws.amazon.com/apigateway/latest/developerguide/handle-errors-in-lambda-integration.html.
func TestLambdaAndIntegrationLimits(t *testing.T) {
	h := newHarness(t, testTemplate)
	big := strings.Repeat("x", 11<<20)
	r := h.do("POST", "/things", "testLimits", strings.NewReader(big), "Content-Type", "text/plain")
	assert.Equal(t, 413, r.status, "11 MB: over API Gateway's 10 MB")
	r = h.do("POST", "/things", "testLimits", strings.NewReader(strings.Repeat("x", 7<<20)), "Content-Type", "text/plain")
	assert.Equal(t, 413, r.status, "7 MB: under API Gateway's 10 MB, over Lambda's 6 MB event")
	assert.Equal(t, "INVALID_PARAMETERS", r.json["name"])
	r = h.do("GET", "/things/big", "testLimits", nil)
	assert.Equal(t, 502, r.status, "a 7 MB response is over Lambda's 6 MB")
	assert.Equal(t, "UNKNOWN_ERROR", r.json["name"])
	r = h.do("GET", "/things/slow", "testLimits", nil)
	assert.Equal(t, 502, r.status, "past the function's 1 s Timeout, before the integration's: Lambda's error, a 502")

	// A function allowed longer than API Gateway waits: the integration timeout, 504.
	fns := NewFunctions(func(_ context.Context, name string) (any, error) {
		if name == "authorizer" {
			return h.fake.authorizer, nil
		}
		return h.fake.things, nil
	})
	gw, err := New(Options{Template: h.tpl, Functions: fns, Keys: h.keys, IntegrationTimeout: 200 * time.Millisecond,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	require.NoError(t, err)
	srv := httptest.NewServer(gw)
	defer srv.Close()
	req, _ := http.NewRequest("GET", srv.URL+"/things/slow", nil)
	req.Header.Set("Authorization", "Bearer testLimits2")
	req.Header.Set("Accept", "application/problem+json")
	resp, err := srv.Client().Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 504, resp.StatusCode)
	assert.Equal(t, "IntegrationTimeoutException", resp.Header.Get("X-Amzn-ErrorType"))
}
