package api

import "github.com/aws/aws-lambda-go/events"

// RequestIDHeader names the request on every response the router builds. Its value is API
// Gateway's request id ($context.requestId, which API Gateway also sends as x-amzn-RequestId),
// the `event` of an error body and the id the request log is kept under, so one id found
// anywhere finds the others (README, "Errors have one shape"). A replayed idempotent error keeps
// its first status and message but is rebuilt with this request's event; the first request's id
// is its Original-Request header (idempotency.go).
const RequestIDHeader = "Request-Id"

// requestIDExposed lets browsers read the request's id (CORS hides other headers from scripts).
// x-amzn-RequestId is listed too: it is the only id API Gateway's own answers (no key, throttled)
// can carry, as gateway responses cannot map a context variable into a header.
const requestIDExposed = RequestIDHeader + ", x-amzn-RequestId"

// setRequestID stamps the request's id on a response, whoever built it (handler, error, panic).
func setRequestID(resp *events.APIGatewayProxyResponse, id string) {
	if resp.Headers == nil {
		resp.Headers = map[string]string{}
	}
	resp.Headers[RequestIDHeader] = id
}
