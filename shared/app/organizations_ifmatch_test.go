package app_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Organizations PATCH honours If-Match as the other resources do (RFC 9110 §13.1.1): the ETag of
// GET and PATCH answers is the organization's version, a stale or weak tag is 412, a malformed
// header 400, "*" and a list holding the current tag pass.
func TestOrganizationsIfMatch(t *testing.T) {
	s := newStack(t)
	a := s.newAccount("Acme")
	p := &a.test
	path := "/organizations/" + a.acct.SandboxOrg
	got := s.do(p, "GET", path, nil)
	require.Equal(t, http.StatusOK, got.Status, got.Raw)
	tag := got.Header["ETag"]
	require.Regexp(t, `^"[0-9]+"$`, tag)

	patch := func(ifMatch, key string) resp {
		return s.do(p, "PATCH", path, map[string]any{"metadata": map[string]any{key: "v"}}, "If-Match", ifMatch)
	}
	first := patch(tag, "a")
	require.Equal(t, http.StatusOK, first.Status, first.Raw)
	next := first.Header["ETag"]
	require.NotEqual(t, tag, next, "a change gives a new ETag")
	tests := []struct {
		ifMatch string
		status  int
		class   string
	}{
		{tag, 412, "precondition-failed"}, // the version before the change
		{"W/" + next, 412, "precondition-failed"},
		{`"anything-else"`, 412, "precondition-failed"},
		{`3`, 400, "bad-request"},
		{`"x", ` + next, 200, ""},
		{`*`, 200, ""},
	}
	for _, tc := range tests {
		r := patch(tc.ifMatch, "b")
		assert.Equal(t, tc.status, r.Status, "If-Match: %s → %s", tc.ifMatch, r.Raw)
		if tc.class != "" {
			assert.Equal(t, tc.class, r.Body["className"], tc.ifMatch)
		}
	}
	// A refused precondition changed nothing.
	stale := patch(tag, "c")
	require.Equal(t, 412, stale.Status)
	after := s.do(p, "GET", path, nil)
	assert.NotContains(t, after.Body["metadata"], "c")
	assert.Equal(t, "v", after.Body["metadata"].(map[string]any)["b"])
}
