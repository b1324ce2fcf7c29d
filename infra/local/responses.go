package local

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/aws/aws-lambda-go/events"
)

// Gateway response types the runner produces, with API Gateway's default status and message.
const (
	MissingAuthenticationToken = "MISSING_AUTHENTICATION_TOKEN"
	Unauthorized               = "UNAUTHORIZED"
	AccessDenied               = "ACCESS_DENIED"
	AuthorizerFailure          = "AUTHORIZER_FAILURE"
	AuthorizerConfiguration    = "AUTHORIZER_CONFIGURATION_ERROR"
	InvalidAPIKey              = "INVALID_API_KEY"
	Throttled                  = "THROTTLED"
	RequestTooLarge            = "REQUEST_TOO_LARGE"
	IntegrationTimedOut        = "INTEGRATION_TIMEOUT"
	// InvalidSignature: no method of the template uses IAM, so API Gateway reads Authorization as a
	// SigV4 signature only on a request that matched no method; a Bearer or ApiKey header is then
	// "not a valid key=value pair" (403, X-Amzn-ErrorType IncompleteSignatureException).
	InvalidSignature = "INVALID_SIGNATURE"
	// BadRequestBody is API Gateway's type for a request it cannot read; here a body whose
	// framing is malformed (bad chunked encoding, a Content-Length longer than the body).
	BadRequestBody = "BAD_REQUEST_BODY"
	// integrationFailed is not an API Gateway response type: a Lambda proxy integration whose
	// function fails or answers malformed output gets a 502, rendered with DEFAULT_5XX.
	integrationFailed = "DEFAULT_5XX"
)

var responseDefaults = map[string]struct {
	status  int
	message string
}{
	MissingAuthenticationToken: {http.StatusForbidden, "Missing Authentication Token"},
	Unauthorized:               {http.StatusUnauthorized, "Unauthorized"},
	AccessDenied:               {http.StatusForbidden, "User is not authorized to access this resource"},
	AuthorizerFailure:          {http.StatusInternalServerError, "Internal server error"},
	AuthorizerConfiguration:    {http.StatusInternalServerError, "Internal server error"},
	InvalidAPIKey:              {http.StatusForbidden, "Forbidden"},
	Throttled:                  {http.StatusTooManyRequests, "Too Many Requests"},
	RequestTooLarge:            {http.StatusRequestEntityTooLarge, "Request Too Long"},
	IntegrationTimedOut:        {http.StatusGatewayTimeout, "Endpoint request timed out"},
	BadRequestBody:             {http.StatusBadRequest, "Invalid request body"},
	// AWS's message quotes the header's value; a key has no place in a response, so not here.
	InvalidSignature:  {http.StatusForbidden, "Authorization header is not a valid key=value pair (missing equal-sign)"},
	integrationFailed: {http.StatusBadGateway, "Internal server error"},
}

// gatewayError is an answer API Gateway gives itself, without the function.
type gatewayError struct {
	typ     string
	message string // $context.error.message; the type's default when empty
	cause   error  // for the log only
	// headers replace the template's after it is rendered.
	headers map[string]string
	// errType is X-Amzn-ErrorType when the type's usual one (errorType) is not it.
	errType string
}

func (e *gatewayError) Error() string {
	if e.cause != nil {
		return e.typ + ": " + e.cause.Error()
	}
	return e.typ
}

var contextVar = regexp.MustCompile(`\$context\.[A-Za-z][A-Za-z.]*[A-Za-z]`)

// writeGatewayResponse renders a gateway response from the template as API Gateway does: the
// type's own response if defined, else DEFAULT_4XX or DEFAULT_5XX by status, else AWS's
// {"message": ...}. Templates substitute $context variables; unknown ones render empty.
func (g *Gateway) writeGatewayResponse(w http.ResponseWriter, rc *requestCtx, ge *gatewayError) int {
	def, ok := responseDefaults[ge.typ]
	if !ok {
		def = responseDefaults[integrationFailed]
	}
	status := def.status
	msg := ge.message
	if msg == "" {
		msg = def.message
	}
	gr, ok := g.api.GatewayResponses[ge.typ]
	if !ok || ge.typ == integrationFailed {
		fallback := "DEFAULT_4XX"
		if status >= 500 {
			fallback = "DEFAULT_5XX"
		}
		gr, ok = g.api.GatewayResponses[fallback]
	}
	if ok && gr.StatusCode != 0 && ge.typ != integrationFailed {
		status = gr.StatusCode
	}
	msgJSON, _ := json.Marshal(msg)
	vars := map[string]string{
		"context.requestId":           rc.requestID,
		"context.extendedRequestId":   rc.requestID,
		"context.error.message":       msg,
		"context.error.messageString": string(msgJSON),
		"context.error.responseType":  ge.typ,
		"context.httpMethod":          rc.method,
		"context.resourcePath":        rc.resourcePath,
		"context.path":                rc.path,
		"context.stage":               g.stage,
		"context.apiId":               g.apiID,
	}
	body := `{"message":` + string(msgJSON) + `}`
	h := w.Header()
	if ok {
		for k, v := range gr.Headers {
			h.Set(k, v)
		}
		if len(gr.Templates) > 0 {
			ct, tpl := pickTemplate(gr.Templates, rc.headers["Accept"])
			h.Set("Content-Type", ct)
			body = contextVar.ReplaceAllStringFunc(tpl, func(m string) string {
				v, known := vars[m[1:]]
				if !known {
					// A longer match may end in plain text (e.g. "$context.requestId.x").
					for k, val := range vars {
						if strings.HasPrefix(m[1:], k+".") {
							return val + m[1+len(k):]
						}
					}
				}
				return v
			})
		}
	}
	for k, v := range ge.headers {
		h.Set(k, v)
	}
	if h.Get("Content-Type") == "" {
		h.Set("Content-Type", "application/json")
	}
	g.addCommonHeaders(h, rc)
	et := ge.errType
	if et == "" {
		et = errorType(ge.typ)
	}
	h.Set("X-Amzn-ErrorType", et)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
	return status
}

// pickTemplate chooses a gateway response's template by the request's Accept header, as API
// Gateway chooses among a response's content types: the acceptable type with the highest q
// that has a template, else application/json, else the first by name.
func pickTemplate(templates map[string]string, accept string) (string, string) {
	best, bestQ := "", 0.0
	for _, part := range strings.Split(accept, ",") {
		fields := strings.Split(part, ";")
		mt := strings.ToLower(strings.TrimSpace(fields[0]))
		q := 1.0
		for _, f := range fields[1:] {
			if v, ok := strings.CutPrefix(strings.TrimSpace(f), "q="); ok {
				if n, err := strconv.ParseFloat(v, 64); err == nil {
					q = n
				}
			}
		}
		if _, ok := templates[mt]; ok && q > bestQ {
			best, bestQ = mt, q
		}
	}
	if best != "" {
		return best, templates[best]
	}
	if t, ok := templates["application/json"]; ok {
		return "application/json", t
	}
	keys := make([]string, 0, len(templates))
	for k := range templates {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys[0], templates[keys[0]]
}

func errorType(typ string) string {
	switch typ {
	case Unauthorized:
		return "UnauthorizedException"
	case AccessDenied:
		return "AccessDeniedException"
	case MissingAuthenticationToken:
		return "MissingAuthenticationTokenException"
	case Throttled:
		return "TooManyRequestsException"
	case InvalidAPIKey:
		return "ForbiddenException"
	case RequestTooLarge:
		return "RequestTooLargeException"
	case IntegrationTimedOut:
		return "IntegrationTimeoutException"
	case BadRequestBody:
		return "BadRequestException"
	case InvalidSignature:
		return "InvalidSignatureException"
	}
	return "InternalServerErrorException"
}

// addCommonHeaders adds the request id API Gateway returns on every response and, when the
// template turns CORS on, Access-Control-Allow-Origin where the response lacks it.
func (g *Gateway) addCommonHeaders(h http.Header, rc *requestCtx) {
	h.Set("X-Amzn-Requestid", rc.requestID)
	if g.api.Cors != nil && h.Get("Access-Control-Allow-Origin") == "" {
		h.Set("Access-Control-Allow-Origin", g.api.Cors.AllowOrigin)
		rc.corsAdded = true
	}
}

// writeProxyResponse writes a Lambda proxy integration's answer. Malformed output is a 502, as on
// AWS. Headers and multiValueHeaders are merged; for a name in both, multiValueHeaders win.
func (g *Gateway) writeProxyResponse(w http.ResponseWriter, rc *requestCtx, out []byte) (int, *gatewayError) {
	var resp events.APIGatewayProxyResponse
	if err := json.Unmarshal(out, &resp); err != nil {
		return 0, &gatewayError{typ: integrationFailed, cause: fmt.Errorf("malformed Lambda proxy response: %w", err)}
	}
	if resp.StatusCode < 100 || resp.StatusCode > 599 {
		return 0, &gatewayError{typ: integrationFailed, cause: fmt.Errorf("malformed Lambda proxy response: statusCode %d", resp.StatusCode)}
	}
	body := []byte(resp.Body)
	if resp.IsBase64Encoded {
		b, err := base64.StdEncoding.DecodeString(resp.Body)
		if err != nil {
			return 0, &gatewayError{typ: integrationFailed, cause: fmt.Errorf("malformed Lambda proxy response: body: %w", err)}
		}
		body = b
	}
	h := w.Header()
	for k, vs := range resp.MultiValueHeaders {
		for _, v := range vs {
			h.Add(k, v)
		}
	}
	for k, v := range resp.Headers {
		if _, inMulti := h[http.CanonicalHeaderKey(k)]; !inMulti {
			h.Set(k, v)
		}
	}
	if h.Get("Content-Type") == "" {
		h.Set("Content-Type", "application/json") // API Gateway's default for proxy responses
	}
	g.addCommonHeaders(h, rc)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(resp.StatusCode)
	_, _ = w.Write(body)
	return resp.StatusCode, nil
}
