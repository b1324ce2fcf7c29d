package local

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"html"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/infra/apigateway"
	"github.com/hapihub/hapihub/infra/browsertest"
	"github.com/hapihub/hapihub/infra/template"
)

// webTemplate serves a web app the way template.yaml serves the console: ANY on a root path and
// on its greedy {proxy+}, with no authorizer and no API key, on an API whose default is a
// key-checking authorizer with a one-request usage plan.
const webTemplate = `
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: v1
      ApiKeySourceType: AUTHORIZER
      Cors: {AllowOrigin: "'*'", AllowMethods: "'GET,POST,OPTIONS'"}
      Auth:
        DefaultAuthorizer: Keys
        ApiKeyRequired: true
        Authorizers:
          Keys:
            FunctionArn: !GetAtt AuthorizerFunction.Arn
            FunctionPayloadType: REQUEST
            Identity: {Headers: [Authorization]}
  TestUsagePlan:
    Type: AWS::ApiGateway::UsagePlan
    Properties:
      Throttle: {RateLimit: 1, BurstLimit: 1}
  AuthorizerFunction:
    Type: AWS::Serverless::Function
  WebFunction:
    Type: AWS::Serverless::Function
    Properties:
      Events:
        Root: {Type: Api, Properties: {RestApiId: !Ref Api, Path: /web, Method: ANY, Auth: {Authorizer: NONE, ApiKeyRequired: false}}}
        Pages: {Type: Api, Properties: {RestApiId: !Ref Api, Path: "/web/{proxy+}", Method: ANY, Auth: {Authorizer: NONE, ApiKeyRequired: false}}}
`

// webApp is a fake server-rendered web function: it records each event and answers by path.
type webApp struct {
	mu        sync.Mutex
	events    []events.APIGatewayProxyRequest
	authCalls atomic.Int32
}

var pngBytes = []byte{0x89, 'P', 'N', 'G', 0, 0xff}

func (a *webApp) handle(_ context.Context, ev events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	a.mu.Lock()
	a.events = append(a.events, ev)
	a.mu.Unlock()
	htmlPage := func(body string) events.APIGatewayProxyResponse {
		return events.APIGatewayProxyResponse{StatusCode: 200, Headers: map[string]string{"Content-Type": "text/html; charset=utf-8"},
			Body: "<!doctype html><title>Web</title><body>" + body + "</body>"}
	}
	switch ev.PathParameters["proxy"] {
	case "login":
		if ev.HTTPMethod == http.MethodGet {
			return htmlPage(`<form method="post" action="/web/login"><input name="email"><input type="password" name="password"><button>Sign in</button></form>`), nil
		}
		form, err := url.ParseQuery(ev.Body)
		if err != nil || form.Get("email") == "" {
			return events.APIGatewayProxyResponse{StatusCode: 400, Body: "bad form"}, nil
		}
		// Two cookies, Secure as the console's are: they must reach the browser as two headers.
		return events.APIGatewayProxyResponse{StatusCode: 303, MultiValueHeaders: map[string][]string{
			"Location":   {"/web/home"},
			"Set-Cookie": {"hh_session=tok-" + form.Get("email") + "; Path=/; Secure; HttpOnly; SameSite=Lax", "hh_csrf=c1; Path=/; Secure; SameSite=Lax"},
		}}, nil
	case "redirect":
		return events.APIGatewayProxyResponse{StatusCode: 302, Headers: map[string]string{"Location": "/web/login?next=%2Fweb%2Fkeys"}}, nil
	case "logo.png":
		return events.APIGatewayProxyResponse{StatusCode: 200, Headers: map[string]string{"Content-Type": "image/png"},
			Body: base64.StdEncoding.EncodeToString(pngBytes), IsBase64Encoded: true}, nil
	}
	return htmlPage(fmt.Sprintf(`<p id="method">%s</p><p id="cookie">%s</p>`, ev.HTTPMethod, html.EscapeString(ev.Headers["Cookie"]))), nil
}

func (a *webApp) last(t *testing.T) events.APIGatewayProxyRequest {
	t.Helper()
	a.mu.Lock()
	defer a.mu.Unlock()
	require.NotEmpty(t, a.events, "the function was not invoked")
	return a.events[len(a.events)-1]
}

func newWebApp(t *testing.T) (*webApp, *httptest.Server) {
	t.Helper()
	tpl, err := template.Parse([]byte(webTemplate))
	require.NoError(t, err)
	app := &webApp{}
	fns := NewFunctions(func(_ context.Context, name string) (any, error) {
		switch name {
		case "web":
			return app.handle, nil
		case "authorizer":
			return func(context.Context, events.APIGatewayCustomAuthorizerRequestTypeRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
				app.authCalls.Add(1)
				return events.APIGatewayCustomAuthorizerResponse{}, fmt.Errorf("Unauthorized")
			}, nil
		}
		return nil, fmt.Errorf("no function %s", name)
	})
	keys, err := apigateway.Open(t.TempDir(), apigateway.PlansFromTemplate(tpl, "", ""), apigateway.Options{NoSync: true})
	require.NoError(t, err)
	gw, err := New(Options{Template: tpl, Functions: fns, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Keys: keys})
	require.NoError(t, err)
	srv := httptest.NewServer(gw)
	t.Cleanup(srv.Close)
	return app, srv
}

// noRedirects is a client that shows redirects instead of following them, as a test of what the
// browser receives needs.
func noRedirects(srv *httptest.Server) *http.Client {
	c := *srv.Client()
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &c
}

func send(t *testing.T, c *http.Client, method, u string, body io.Reader, hdr ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, u, body)
	require.NoError(t, err)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Add(hdr[i], hdr[i+1])
	}
	resp, err := c.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, b
}

// TestWebAppEveryMethodNoKey: ANY serves every method on the root and the greedy path, with no
// API key, no authorizer call and no usage-plan throttle (the plan allows one request a second).
func TestWebAppEveryMethodNoKey(t *testing.T) {
	app, srv := newWebApp(t)
	c := noRedirects(srv)
	paths := []struct {
		path, resource string
		params         map[string]string
	}{
		{"/web", "/web", nil},
		{"/web/", "/web", nil},
		{"/web/keys", "/web/{proxy+}", map[string]string{"proxy": "keys"}},
		{"/web/webhooks/we_1/deliveries/del%202", "/web/{proxy+}", map[string]string{"proxy": "webhooks/we_1/deliveries/del 2"}},
	}
	for _, method := range []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"} {
		for _, p := range paths {
			t.Run(method+" "+p.path, func(t *testing.T) {
				resp, body := send(t, c, method, srv.URL+p.path, nil)
				require.Equal(t, 200, resp.StatusCode, string(body))
				ev := app.last(t)
				assert.Equal(t, method, ev.HTTPMethod)
				assert.Equal(t, p.resource, ev.Resource)
				assert.Equal(t, p.params, ev.PathParameters)
				assert.Nil(t, ev.RequestContext.Authorizer, "no authorizer ran")
				assert.Empty(t, ev.RequestContext.Identity.APIKey)
				assert.Equal(t, "text/html; charset=utf-8", resp.Header.Get("Content-Type"))
				if method == "HEAD" {
					assert.Empty(t, body)
				} else {
					assert.Contains(t, string(body), `<p id="method">`+method+`</p>`)
				}
			})
		}
	}
	assert.Zero(t, app.authCalls.Load(), "Auth NONE never calls the authorizer")

	// An API route next to it still wants its key: the web app's routes are the only open ones.
	resp, _ := send(t, c, "GET", srv.URL+"/other", nil)
	assert.Equal(t, http.StatusForbidden, resp.StatusCode, "no such resource")

	// OPTIONS is SAM's CORS preflight (the API has Cors), answered without the function.
	n := len(app.events)
	resp, _ = send(t, c, "OPTIONS", srv.URL+"/web/keys", nil)
	assert.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, "GET,POST,OPTIONS", resp.Header.Get("Access-Control-Allow-Methods"))
	assert.Len(t, app.events, n)
}

func TestWebAppRedirectsAndCookies(t *testing.T) {
	app, srv := newWebApp(t)
	c := noRedirects(srv)

	resp, body := send(t, c, "GET", srv.URL+"/web/redirect", nil)
	assert.Equal(t, http.StatusFound, resp.StatusCode)
	assert.Equal(t, "/web/login?next=%2Fweb%2Fkeys", resp.Header.Get("Location"))
	assert.Empty(t, body)

	resp, _ = send(t, c, "POST", srv.URL+"/web/login", strings.NewReader("email=luna%40hogwarts.test&password=x+y%26z"),
		"Content-Type", "application/x-www-form-urlencoded")
	assert.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, "/web/home", resp.Header.Get("Location"))
	assert.Equal(t, []string{
		"hh_session=tok-luna@hogwarts.test; Path=/; Secure; HttpOnly; SameSite=Lax",
		"hh_csrf=c1; Path=/; Secure; SameSite=Lax",
	}, resp.Header.Values("Set-Cookie"), "each cookie is its own Set-Cookie header")
	cookies := resp.Cookies()
	require.Len(t, cookies, 2)
	assert.Equal(t, "hh_session", cookies[0].Name)
	assert.True(t, cookies[0].Secure)
	assert.True(t, cookies[0].HttpOnly)

	ev := app.last(t)
	assert.Equal(t, "email=luna%40hogwarts.test&password=x+y%26z", ev.Body, "a form body arrives as sent, as text")
	assert.False(t, ev.IsBase64Encoded)
	assert.Equal(t, "application/x-www-form-urlencoded", ev.Headers["Content-Type"])

	// The browser sends its cookies back in one Cookie header; the function sees it as sent.
	_, body = send(t, c, "GET", srv.URL+"/web/home", nil, "Cookie", "hh_session=tok; hh_csrf=c1")
	ev = app.last(t)
	assert.Equal(t, "hh_session=tok; hh_csrf=c1", ev.Headers["Cookie"])
	assert.Equal(t, []string{"hh_session=tok; hh_csrf=c1"}, ev.MultiValueHeaders["Cookie"])
	assert.Contains(t, string(body), "hh_session=tok; hh_csrf=c1")
	host := strings.TrimPrefix(srv.URL, "http://")
	assert.Equal(t, host, ev.RequestContext.DomainName, "the app can build its own absolute URLs")
	assert.Equal(t, host, ev.Headers["Host"])
	assert.Equal(t, "http", ev.Headers["X-Forwarded-Proto"])
}

func TestWebAppBinaryBodies(t *testing.T) {
	app, srv := newWebApp(t)
	c := noRedirects(srv)

	// A multipart form (a file upload) is binary: base64 in the event, bytes intact.
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, err := mw.CreateFormFile("file", "a.bin")
	require.NoError(t, err)
	_, err = fw.Write([]byte{0, 0xff, 0xfe, 'x'})
	require.NoError(t, err)
	require.NoError(t, mw.Close())
	sent := append([]byte(nil), buf.Bytes()...)
	resp, _ := send(t, c, "POST", srv.URL+"/web/upload", &buf, "Content-Type", mw.FormDataContentType())
	require.Equal(t, 200, resp.StatusCode)
	ev := app.last(t)
	require.True(t, ev.IsBase64Encoded)
	got, err := base64.StdEncoding.DecodeString(ev.Body)
	require.NoError(t, err)
	assert.Equal(t, sent, got)

	// A base64 response (an image) reaches the client decoded.
	resp, body := send(t, c, "GET", srv.URL+"/web/logo.png", nil)
	require.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, "image/png", resp.Header.Get("Content-Type"))
	assert.Equal(t, pngBytes, body)
}

// TestWebAppInChromium: a real browser signs in through the gateway on http://127.0.0.1, keeps
// both Secure cookies (Chrome trusts loopback) and sends them back on the next page.
func TestWebAppInChromium(t *testing.T) {
	ctx := browsertest.Start(t)
	app, srv := newWebApp(t)
	browsertest.Open(t, ctx, srv.URL+"/web/redirect")
	assert.Contains(t, browsertest.Location(t, ctx), "/web/login?next=", "the 302 was followed")
	browsertest.Fill(t, ctx, "email", "luna")
	browsertest.Fill(t, ctx, "password", "secret")
	status := browsertest.Submit(t, ctx, "Sign in")
	assert.Equal(t, 200, status)
	assert.Equal(t, srv.URL+"/web/home", browsertest.Location(t, ctx))
	assert.Equal(t, "GET", browsertest.Text(t, ctx, "#method"))
	assert.Equal(t, "hh_session=tok-luna; hh_csrf=c1", browsertest.Text(t, ctx, "#cookie"))
	assert.Equal(t, "hh_session=tok-luna; hh_csrf=c1", app.last(t).Headers["Cookie"])
}
