package hapihub

import (
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Error names, as the API sends them in an error's "name".
const (
	ErrorUnknown              = "UNKNOWN_ERROR"
	ErrorAuth                 = "AUTH_ERROR"
	ErrorInvalidParameters    = "INVALID_PARAMETERS"
	ErrorInvalidContentType   = "INVALID_CONTENT_TYPE"
	ErrorNotFound             = "NOT_FOUND"
	ErrorPermissions          = "PERMISSIONS_ERROR"
	ErrorCredentials          = "CREDENTIALS_ERROR"
	ErrorMethodNotImplemented = "METHOD_NOT_IMPLEMENTED"
	ErrorMethodNotSupported   = "METHOD_NOT_SUPPORTED"
	ErrorSecurity             = "SECURITY_ERROR"
	ErrorRateLimitExceeded    = "RATE_LIMIT_EXCEEDED"
	ErrorIdempotency          = "IDEMPOTENCY_ERROR"
	ErrorPreconditionFailed   = "PRECONDITION_FAILED"
	// ErrorConflict (409): the request contradicts the current state; reason resource_in_use is a
	// delete of an object others refer to, Fields naming each referring field.
	ErrorConflict = "CONFLICT"
)

// Error is an error the API answered. Match it with errors.As, or compare its Name with
// errors.Is(err, hapihub.ErrNotFound) and the other Err values.
type Error struct {
	// Status is the HTTP status code.
	Status int
	// Name is the error type (NOT_FOUND, INVALID_PARAMETERS, ...; the Error* constants).
	Name string
	// Message says what went wrong, for people.
	Message string
	// Event identifies this occurrence in HAPI Hub's logs; quote it to support.
	Event string
	// RequestID is the response's Request-Id (x-amzn-RequestId for the gateway's own answers):
	// the same id as Event, and the requestId of the request log.
	RequestID string
	// Code is the body's reason, a finer code where there is one (lock_timeout,
	// idempotency_key_reused, ...); the body's own code is the HTTP status, in Status.
	Code string
	// Fields name each invalid parameter of an INVALID_PARAMETERS error, or each referring field
	// ("appointments.patientId") of a CONFLICT resource_in_use.
	Fields []FieldError
	// RetryAfter is the server's Retry-After, when it sent one.
	RetryAfter time.Duration
	// Header is the response's header.
	Header http.Header
}

// FieldError is one invalid parameter.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "hapihub: %s (%d): %s", e.Name, e.Status, e.Message)
	if e.Code != "" {
		fmt.Fprintf(&b, " [code %s]", e.Code)
	}
	if e.Event != "" {
		fmt.Fprintf(&b, " [event %s]", e.Event)
	}
	return b.String()
}

// Is matches another *Error by Name (and by Code when the target has one), so
// errors.Is(err, hapihub.ErrNotFound) works.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	if !ok || t.Name == "" {
		return false
	}
	return t.Name == e.Name && (t.Code == "" || t.Code == e.Code)
}

// Targets for errors.Is.
var (
	ErrNotFound           = &Error{Name: ErrorNotFound}
	ErrAuth               = &Error{Name: ErrorAuth}
	ErrInvalidParameters  = &Error{Name: ErrorInvalidParameters}
	ErrPermissions        = &Error{Name: ErrorPermissions}
	ErrCredentials        = &Error{Name: ErrorCredentials}
	ErrMethodNotSupported = &Error{Name: ErrorMethodNotSupported}
	ErrRateLimitExceeded  = &Error{Name: ErrorRateLimitExceeded}
	ErrIdempotency        = &Error{Name: ErrorIdempotency}
	ErrPreconditionFailed = &Error{Name: ErrorPreconditionFailed}
	ErrConflict           = &Error{Name: ErrorConflict}
)

// errorBody is the API's error shape.
type errorBody struct {
	Name    string       `json:"name"`
	Message string       `json:"message"`
	Event   string       `json:"event"`
	Code    string       `json:"reason"` // the API's "code" is the HTTP status (Feathers)
	Errors  []FieldError `json:"errors"`
}
