package local

import (
	"encoding/base64"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

// requestCtx is what the runner knows about one request as it passes the gateway's stages.
type requestCtx struct {
	requestID    string
	method       string
	path         string // decoded request path
	escapedPath  string
	resourcePath string // the template path matched, e.g. /patients/{id}
	start        time.Time
	sourceIP     string
	headers      map[string]string
	multiHeaders map[string][]string
	query        map[string]string
	multiQuery   map[string][]string
	pathParams   map[string]string
	function     string
	authCached   bool
	apiKey       string // the authorizer's usageIdentifierKey, when the route needs a key
	corsAdded    bool
}

// newRequestCtx reads what every stage needs from the HTTP request: headers as API Gateway
// forwards them (single-value maps hold the last value of a repeated name) plus the
// X-Forwarded-* headers it adds, and the query string decoded the same way.
func newRequestCtx(r *http.Request, requestID string, now time.Time) *requestCtx {
	rc := &requestCtx{requestID: requestID, method: r.Method, path: r.URL.Path, escapedPath: r.URL.EscapedPath(), start: now}
	rc.sourceIP = r.RemoteAddr
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		rc.sourceIP = host
	}
	rc.multiHeaders = map[string][]string{}
	for k, vs := range r.Header {
		rc.multiHeaders[k] = append([]string(nil), vs...)
	}
	if r.Host != "" {
		rc.multiHeaders["Host"] = []string{r.Host}
	}
	xff := rc.sourceIP
	if prev := r.Header.Values("X-Forwarded-For"); len(prev) > 0 {
		xff = strings.Join(prev, ", ") + ", " + rc.sourceIP
	}
	rc.multiHeaders["X-Forwarded-For"] = []string{xff}
	proto := "http"
	if r.TLS != nil {
		proto = "https"
	}
	rc.multiHeaders["X-Forwarded-Proto"] = []string{proto}
	if _, port, err := net.SplitHostPort(r.Host); err == nil {
		rc.multiHeaders["X-Forwarded-Port"] = []string{port}
	}
	rc.headers = lastValues(rc.multiHeaders)
	rc.multiQuery = parseQuery(r.URL.RawQuery)
	rc.query = lastValues(rc.multiQuery)
	return rc
}

func lastValues(m map[string][]string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, vs := range m {
		if len(vs) > 0 {
			out[k] = vs[len(vs)-1]
		}
	}
	return out
}

// parseQuery decodes a query string keeping the order of repeated keys. Unlike url.ParseQuery it
// never drops a pair: a malformed escape is passed through as sent.
func parseQuery(raw string) map[string][]string {
	if raw == "" {
		return nil
	}
	out := map[string][]string{}
	for _, pair := range strings.Split(raw, "&") {
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		out[unescape(k)] = append(out[unescape(k)], unescape(v))
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

func unescape(s string) string {
	if u, err := url.QueryUnescape(s); err == nil {
		return u
	}
	return s
}

// textTypes are sent to functions as text; any other body is base64 with IsBase64Encoded.
func isText(contentType string) bool {
	if contentType == "" {
		return true
	}
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	switch {
	case strings.HasPrefix(mt, "text/"),
		mt == "application/json", strings.HasSuffix(mt, "+json"),
		mt == "application/xml", strings.HasSuffix(mt, "+xml"),
		mt == "application/x-www-form-urlencoded", mt == "application/javascript",
		mt == "application/graphql", mt == "application/x-ndjson":
		return true
	}
	return false
}

// proxyEvent is the API Gateway REST proxy event for the request.
func (g *Gateway) proxyEvent(rc *requestCtx, body []byte, authorizer map[string]any) events.APIGatewayProxyRequest {
	ev := events.APIGatewayProxyRequest{
		Resource:                        rc.resourcePath,
		Path:                            rc.path,
		HTTPMethod:                      rc.method,
		Headers:                         rc.headers,
		MultiValueHeaders:               rc.multiHeaders,
		QueryStringParameters:           rc.query,
		MultiValueQueryStringParameters: rc.multiQuery,
		PathParameters:                  rc.pathParams,
		RequestContext: events.APIGatewayProxyRequestContext{
			AccountID:         g.accountID,
			ResourceID:        resourceID(rc.resourcePath),
			Stage:             g.stage,
			DomainName:        rc.headers["Host"],
			DomainPrefix:      strings.Split(rc.headers["Host"], ".")[0],
			RequestID:         rc.requestID,
			ExtendedRequestID: rc.requestID,
			Protocol:          "HTTP/1.1",
			Identity:          events.APIGatewayRequestIdentity{SourceIP: rc.sourceIP, UserAgent: rc.headers["User-Agent"], APIKey: rc.apiKey},
			ResourcePath:      rc.resourcePath,
			Path:              "/" + g.stage + rc.path,
			Authorizer:        authorizer,
			HTTPMethod:        rc.method,
			RequestTime:       rc.start.UTC().Format("02/Jan/2006:15:04:05 -0700"),
			RequestTimeEpoch:  rc.start.UnixMilli(),
			APIID:             g.apiID,
		},
	}
	if len(ev.PathParameters) == 0 {
		ev.PathParameters = nil
	}
	if len(body) > 0 {
		if isText(rc.headers["Content-Type"]) && !g.binary(rc.headers["Content-Type"]) {
			ev.Body = string(body)
		} else {
			ev.Body = base64.StdEncoding.EncodeToString(body)
			ev.IsBase64Encoded = true
		}
	}
	return ev
}

// binary says whether the API's BinaryMediaTypes claim a content type.
func (g *Gateway) binary(contentType string) bool {
	mt, _, _ := mime.ParseMediaType(contentType)
	for _, b := range g.api.BinaryMediaTypes {
		b = strings.ReplaceAll(b, "~1", "/") // CloudFormation escapes / as ~1
		if b == "*/*" || b == mt || strings.HasSuffix(b, "/*") && strings.HasPrefix(mt, strings.TrimSuffix(b, "*")) {
			return true
		}
	}
	return false
}

// resourceID is a stable short id per resource path, like API Gateway's.
func resourceID(path string) string {
	var h uint32 = 2166136261
	for i := 0; i < len(path); i++ {
		h = (h ^ uint32(path[i])) * 16777619
	}
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	out := make([]byte, 6)
	for i := range out {
		out[i] = alphabet[h%36]
		h /= 36
	}
	return string(out)
}

// authorizerRequest is the REQUEST authorizer's input.
func (g *Gateway) authorizerRequest(rc *requestCtx, methodArn string) events.APIGatewayCustomAuthorizerRequestTypeRequest {
	return events.APIGatewayCustomAuthorizerRequestTypeRequest{
		Type:                            "REQUEST",
		MethodArn:                       methodArn,
		Resource:                        rc.resourcePath,
		Path:                            rc.path,
		HTTPMethod:                      rc.method,
		Headers:                         rc.headers,
		MultiValueHeaders:               rc.multiHeaders,
		QueryStringParameters:           rc.query,
		MultiValueQueryStringParameters: rc.multiQuery,
		PathParameters:                  rc.pathParams,
		StageVariables:                  map[string]string{},
		RequestContext: events.APIGatewayCustomAuthorizerRequestTypeRequestContext{
			Path:         "/" + g.stage + rc.path,
			AccountID:    g.accountID,
			ResourceID:   resourceID(rc.resourcePath),
			Stage:        g.stage,
			RequestID:    rc.requestID,
			Identity:     events.APIGatewayCustomAuthorizerRequestTypeRequestIdentity{SourceIP: rc.sourceIP},
			ResourcePath: rc.resourcePath,
			HTTPMethod:   rc.method,
			APIID:        g.apiID,
		},
	}
}
