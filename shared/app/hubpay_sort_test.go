package app_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestHubpaySortDirections: Hubpay's sort=field,direction through the router. A last comma part
// that is neither asc/desc nor a field is a direction gone wrong and is named as one (it used to
// be reported as an unknown field "up"); a last part that is a field is a second sort field, as
// in Spring ("a,b,desc" sorts both descending).
func TestHubpaySortDirections(t *testing.T) {
	s := newStack(t)
	a := s.newAccount("Acme")
	p := &a.test
	tests := []struct {
		sort   string
		status int
		msg    string // in the sort parameter's error
	}{
		{"lastName,asc", 200, ""},
		{"lastName,DESC", 200, ""},
		{"lastName,%20desc", 200, ""},
		{"lastName,firstName", 200, ""}, // a field: two ascending sort keys
		{"lastName,firstName,desc", 200, ""},
		{"lastName,up", 400, `direction "up" must be asc or desc, as in lastName,asc`},
		{"lastName,Up", 400, `direction "Up" must be asc or desc`},
		{"lastName,", 400, `direction "" must be asc or desc`},
		{"lastName,createdAt,upward", 400, `direction "upward" must be asc or desc`},
		{"nope,asc", 400, `"nope" is not a field of patient`},
		{"nope", 400, `"nope" is not a field of patient`},
	}
	for _, tc := range tests {
		t.Run(tc.sort, func(t *testing.T) {
			r := s.do(p, "GET", "/patients?size=5&sort="+tc.sort, nil)
			require.Equal(t, tc.status, r.Status, r.Raw)
			if tc.status == 200 {
				return
			}
			assert.Equal(t, "INVALID_PARAMETERS", r.name())
			errs, _ := r.Body["errors"].([]any)
			require.Len(t, errs, 1, r.Raw)
			fe := errs[0].(map[string]any)
			assert.Equal(t, "sort", fe["field"])
			assert.Contains(t, fe["message"], tc.msg)
		})
	}
}
