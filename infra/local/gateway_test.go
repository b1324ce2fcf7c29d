package local

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/infra/apigateway"
	"github.com/hapihub/hapihub/infra/template"
)

const testTemplate = `
Parameters:
  StageName: {Type: String, Default: v7}
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: !Ref StageName
      ApiKeySourceType: AUTHORIZER
      Cors:
        AllowOrigin: "'*'"
        AllowHeaders: "'Authorization,Content-Type'"
        AllowMethods: "'GET,POST,OPTIONS'"
        MaxAge: "'600'"
      Auth:
        DefaultAuthorizer: Keys
        ApiKeyRequired: true
        Authorizers:
          Keys:
            FunctionArn: !GetAtt AuthorizerFunction.Arn
            FunctionPayloadType: REQUEST
            Identity: {Headers: [Authorization], ReauthorizeEvery: 300}
      GatewayResponses:
        UNAUTHORIZED:
          StatusCode: 401
          ResponseParameters: {Headers: {Access-Control-Allow-Origin: "'*'"}}
          ResponseTemplates: {application/json: '{"name":"AUTH_ERROR","event":"$context.requestId"}'}
        ACCESS_DENIED:
          StatusCode: 403
          ResponseTemplates: {application/json: '{"name":"PERMISSIONS_ERROR","event":"$context.requestId"}'}
        MISSING_AUTHENTICATION_TOKEN:
          StatusCode: 404
          ResponseTemplates: {application/json: '{"name":"METHOD_NOT_IMPLEMENTED","event":"$context.requestId"}'}
        INVALID_SIGNATURE:
          StatusCode: 404
          ResponseTemplates: {application/json: '{"name":"METHOD_NOT_IMPLEMENTED","event":"$context.requestId"}'}
        THROTTLED:
          StatusCode: 429
          ResponseParameters: {Headers: {Retry-After: "'1'"}}
          ResponseTemplates: {application/json: '{"name":"RATE_LIMIT_EXCEEDED","event":"$context.requestId"}'}
        DEFAULT_4XX:
          ResponseTemplates: {application/json: '{"name":"INVALID_PARAMETERS","message":$context.error.messageString,"event":"$context.requestId"}'}
        DEFAULT_5XX:
          ResponseTemplates: {application/json: '{"name":"UNKNOWN_ERROR","event":"$context.requestId"}'}
  TestUsagePlan:
    Type: AWS::ApiGateway::UsagePlan
    Properties:
      Throttle: {RateLimit: 2, BurstLimit: 3}
  LiveUsagePlan:
    Type: AWS::ApiGateway::UsagePlan
    Properties:
      Throttle: {RateLimit: 10, BurstLimit: 5}
      ApiStages:
        - ApiId: !Ref Api
          Throttle: {"/things/{id}/DELETE": {RateLimit: 1, BurstLimit: 1}}
  AuthorizerFunction:
    Type: AWS::Serverless::Function
  ThingsFunction:
    Type: AWS::Serverless::Function
    Properties:
      Timeout: 1
      Events:
        Find: {Type: Api, Properties: {RestApiId: !Ref Api, Path: /things, Method: GET}}
        Create: {Type: Api, Properties: {RestApiId: !Ref Api, Path: /things, Method: POST}}
        Get: {Type: Api, Properties: {RestApiId: !Ref Api, Path: "/things/{id}", Method: GET}}
        Remove: {Type: Api, Properties: {RestApiId: !Ref Api, Path: "/things/{id}", Method: DELETE}}
        Special: {Type: Api, Properties: {RestApiId: !Ref Api, Path: /things/special, Method: GET}}
        Sub: {Type: Api, Properties: {RestApiId: !Ref Api, Path: "/things/{id}/parts/{part}", Method: GET}}
        Files: {Type: Api, Properties: {RestApiId: !Ref Api, Path: "/files/{path+}", Method: ANY}}
        Spec: {Type: Api, Properties: {RestApiId: !Ref Api, Path: /spec, Method: GET, Auth: {Authorizer: NONE, ApiKeyRequired: false}}}
        Open: {Type: Api, Properties: {RestApiId: !Ref Api, Path: /open, Method: GET, Auth: {Authorizer: NONE}}}
`

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// fake is a tiny function registry: an authorizer keyed by the bearer token and a "things"
// function that echoes its event.
type fake struct {
	authCalls atomic.Int32
	events    chan events.APIGatewayProxyRequest
	// register makes a usage key an enabled key of its mode's plan, as account creation does;
	// tokens starting "unreg" name keys nobody registered.
	register func(mode, usageKey string)
	// safe: the things function never fails on purpose (the fuzz target judges the gateway).
	safe bool
}

// usageKey is the fake authorizer's usage identifier key of a token (20+ characters, as API
// Gateway requires of key values).
func usageKey(token string) string { return "uk-" + token + "-0123456789abcdef" }

func (f *fake) authorizer(_ context.Context, req events.APIGatewayCustomAuthorizerRequestTypeRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
	f.authCalls.Add(1)
	token := strings.TrimPrefix(req.Headers["Authorization"], "Bearer ")
	base := strings.SplitN(req.MethodArn, "/", 3)[0] + "/" + strings.SplitN(req.MethodArn, "/", 3)[1]
	allow := func(effect, resource, mode, usageKey string) events.APIGatewayCustomAuthorizerResponse {
		if f.register != nil && usageKey != "" && !strings.HasPrefix(token, "unreg") {
			f.register(mode, usageKey)
		}
		return events.APIGatewayCustomAuthorizerResponse{
			PrincipalID: "acct_" + token,
			PolicyDocument: events.APIGatewayCustomAuthorizerPolicy{Version: "2012-10-17", Statement: []events.IAMPolicyStatement{
				{Action: []string{"execute-api:Invoke"}, Effect: effect, Resource: []string{resource}}}},
			Context:            map[string]any{"mode": mode, "accountId": "acct_" + token, "n": 3, "ok": true},
			UsageIdentifierKey: usageKey,
		}
	}
	switch {
	case strings.HasPrefix(token, "test"), strings.HasPrefix(token, "unreg"):
		return allow("Allow", base+"/*/*", "test", usageKey(token)), nil
	case strings.HasPrefix(token, "live"):
		return allow("Allow", base+"/*/*", "live", usageKey(token)), nil
	case token == "narrow":
		return allow("Allow", base+"/GET/things/*", "test", usageKey("narrow")), nil
	case token == "deny":
		return allow("Deny", base+"/*/*", "test", usageKey("deny")), nil
	case token == "nokey":
		return allow("Allow", base+"/*/*", "test", ""), nil
	case token == "boom":
		return events.APIGatewayCustomAuthorizerResponse{}, errors.New("store down")
	}
	return events.APIGatewayCustomAuthorizerResponse{}, errors.New("Unauthorized")
}

func (f *fake) things(ctx context.Context, ev events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	if f.events != nil {
		f.events <- ev
	}
	id := ev.PathParameters["id"]
	if f.safe {
		id = ""
	}
	switch id {
	case "panic":
		panic("secret internals")
	case "error":
		return events.APIGatewayProxyResponse{}, errors.New("secret internals")
	case "malformed":
		return events.APIGatewayProxyResponse{}, nil // statusCode 0
	case "slow":
		<-ctx.Done()
		time.Sleep(10 * time.Millisecond)
		return events.APIGatewayProxyResponse{StatusCode: 200}, nil
	case "big":
		// 7 MB: over Lambda's 6 MB response payload.
		return events.APIGatewayProxyResponse{StatusCode: 200, Body: strings.Repeat("x", 7<<20)}, nil
	case "binary":
		return events.APIGatewayProxyResponse{StatusCode: 200, Body: base64.StdEncoding.EncodeToString([]byte{0, 1, 2}), IsBase64Encoded: true,
			Headers: map[string]string{"Content-Type": "application/octet-stream", "X-One": "single"}, MultiValueHeaders: map[string][]string{"X-Many": {"a", "b"}, "X-One": {"multi"}}}, nil
	}
	b, _ := json.Marshal(ev)
	return events.APIGatewayProxyResponse{StatusCode: 200, Body: string(b), Headers: map[string]string{"Content-Type": "application/json", "Access-Control-Allow-Origin": "*"}}, nil
}

type harness struct {
	keys *apigateway.Service
	t    testing.TB
	srv  *httptest.Server
	gw   *Gateway
	fake *fake
	clk  *clock
	logs *syncBuffer
	tpl  *template.Template
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func newHarness(t testing.TB, src string) *harness {
	t.Helper()
	tpl, err := template.Parse([]byte(src))
	require.NoError(t, err)
	h := &harness{t: t, fake: &fake{}, clk: &clock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}, logs: &syncBuffer{}, tpl: tpl}
	h.keys, err = apigateway.Open(t.TempDir(), apigateway.PlansFromTemplate(tpl, "", ""), apigateway.Options{NoSync: true})
	require.NoError(t, err)
	var regMu sync.Mutex
	h.fake.register = func(mode, value string) {
		regMu.Lock()
		defer regMu.Unlock()
		if len(h.keys.Keys(value)) > 0 {
			return
		}
		// No t methods here: the fuzz target's *testing.F may not be used inside the fuzz function;
		// a key left unregistered shows as a 403 in the test that needed it.
		if k, err := h.keys.CreateKey(value, "", value, true); err == nil {
			_, _ = h.keys.AttachKey(apigateway.PlanID(strings.ToUpper(mode[:1])+mode[1:]+"UsagePlan"), k.ID, "API_KEY")
		}
	}
	fns := NewFunctions(func(_ context.Context, name string) (any, error) {
		switch name {
		case "authorizer":
			return h.fake.authorizer, nil
		case "things":
			return h.fake.things, nil
		}
		return nil, errors.New("no such function")
	})
	h.gw, err = New(Options{Template: tpl, Functions: fns, Now: h.clk.Now, Log: slog.New(slog.NewJSONHandler(h.logs, nil)), Keys: h.keys,
		IntegrationTimeout: 2 * time.Second})
	require.NoError(t, err)
	h.srv = httptest.NewServer(h.gw)
	t.Cleanup(h.srv.Close)
	return h
}

// registeredKeys is the embedded API Gateway with value registered as an enabled key of the
// plan with logical id planLogicalID, for gateways whose tests bring their own authorizer.
func registeredKeys(t *testing.T, tpl *template.Template, value, planLogicalID string) *apigateway.Service {
	t.Helper()
	svc, err := apigateway.Open(t.TempDir(), apigateway.PlansFromTemplate(tpl, "", ""), apigateway.Options{NoSync: true})
	require.NoError(t, err)
	k, err := svc.CreateKey("k", "", value, true)
	require.NoError(t, err)
	_, err = svc.AttachKey(apigateway.PlanID(planLogicalID), k.ID, "API_KEY")
	require.NoError(t, err)
	return svc
}

type result struct {
	status int
	header http.Header
	body   []byte
	json   map[string]any
}

func (h *harness) do(method, path, key string, body io.Reader, hdr ...string) result {
	h.t.Helper()
	req, err := http.NewRequest(method, h.srv.URL+path, body)
	require.NoError(h.t, err)
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Add(hdr[i], hdr[i+1])
	}
	resp, err := h.srv.Client().Do(req)
	require.NoError(h.t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(h.t, err)
	r := result{status: resp.StatusCode, header: resp.Header, body: b}
	_ = json.Unmarshal(b, &r.json)
	return r
}

// event returns the proxy event the things function received for a request.
func (h *harness) event(method, path, key string, body io.Reader, hdr ...string) (events.APIGatewayProxyRequest, result) {
	h.t.Helper()
	r := h.do(method, path, key, body, hdr...)
	require.Equal(h.t, 200, r.status, string(r.body))
	var ev events.APIGatewayProxyRequest
	require.NoError(h.t, json.Unmarshal(r.body, &ev))
	return ev, r
}

func TestRouteMatching(t *testing.T) {
	h := newHarness(t, testTemplate)
	cases := []struct {
		method, path, resource string
		params                 map[string]string
	}{
		{"GET", "/things", "/things", nil},
		{"GET", "/things/", "/things", nil},
		{"GET", "/things/special", "/things/special", nil},
		{"GET", "/things/pat_1", "/things/{id}", map[string]string{"id": "pat_1"}},
		{"GET", "/things/a%20b%2Fc", "/things/{id}", map[string]string{"id": "a b/c"}},
		{"GET", "/things/special/parts/p1", "/things/{id}/parts/{part}", map[string]string{"id": "special", "part": "p1"}},
		{"PUT", "/files/a/b%20c/d.txt", "/files/{path+}", map[string]string{"path": "a/b c/d.txt"}},
	}
	for i, c := range cases {
		t.Run(c.method+" "+c.path, func(t *testing.T) {
			ev, _ := h.event(c.method, c.path, fmt.Sprint("test-route-", i), nil)
			assert.Equal(t, c.resource, ev.Resource)
			assert.Equal(t, c.resource, ev.RequestContext.ResourcePath)
			assert.Equal(t, c.params, ev.PathParameters)
			assert.Equal(t, c.method, ev.HTTPMethod)
		})
	}
	for _, miss := range []struct{ method, path string }{{"GET", "/nope"}, {"PUT", "/things"}, {"GET", "/things/a/b"}, {"GET", "/files"}, {"GET", "/"}} {
		t.Run("missing "+miss.method+" "+miss.path, func(t *testing.T) {
			// With a key, API Gateway reads Authorization as a SigV4 signature (INVALID_SIGNATURE);
			// without one, nothing authenticates it (MISSING_AUTHENTICATION_TOKEN).
			for key, errType := range map[string]string{"test1": "IncompleteSignatureException", "": "MissingAuthenticationTokenException"} {
				r := h.do(miss.method, miss.path, key, nil)
				assert.Equal(t, 404, r.status)
				assert.Equal(t, "METHOD_NOT_IMPLEMENTED", r.json["name"])
				assert.Equal(t, errType, r.header.Get("X-Amzn-ErrorType"))
				assert.Equal(t, r.header.Get("X-Amzn-Requestid"), r.json["event"])
				assert.Equal(t, "*", r.header.Get("Access-Control-Allow-Origin"))
			}
			sigv4 := h.do(miss.method, miss.path, "", nil, "Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-east-1/execute-api/aws4_request, SignedHeaders=host, Signature=00")
			assert.Equal(t, 404, sigv4.status)
			assert.Equal(t, "InvalidSignatureException", sigv4.header.Get("X-Amzn-ErrorType"))
		})
	}
	assert.Equal(t, int32(len(cases)), h.fake.authCalls.Load(), "an unknown route never reaches the authorizer")
}

func TestProxyEvent(t *testing.T) {
	h := newHarness(t, testTemplate)
	ev, r := h.event("POST", "/things?a=1&b=x%20y&a=2&c&d=%zz", "test1", strings.NewReader(`{"x":1}`),
		"Content-Type", "application/json", "X-Multi", "one", "X-Multi", "two", "User-Agent", "ua/1")
	assert.Equal(t, "/things", ev.Path)
	assert.Equal(t, `{"x":1}`, ev.Body)
	assert.False(t, ev.IsBase64Encoded)
	assert.Equal(t, map[string]string{"a": "2", "b": "x y", "c": "", "d": "%zz"}, ev.QueryStringParameters, "single values are the last of each key")
	assert.Equal(t, map[string][]string{"a": {"1", "2"}, "b": {"x y"}, "c": {""}, "d": {"%zz"}}, ev.MultiValueQueryStringParameters)
	assert.Equal(t, "two", ev.Headers["X-Multi"])
	assert.Equal(t, []string{"one", "two"}, ev.MultiValueHeaders["X-Multi"])
	assert.Equal(t, "http", ev.Headers["X-Forwarded-Proto"])
	assert.Equal(t, "127.0.0.1", ev.Headers["X-Forwarded-For"])
	assert.Equal(t, strings.TrimPrefix(h.srv.URL, "http://"), ev.Headers["Host"])

	rc := ev.RequestContext
	_, err := uuid.Parse(rc.RequestID)
	assert.NoError(t, err, "request id is a UUID")
	assert.Equal(t, r.header.Get("X-Amzn-Requestid"), rc.RequestID)
	assert.Equal(t, "v7", rc.Stage, "stage from the template's StageName parameter")
	assert.Equal(t, "/v7/things", rc.Path)
	assert.Equal(t, "POST", rc.HTTPMethod)
	assert.Equal(t, "127.0.0.1", rc.Identity.SourceIP)
	assert.Equal(t, "ua/1", rc.Identity.UserAgent)
	assert.Equal(t, usageKey("test1"), rc.Identity.APIKey, "the usage identifier key is the request's API key")
	assert.Equal(t, h.clk.Now().UnixMilli(), rc.RequestTimeEpoch)
	assert.Equal(t, "02/Jan/2026:03:04:05 +0000", rc.RequestTime)
	assert.Equal(t, map[string]any{"principalId": "acct_test1", "integrationLatency": float64(0), "mode": "test",
		"accountId": "acct_test1", "n": "3", "ok": "true"}, rc.Authorizer, "context values arrive as strings")

	bin, _ := h.event("POST", "/things", "test1", bytes.NewReader([]byte{0xff, 0, 1}), "Content-Type", "image/png")
	assert.True(t, bin.IsBase64Encoded)
	assert.Equal(t, base64.StdEncoding.EncodeToString([]byte{0xff, 0, 1}), bin.Body)

	get, _ := h.event("GET", "/things", "test1", nil)
	assert.Nil(t, get.QueryStringParameters, "no query string is null, as on AWS")
	assert.Nil(t, get.PathParameters)
	assert.Empty(t, get.Body)
}

func TestAuthorizer(t *testing.T) {
	h := newHarness(t, testTemplate)
	cases := []struct {
		name, key string
		status    int
		errName   string
	}{
		{"missing identity header", "", 401, "AUTH_ERROR"},
		{"unknown key", "nobody", 401, "AUTH_ERROR"},
		{"explicit deny", "deny", 403, "PERMISSIONS_ERROR"},
		{"authorizer failure", "boom", 500, "UNKNOWN_ERROR"},
		{"no usage identifier key", "nokey", 403, "INVALID_PARAMETERS"},
		{"allowed", "test2", 200, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := h.fake.authCalls.Load()
			r := h.do("GET", "/things", c.key, nil)
			assert.Equal(t, c.status, r.status, string(r.body))
			if c.errName != "" {
				assert.Equal(t, c.errName, r.json["name"])
				assert.Equal(t, r.header.Get("X-Amzn-Requestid"), r.json["event"])
				assert.NotContains(t, string(r.body), "store down", "no internals leak")
			}
			if c.key == "" {
				assert.Equal(t, before, h.fake.authCalls.Load(), "a missing identity source never reaches the authorizer")
			}
		})
	}
	r := h.do("GET", "/things", "nokey", nil)
	assert.Equal(t, `"Forbidden"`, string(mustJSON(t, r.json["message"])), "DEFAULT_4XX gets the message as a JSON string")

	t.Run("cache", func(t *testing.T) {
		before := h.fake.authCalls.Load()
		require.Equal(t, 200, h.do("GET", "/things", "test3", nil).status)
		require.Equal(t, 200, h.do("POST", "/things", "test3", nil).status)
		assert.Equal(t, before+1, h.fake.authCalls.Load(), "second request served from the cache")
		h.clk.Add(299 * time.Second)
		require.Equal(t, 200, h.do("GET", "/things", "test3", nil).status)
		assert.Equal(t, before+1, h.fake.authCalls.Load())
		h.clk.Add(time.Second)
		require.Equal(t, 200, h.do("GET", "/things", "test3", nil).status)
		assert.Equal(t, before+2, h.fake.authCalls.Load(), "ReauthorizeEvery elapsed: the authorizer runs again")
		assert.Contains(t, h.logs.String(), `"authorizerCached":true`)
	})
	t.Run("cached policy evaluated per methodArn", func(t *testing.T) {
		before := h.fake.authCalls.Load()
		assert.Equal(t, 200, h.do("GET", "/things/x", "narrow", nil).status)
		r := h.do("DELETE", "/things/x", "narrow", nil)
		assert.Equal(t, 403, r.status)
		assert.Equal(t, "PERMISSIONS_ERROR", r.json["name"])
		assert.Equal(t, 200, h.do("GET", "/things/y", "narrow", nil).status)
		assert.Equal(t, before+1, h.fake.authCalls.Load())
	})
	t.Run("unauthorized is not cached", func(t *testing.T) {
		before := h.fake.authCalls.Load()
		h.do("GET", "/things", "nobody2", nil)
		h.do("GET", "/things", "nobody2", nil)
		assert.Equal(t, before+2, h.fake.authCalls.Load())
	})
	t.Run("public routes", func(t *testing.T) {
		before := h.fake.authCalls.Load()
		assert.Equal(t, 200, h.do("GET", "/spec", "", nil).status)
		assert.Equal(t, before, h.fake.authCalls.Load())
		r := h.do("GET", "/open", "", nil)
		assert.Equal(t, 403, r.status, "Authorizer NONE but ApiKeyRequired: no key source, as on AWS")
	})
}

func mustJSON(t *testing.T, v any) []byte {
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return b
}

func TestThrottle(t *testing.T) {
	h := newHarness(t, testTemplate)
	limits := h.gw.Limits()
	for _, p := range h.tpl.UsagePlans {
		assert.Equal(t, p.Throttle, limits[p.LogicalID])
	}
	test := limits["TestUsagePlan"]
	for i := 0; i < test.BurstLimit; i++ {
		require.Equal(t, 200, h.do("GET", "/things", "testA", nil).status, "request %d within the burst", i)
	}
	r := h.do("GET", "/things", "testA", nil)
	assert.Equal(t, 429, r.status)
	assert.Equal(t, "RATE_LIMIT_EXCEEDED", r.json["name"])
	assert.Equal(t, "1", r.header.Get("Retry-After"))
	assert.Equal(t, 200, h.do("GET", "/things", "testB", nil).status, "another key has its own bucket")

	h.clk.Add(time.Duration(float64(time.Second) / test.RateLimit))
	assert.Equal(t, 200, h.do("GET", "/things", "testA", nil).status, "one token refilled")
	assert.Equal(t, 429, h.do("GET", "/things", "testA", nil).status)

	live := limits["LiveUsagePlan"]
	for i := 0; i < live.BurstLimit; i++ {
		require.Equal(t, 200, h.do("GET", "/things", "liveA", nil).status, "live request %d", i)
	}
	assert.Equal(t, 429, h.do("GET", "/things", "liveA", nil).status)

	// The method throttle of the live plan has its own bucket of 1.
	assert.Equal(t, 200, h.do("DELETE", "/things/1", "liveB", nil).status)
	assert.Equal(t, 429, h.do("DELETE", "/things/2", "liveB", nil).status)
	assert.Equal(t, 200, h.do("GET", "/things/2", "liveB", nil).status)
}

func TestFunctionFailures(t *testing.T) {
	h := newHarness(t, testTemplate)
	for _, id := range []string{"panic", "error", "malformed", "slow"} {
		t.Run(id, func(t *testing.T) {
			r := h.do("GET", "/things/"+id, "test"+id, nil)
			assert.Equal(t, 502, r.status)
			assert.Equal(t, "UNKNOWN_ERROR", r.json["name"])
			assert.NotContains(t, string(r.body), "secret")
			assert.Equal(t, "*", r.header.Get("Access-Control-Allow-Origin"))
		})
	}
	assert.Contains(t, h.logs.String(), "secret internals", "the cause goes to the log")
	assert.Contains(t, h.logs.String(), `"level":"ERROR"`)
}

func TestResponseWriting(t *testing.T) {
	h := newHarness(t, testTemplate)
	r := h.do("GET", "/things/binary", "test1", nil)
	require.Equal(t, 200, r.status)
	assert.Equal(t, []byte{0, 1, 2}, r.body)
	assert.Equal(t, []string{"a", "b"}, r.header.Values("X-Many"))
	assert.Equal(t, []string{"multi"}, r.header.Values("X-One"), "multiValueHeaders win over headers")
	assert.Equal(t, "application/octet-stream", r.header.Get("Content-Type"))
	assert.Equal(t, "*", r.header.Get("Access-Control-Allow-Origin"))
	assert.Contains(t, h.logs.String(), "the runner added it", "a missing CORS header is called out")

	var line map[string]any
	for _, l := range strings.Split(strings.TrimSpace(h.logs.String()), "\n") {
		require.NoError(t, json.Unmarshal([]byte(l), &line))
		if line["msg"] == "request" {
			break
		}
	}
	assert.Equal(t, r.header.Get("X-Amzn-Requestid"), line["requestId"])
	assert.Equal(t, "GET", line["method"])
	assert.Equal(t, "/things/binary", line["path"])
	assert.Equal(t, float64(200), line["status"])
	assert.Contains(t, line, "durationMs")
}

func TestPreflightAndLimits(t *testing.T) {
	h := newHarness(t, testTemplate)
	before := h.fake.authCalls.Load()
	r := h.do("OPTIONS", "/things/1", "", nil)
	assert.Equal(t, 200, r.status)
	c := h.tpl.API.Cors
	assert.Equal(t, c.AllowOrigin, r.header.Get("Access-Control-Allow-Origin"))
	assert.Equal(t, c.AllowHeaders, r.header.Get("Access-Control-Allow-Headers"))
	assert.Equal(t, c.AllowMethods, r.header.Get("Access-Control-Allow-Methods"))
	assert.Equal(t, c.MaxAge, r.header.Get("Access-Control-Max-Age"))
	assert.Empty(t, r.body)
	assert.Equal(t, before, h.fake.authCalls.Load(), "preflight runs no authorizer")
	assert.Equal(t, 404, h.do("OPTIONS", "/nope", "", nil).status)
	r = h.do("OPTIONS", "/files/a/b", "", nil)
	assert.Equal(t, 200, r.status, "preflight comes before an ANY method")
	assert.Empty(t, r.body)
	assert.Equal(t, before, h.fake.authCalls.Load())

	big := bytes.Repeat([]byte("x"), MaxBodyBytes+1)
	r = h.do("POST", "/things", "test1", bytes.NewReader(big), "Content-Type", "text/plain")
	assert.Equal(t, 413, r.status)
	assert.Equal(t, "INVALID_PARAMETERS", r.json["name"])
	assert.Equal(t, "Request Too Long", r.json["message"])
}

func TestNewErrors(t *testing.T) {
	tpl, err := template.Parse([]byte(strings.Replace(testTemplate, "ApiKeySourceType: AUTHORIZER", "ApiKeySourceType: HEADER", 1)))
	require.NoError(t, err)
	_, err = New(Options{Template: tpl, Functions: NewFunctions(nil)})
	assert.ErrorContains(t, err, "supports AUTHORIZER only")
	_, err = New(Options{Template: &template.Template{}, Functions: NewFunctions(nil)})
	assert.ErrorContains(t, err, "no AWS::Serverless::Api")
	tpl, err = template.Parse([]byte(strings.Replace(testTemplate, `Path: "/things/{id}/parts/{part}"`, `Path: "/things/{other}/parts/{part}"`, 1)))
	require.NoError(t, err)
	_, err = New(Options{Template: tpl, Functions: NewFunctions(nil), Keys: registeredKeys(t, tpl, usageKey("x"), "TestUsagePlan")})
	assert.ErrorContains(t, err, "sibling parameters must share a name")
}

func TestWildcard(t *testing.T) {
	cases := []struct {
		p, s string
		want bool
	}{
		{"arn:x/v1/*/*", "arn:x/v1/GET/patients/1", true},
		{"arn:x/v1/GET/patients/*", "arn:x/v1/GET/patients/1/sub", true},
		{"arn:x/v1/GET/patients/*", "arn:x/v1/POST/patients/1", false},
		{"arn:x/v1/GET/patients", "arn:x/v1/GET/patients", true},
		{"arn:x/v1/GET/patient?", "arn:x/v1/GET/patients", true},
		{"arn:x/v1/GET/patient?", "arn:x/v1/GET/patient", false},
		{"*", "anything", true},
		{"execute-api:*", "execute-api:Invoke", true},
		{"Execute-API:invoke", "execute-api:Invoke", true},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, wildcard(c.p, c.s), "%s ~ %s", c.p, c.s)
	}
}

func TestTokenAuthorizer(t *testing.T) {
	src := strings.Replace(testTemplate, "FunctionPayloadType: REQUEST\n            Identity: {Headers: [Authorization], ReauthorizeEvery: 300}",
		"FunctionPayloadType: TOKEN\n            Identity: {Header: X-Token, ReauthorizeEvery: 0}", 1)
	require.NotEqual(t, testTemplate, src)
	tpl, err := template.Parse([]byte(src))
	require.NoError(t, err)
	var calls atomic.Int32
	fns := NewFunctions(func(_ context.Context, name string) (any, error) {
		if name == "authorizer" {
			return func(_ context.Context, req events.APIGatewayCustomAuthorizerRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
				calls.Add(1)
				if req.Type != "TOKEN" || req.AuthorizationToken != "good" {
					return events.APIGatewayCustomAuthorizerResponse{}, errors.New("Unauthorized")
				}
				return events.APIGatewayCustomAuthorizerResponse{PrincipalID: "p", PolicyDocument: events.APIGatewayCustomAuthorizerPolicy{
					Statement: []events.IAMPolicyStatement{{Action: []string{"execute-api:*"}, Effect: "Allow", Resource: []string{req.MethodArn}}}},
					Context: map[string]any{"mode": "live"}, UsageIdentifierKey: usageKey("token")}, nil
			}, nil
		}
		return (&fake{}).things, nil
	})
	gw, err := New(Options{Template: tpl, Functions: fns, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Keys: registeredKeys(t, tpl, usageKey("token"), "LiveUsagePlan")})
	require.NoError(t, err)
	srv := httptest.NewServer(gw)
	defer srv.Close()
	get := func(token string) int {
		req, _ := http.NewRequest("GET", srv.URL+"/things", nil)
		if token != "" {
			req.Header.Set("X-Token", token)
		}
		resp, err := srv.Client().Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	assert.Equal(t, 200, get("good"))
	assert.Equal(t, 200, get("good"))
	assert.Equal(t, int32(2), calls.Load(), "ReauthorizeEvery 0: no cache")
	assert.Equal(t, 401, get("bad"))
	assert.Equal(t, 401, get(""))
	assert.Equal(t, int32(3), calls.Load(), "a missing token never reaches the authorizer")
}
