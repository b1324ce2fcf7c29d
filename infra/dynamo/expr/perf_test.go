package expr

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// Backtracking on "(" must stay polynomial: DynamoDB allows 4 KB expressions.
func TestDeepParenthesesStayFast(t *testing.T) {
	n := 300
	inputs := []string{
		strings.Repeat("(", n) + "a = :one" + strings.Repeat(")", n),
		strings.Repeat("(", n) + "a",
		strings.Repeat("(", n) + "a" + strings.Repeat(")", n) + " = :one",
		strings.Repeat("NOT (", n) + "a = :one" + strings.Repeat(")", n),
	}
	for _, s := range inputs {
		start := time.Now()
		_, _ = ParseCondition(s, nil, testValues(), nil)
		assert.Less(t, time.Since(start), 2*time.Second, s[:20])
	}
}
