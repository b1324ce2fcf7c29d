package apperr

import (
	"encoding/json"
	"errors"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTableCoversTheGuide(t *testing.T) {
	// The API guide's error types (docs/decisions.md#errors), name -> usual status.
	guide := map[string]int{
		"AUTH_ERROR": 401, "UNKNOWN_ERROR": 500, "INVALID_PARAMETERS": 400, "INVALID_CONTENT_TYPE": 415,
		"NOT_FOUND": 404, "PERMISSIONS_ERROR": 403, "CREDENTIALS_ERROR": 403, "METHOD_NOT_IMPLEMENTED": 404,
		"METHOD_NOT_SUPPORTED": 404, "SECURITY_ERROR": 426, "RATE_LIMIT_EXCEEDED": 429,
	}
	seen := map[string]bool{}
	for _, k := range Kinds() {
		require.NotEmpty(t, k.Name(), "kind %d has no name", k)
		assert.False(t, seen[k.Name()], "name %s used twice", k.Name())
		seen[k.Name()] = true
		if st, ok := guide[k.Name()]; ok {
			assert.Equal(t, st, k.Status(), k.Name())
		}
	}
	for name := range guide {
		assert.True(t, seen[name], "guide error %s missing from the table", name)
	}
}

func TestRenderJSON(t *testing.T) {
	e := Invalid(FieldError{Field: "firstName", Message: "is required"})
	status, ct, body := Render(e, "ev-1", false)
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Equal(t, "application/json", ct)
	var got map[string]any
	require.NoError(t, json.Unmarshal(body, &got))
	assert.Equal(t, "INVALID_PARAMETERS", got["name"])
	assert.Equal(t, "ev-1", got["event"])
	assert.Contains(t, got["message"], "firstName")
	assert.Equal(t, []any{map[string]any{"field": "firstName", "message": "is required"}}, got["errors"])
	assert.Equal(t, float64(400), got["code"], "Feathers reads the status from code")
	assert.Equal(t, "bad-request", got["className"])
}

// Feathers' classNames (@feathersjs/errors: BadRequest 'bad-request', NotFound 'not-found', ...).
func TestFeathersClassNames(t *testing.T) {
	want := map[Kind]string{
		InvalidParameters: "bad-request", Auth: "not-authenticated", Permissions: "forbidden", NotFound: "not-found",
		MethodNotImplemented: "not-found", Idempotency: "conflict", RateLimited: "too-many-requests", Unknown: "general-error",
		PreconditionFailed: "precondition-failed", InvalidContentType: "unsupported-media-type", Security: "upgrade-required",
	}
	for k, cls := range want {
		_, _, b := Render(New(k, "x"), "ev", false)
		var got map[string]any
		require.NoError(t, json.Unmarshal(b, &got))
		assert.Equal(t, cls, got["className"], k.Name())
		assert.Equal(t, float64(k.Status()), got["code"], k.Name())
	}
}

func TestRenderProblem(t *testing.T) {
	e := New(RateLimited, "slow down").WithCode("lock_timeout")
	status, ct, body := Render(e, "ev-2", true)
	assert.Equal(t, 429, status)
	assert.Equal(t, "application/problem+json", ct)
	var got map[string]any
	require.NoError(t, json.Unmarshal(body, &got))
	assert.Equal(t, map[string]any{
		"type": ProblemType + "rate_limit_exceeded", "title": "Too many requests", "status": float64(429), "detail": "slow down",
		"instance": "urn:uuid:ev-2", "name": "RATE_LIMIT_EXCEEDED", "event": "ev-2", "reason": "lock_timeout",
		"code": float64(429), "className": "too-many-requests",
	}, got)
}

func TestInternalNeverLeaks(t *testing.T) {
	e := From(errors.New("dial tcp 10.0.0.7:5432: connection refused"))
	assert.Equal(t, Unknown, e.Kind)
	for _, problem := range []bool{false, true} {
		_, _, body := Render(e, "ev-3", problem)
		assert.NotContains(t, string(body), "10.0.0.7")
		assert.NotContains(t, string(body), "refused")
	}
	// Even a message set on an Unknown error by mistake is not rendered.
	_, _, body := Render(&Error{Kind: Unknown, Message: "secret table name hapihub-prod"}, "ev-4", false)
	assert.NotContains(t, string(body), "hapihub-prod")
}

func TestWantsProblem(t *testing.T) {
	assert.True(t, WantsProblem("application/problem+json"))
	assert.True(t, WantsProblem("application/json, Application/Problem+JSON;q=0.9"))
	assert.False(t, WantsProblem("application/json"))
	assert.False(t, WantsProblem(""))
}
