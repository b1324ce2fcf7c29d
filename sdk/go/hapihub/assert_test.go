package hapihub_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"
)

// The SDK module depends on nothing outside the standard library, its tests included (a test
// dependency would show in every user's `go list -m all`), so these few assertions stand in for
// testify: check reports and goes on, must stops the test.
type asserter struct{ fatal bool }

var (
	check = asserter{}
	must  = asserter{fatal: true}
)

func (a asserter) fail(t *testing.T, msg []any, format string, args ...any) bool {
	t.Helper()
	text := fmt.Sprintf(format, args...)
	if len(msg) > 0 {
		if f, ok := msg[0].(string); ok {
			text += ": " + fmt.Sprintf(f, msg[1:]...)
		}
	}
	if a.fatal {
		t.Fatal(text)
	}
	t.Error(text)
	return false
}

func noErr(t *testing.T, err error, msg ...any) {
	t.Helper()
	if err != nil {
		must.fail(t, msg, "unexpected error: %v", err)
	}
}

func (a asserter) Equal(t *testing.T, want, got any, msg ...any) bool {
	t.Helper()
	if !reflect.DeepEqual(want, got) {
		return a.fail(t, msg, "want %#v, got %#v", want, got)
	}
	return true
}

func (a asserter) NotEqual(t *testing.T, x, y any, msg ...any) bool {
	t.Helper()
	if reflect.DeepEqual(x, y) {
		return a.fail(t, msg, "both are %#v", x)
	}
	return true
}

func (a asserter) True(t *testing.T, ok bool, msg ...any) bool {
	t.Helper()
	if !ok {
		return a.fail(t, msg, "false")
	}
	return true
}

func (a asserter) Error(t *testing.T, err error, msg ...any) bool {
	t.Helper()
	if err == nil {
		return a.fail(t, msg, "want an error, got none")
	}
	return true
}

func (a asserter) ErrorIs(t *testing.T, err, target error, msg ...any) bool {
	t.Helper()
	if !errors.Is(err, target) {
		return a.fail(t, msg, "error %v is not %v", err, target)
	}
	return true
}

func (a asserter) NotErrorIs(t *testing.T, err, target error, msg ...any) bool {
	t.Helper()
	if errors.Is(err, target) {
		return a.fail(t, msg, "error %v is %v", err, target)
	}
	return true
}

func (a asserter) ErrorAs(t *testing.T, err error, target any, msg ...any) bool {
	t.Helper()
	if !errors.As(err, target) {
		return a.fail(t, msg, "error %v is not a %T", err, target)
	}
	return true
}

func (a asserter) Len(t *testing.T, x any, n int, msg ...any) bool {
	t.Helper()
	if l := reflect.ValueOf(x).Len(); l != n {
		return a.fail(t, msg, "length %d, want %d", l, n)
	}
	return true
}

func (a asserter) Contains(t *testing.T, s, sub string, msg ...any) bool {
	t.Helper()
	if !strings.Contains(s, sub) {
		return a.fail(t, msg, "%q does not contain %q", s, sub)
	}
	return true
}

func (a asserter) Regexp(t *testing.T, re any, s string, msg ...any) bool {
	t.Helper()
	r, ok := re.(*regexp.Regexp)
	if !ok {
		r = regexp.MustCompile(re.(string))
	}
	if !r.MatchString(s) {
		return a.fail(t, msg, "%q does not match %s", s, r)
	}
	return true
}

func (a asserter) Less(t *testing.T, x, y time.Duration, msg ...any) bool {
	t.Helper()
	if x >= y {
		return a.fail(t, msg, "%v is not less than %v", x, y)
	}
	return true
}

func (a asserter) LessOrEqual(t *testing.T, x, y time.Duration, msg ...any) bool {
	t.Helper()
	if x > y {
		return a.fail(t, msg, "%v is more than %v", x, y)
	}
	return true
}

func (a asserter) GreaterOrEqual(t *testing.T, x, y time.Duration, msg ...any) bool {
	t.Helper()
	if x < y {
		return a.fail(t, msg, "%v is less than %v", x, y)
	}
	return true
}

func (a asserter) JSONEq(t *testing.T, want, got string, msg ...any) bool {
	t.Helper()
	var w, g any
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		return a.fail(t, msg, "want is not JSON: %v", err)
	}
	if err := json.Unmarshal([]byte(got), &g); err != nil {
		return a.fail(t, msg, "got is not JSON: %v (%s)", err, got)
	}
	return a.Equal(t, w, g, msg...)
}
