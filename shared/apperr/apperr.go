// Package apperr is the one error type a client can see, the one table from error kind to the
// API's error name and HTTP status, and the two renderings: the API's JSON body and RFC 9457
// Problem Details (docs/decisions.md#errors).
package apperr

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// Kind is a class of client-visible error. Its name and status come only from the table below.
type Kind int

const (
	Unknown Kind = iota // UNKNOWN_ERROR: a bug; the message never leaks internals
	Auth
	InvalidParameters
	InvalidContentType
	NotFound
	Permissions
	Credentials
	MethodNotImplemented
	MethodNotSupported
	Security
	RateLimited
	Idempotency
	PreconditionFailed
	Conflict
)

type entry struct {
	Name   string
	Status int
	Title  string
}

// feathersClass is Feathers' className for an HTTP status (@feathersjs/errors), so a Feathers
// client tells a 404 from a 400 without the response object. Statuses Feathers has no class for
// (412, 415, 426) get the kebab-case of their reason phrase.
var feathersClass = map[int]string{
	400: "bad-request", 401: "not-authenticated", 403: "forbidden", 404: "not-found", 409: "conflict",
	412: "precondition-failed", 415: "unsupported-media-type", 426: "upgrade-required",
	429: "too-many-requests", 500: "general-error",
}

// ClassName is Feathers' className for an HTTP status.
func ClassName(status int) string {
	if c, ok := feathersClass[status]; ok {
		return c
	}
	return strings.ReplaceAll(strings.ToLower(http.StatusText(status)), " ", "-")
}

// table is the API guide's error types plus the three we add (docs/decisions.md#errors): IDEMPOTENCY_ERROR
// for a retry racing its first attempt, PRECONDITION_FAILED for a stale If-Match, CONFLICT for a change
// the current state refuses (resource_in_use: deleting an object others refer to).
var table = map[Kind]entry{
	Unknown:              {"UNKNOWN_ERROR", http.StatusInternalServerError, "Internal error"},
	Auth:                 {"AUTH_ERROR", http.StatusUnauthorized, "Authentication failed"},
	InvalidParameters:    {"INVALID_PARAMETERS", http.StatusBadRequest, "Invalid parameters"},
	InvalidContentType:   {"INVALID_CONTENT_TYPE", http.StatusUnsupportedMediaType, "Invalid content type"},
	NotFound:             {"NOT_FOUND", http.StatusNotFound, "Not found"},
	Permissions:          {"PERMISSIONS_ERROR", http.StatusForbidden, "Permission denied"},
	Credentials:          {"CREDENTIALS_ERROR", http.StatusForbidden, "Rejected by the clinic"},
	MethodNotImplemented: {"METHOD_NOT_IMPLEMENTED", http.StatusNotFound, "Method not implemented"},
	MethodNotSupported:   {"METHOD_NOT_SUPPORTED", http.StatusNotFound, "Method not supported"},
	Security:             {"SECURITY_ERROR", http.StatusUpgradeRequired, "Security requirement not met"},
	RateLimited:          {"RATE_LIMIT_EXCEEDED", http.StatusTooManyRequests, "Too many requests"},
	Idempotency:          {"IDEMPOTENCY_ERROR", http.StatusConflict, "Idempotent request in progress"},
	PreconditionFailed:   {"PRECONDITION_FAILED", http.StatusPreconditionFailed, "Precondition failed"},
	// CONFLICT: the request contradicts the current state (reason resource_in_use: a delete of an
	// object others still refer to; docs/resources.md).
	Conflict: {"CONFLICT", http.StatusConflict, "Conflict"},
}

// Name is the API's error name of k (docs/decisions.md#errors).
func (k Kind) Name() string { return table[k].Name }

// Status is the HTTP status of k.
func (k Kind) Status() int { return table[k].Status }

// Kinds lists every kind, for tests that check the table is complete.
func Kinds() []Kind {
	out := make([]Kind, 0, len(table))
	for k := Unknown; k <= Conflict; k++ {
		out = append(out, k)
	}
	return out
}

// FieldError names one offending input field.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Error is a client-visible error. Cause is for logs only and is never rendered.
type Error struct {
	Kind    Kind
	Message string
	// Code is the finer reason where one exists (lock_timeout, idempotency_key_reused, ...),
	// rendered as "reason": "code" is the HTTP status, as Feathers clients read it.
	Code   string
	Fields []FieldError
	Header map[string]string // extra response headers (Retry-After, ...)
	Cause  error
}

func (e *Error) Error() string {
	s := e.Kind.Name() + ": " + e.Message
	if e.Cause != nil {
		s += ": " + e.Cause.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Cause }

// New returns an error of kind k with a message.
func New(k Kind, format string, args ...any) *Error {
	return &Error{Kind: k, Message: fmt.Sprintf(format, args...)}
}

// Invalid is an INVALID_PARAMETERS error naming fields. The message lists them so a human reading
// only the message still sees what to fix.
func Invalid(fields ...FieldError) *Error {
	msgs := make([]string, len(fields))
	for i, f := range fields {
		msgs[i] = f.Field + ": " + f.Message
	}
	return &Error{Kind: InvalidParameters, Message: "Invalid parameters: " + strings.Join(msgs, "; "), Fields: fields}
}

// Field is a one-field INVALID_PARAMETERS error.
func Field(field, format string, args ...any) *Error {
	return Invalid(FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

// Reason is the finer code, "" for none.
func (e *Error) Reason() string { return e.Code }

// WithCode sets the finer code.
func (e *Error) WithCode(code string) *Error { e.Code = code; return e }

// WithHeader adds a response header.
func (e *Error) WithHeader(k, v string) *Error {
	if e.Header == nil {
		e.Header = map[string]string{}
	}
	e.Header[k] = v
	return e
}

// Internal wraps an unexpected failure: the client sees a generic message, the log sees cause.
func Internal(cause error) *Error {
	return &Error{Kind: Unknown, Message: "Something went wrong on our side. Contact support with this error's event id.", Cause: cause}
}

// From returns err as a client-visible *Error: itself if it is one, else an internal error.
func From(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return Internal(err)
}

// body is the API's error object (docs/decisions.md#errors), plus Feathers' code (the HTTP status) and className.
type body struct {
	Name      string       `json:"name"`
	Message   string       `json:"message"`
	Event     string       `json:"event"`
	Code      int          `json:"code"`
	ClassName string       `json:"className"`
	Reason    string       `json:"reason,omitempty"`
	Errors    []FieldError `json:"errors,omitempty"`
}

// problem is RFC 9457 Problem Details with our fields as extension members.
type problem struct {
	Type      string       `json:"type"`
	Title     string       `json:"title"`
	Status    int          `json:"status"`
	Detail    string       `json:"detail"`
	Instance  string       `json:"instance"`
	Name      string       `json:"name"`
	Event     string       `json:"event"`
	Code      int          `json:"code"`
	ClassName string       `json:"className"`
	Reason    string       `json:"reason,omitempty"`
	Errors    []FieldError `json:"errors,omitempty"`
}

// ProblemType is the URI prefix of problem types; the name makes each distinct and documented.
const ProblemType = "https://docs.hapihub.com/errors#"

// WantsProblem reports whether an Accept header asks for application/problem+json.
func WantsProblem(accept string) bool {
	return strings.Contains(strings.ToLower(accept), "application/problem+json")
}

// Render turns e into status, content type and body. eventID identifies this occurrence.
func Render(e *Error, eventID string, asProblem bool) (int, string, []byte) {
	ent, ok := table[e.Kind]
	if !ok {
		ent = table[Unknown]
	}
	msg := e.Message
	if e.Kind == Unknown {
		// Whatever the message, a 500 never carries internals.
		msg = table[Unknown].Title + ". Contact support with this error's event id."
	}
	var (
		b   []byte
		err error
		ct  = "application/json"
	)
	if asProblem {
		ct = "application/problem+json"
		b, err = json.Marshal(problem{
			Type: ProblemType + strings.ToLower(ent.Name), Title: ent.Title, Status: ent.Status, Detail: msg,
			Instance: "urn:uuid:" + eventID, Name: ent.Name, Event: eventID, Code: ent.Status, ClassName: ClassName(ent.Status),
			Reason: e.Code, Errors: e.Fields,
		})
	} else {
		b, err = json.Marshal(body{Name: ent.Name, Message: msg, Event: eventID, Code: ent.Status, ClassName: ClassName(ent.Status),
			Reason: e.Code, Errors: e.Fields})
	}
	if err != nil {
		// Only plain strings are marshalled; this cannot fail, but never answer with nothing.
		b = []byte(`{"name":"UNKNOWN_ERROR","message":"Internal error.","event":"` + eventID + `","code":500,"className":"general-error"}`)
	}
	return ent.Status, ct, b
}
