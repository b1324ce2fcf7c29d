package api

import (
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
)

// isExpandKey is the regexp it replaced (compiling it cost every function's cold start).
func TestIsExpandKeyMatchesTheRegexp(t *testing.T) {
	re := regexp.MustCompile(`^expand(\[\d*\])?$`)
	for _, k := range []string{"expand", "expand[]", "expand[0]", "expand[12]", "expand[", "expand]", "expand[a]",
		"expand[1a]", "expanded", "xexpand", "", "expand[[]]", "expand[]]", "Expand", "expand[0][1]"} {
		assert.Equal(t, re.MatchString(k), isExpandKey(k), k)
	}
}
