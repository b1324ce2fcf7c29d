package consolefn

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The console's Lambda adapter: the handler sees /console/... and the caller's IP, its several
// Set-Cookie headers all reach the gateway, and the origin it derives carries the stage on AWS
// but not under the local runner (which serves at the root).
func TestConsoleLambda(t *testing.T) {
	cases := []struct {
		name        string
		local       bool
		host, proto string
		rcPath      string
		headerHost  string // the Host header when the client sends another than the domain
		wantAPI     string
		wantMount   string
	}{
		{"execute-api address", false, "abc.execute-api.eu-west-1.amazonaws.com", "https", "/prod/console/keys", "", "https://abc.execute-api.eu-west-1.amazonaws.com/prod", "/prod/console"},
		{"custom domain without a base path", false, "api.hapihub.com", "", "/console/keys", "", "https://api.hapihub.com", "/console"},
		// The console sends session keys to this address: on AWS the client's Host and
		// X-Forwarded-Proto are not believed.
		{"AWS ignores the client's Host and X-Forwarded-Proto", false, "api.hapihub.com", "http", "/console/keys", "evil.example", "https://api.hapihub.com", "/console"},
		{"local runner", true, "localhost:3000", "http", "/local/console/keys", "", "http://localhost:3000", "/console"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var gotPath, gotIP, gotAPI, gotMount string
			origin := consoleOrigin(tc.local)
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				gotPath, gotIP = r.URL.Path, r.RemoteAddr
				gotAPI, gotMount = origin(r)
				http.SetCookie(w, &http.Cookie{Name: "hh_session", Value: "a", Path: "/", HttpOnly: true, Secure: true})
				http.SetCookie(w, &http.Cookie{Name: "hh_flash", Value: "b", Path: "/"})
				w.WriteHeader(http.StatusSeeOther)
			})
			headers := map[string][]string{"Host": {tc.host}}
			if tc.headerHost != "" {
				headers["Host"] = []string{tc.headerHost}
			}
			if tc.proto != "" {
				headers["X-Forwarded-Proto"] = []string{tc.proto}
			}
			resp, err := ConsoleLambda(h)(context.Background(), events.APIGatewayProxyRequest{
				HTTPMethod: "POST", Path: "/console/keys", Resource: "/console/{proxy+}", MultiValueHeaders: headers,
				RequestContext: events.APIGatewayProxyRequestContext{DomainName: tc.host, Stage: "prod", Path: tc.rcPath,
					Identity: events.APIGatewayRequestIdentity{SourceIP: "203.0.113.7"}},
			})
			require.NoError(t, err)
			assert.Equal(t, http.StatusSeeOther, resp.StatusCode)
			assert.Equal(t, "/console/keys", gotPath)
			assert.Equal(t, "203.0.113.7", gotIP)
			assert.Equal(t, tc.wantAPI, gotAPI)
			assert.Equal(t, tc.wantMount, gotMount)
			assert.Len(t, resp.MultiValueHeaders["Set-Cookie"], 2, "both cookies reach the gateway")
		})
	}
}

// The console's Lambda handler serves concurrent invocations (the local runner invokes one
// instance for a page and its assets at once): each gets its own response.
// lambda.NewHandler's would hand them a pooled buffer already put back (a race under -race).
func TestConsoleHandlerIsSafeForConcurrentInvocations(t *testing.T) {
	h := proxyHandler(ConsoleLambda(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "<p>"+r.URL.Path+"</p>")
	})))
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 50 {
				path := fmt.Sprintf("/console/page-%d-%d", i, j)
				ev, err := json.Marshal(events.APIGatewayProxyRequest{HTTPMethod: "GET", Path: path, Resource: "/console/{proxy+}"})
				require.NoError(t, err)
				out, err := h.Invoke(context.Background(), ev)
				require.NoError(t, err)
				var resp events.APIGatewayProxyResponse
				require.NoError(t, json.Unmarshal(out, &resp), "%s", out)
				assert.Equal(t, "<p>"+path+"</p>", resp.Body)
				assert.Contains(t, string(out), "<p>", "HTML is written unescaped, as lambda.NewHandler writes it")
			}
		})
	}
	wg.Wait()
}
