package faulttest

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/hapihub/hapihub/infra/localtest"
	"github.com/hapihub/hapihub/shared/apperr"
)

var uuidRe = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// errorNames are the API's error names (docs/decisions.md#errors) (shared/apperr's one table).
func errorNames() map[string]bool {
	out := map[string]bool{}
	for _, k := range apperr.Kinds() {
		out[k.Name()] = true
	}
	return out
}

// checkAnswer fails t unless r is below 500 and, for an error, in our error format: a JSON object
// with a name from the error table, a message and an event id (docs/decisions.md#errors); or, when
// asked for with Accept: application/problem+json, an RFC 9457 object with those as extensions.
func checkAnswer(t *testing.T, what string, r *localtest.Response) {
	t.Helper()
	if r.Status >= 500 {
		t.Errorf("%s: %d %s", what, r.Status, truncate(r.Body))
		return
	}
	if r.Status < 400 || what == "method HEAD" { // a HEAD answer has no body
		return
	}
	var body map[string]any
	if err := json.Unmarshal(r.Body, &body); err != nil {
		t.Errorf("%s: %d with a body that is not a JSON object (%v): %s", what, r.Status, err, truncate(r.Body))
		return
	}
	name, _ := body["name"].(string)
	msg, _ := body["message"].(string)
	if body["title"] != nil { // problem+json
		msg, _ = body["detail"].(string)
		if st, _ := body["status"].(float64); int(st) != r.Status {
			t.Errorf("%s: problem status %v for HTTP %d", what, body["status"], r.Status)
		}
	}
	event, _ := body["event"].(string)
	if !errorNames()[name] || msg == "" || !uuidRe.MatchString(event) {
		t.Errorf("%s: %d not in the error format (name %q, message %q, event %q): %s", what, r.Status, name, msg, event, truncate(r.Body))
	}
}

func truncate(b []byte) string {
	if len(b) > 300 {
		return string(b[:300]) + "..."
	}
	return string(b)
}

// do sends a request like env.Do and, on 429, waits what Retry-After says and sends it again (the
// suite tests answers, not the rate limit; every 429 must carry Retry-After).
func do(t *testing.T, env *localtest.Env, method, path, key string, body any, headers ...string) *localtest.Response {
	t.Helper()
	for i := 0; ; i++ {
		r := env.Do(t, method, path, key, body, headers...)
		if r.Status != http.StatusTooManyRequests || i == 50 {
			return r
		}
		secs, err := strconv.Atoi(r.Header.Get("Retry-After"))
		if err != nil {
			t.Errorf("%s %s: 429 without a usable Retry-After (%q)", method, truncate([]byte(path)), r.Header.Get("Retry-After"))
			return r
		}
		time.Sleep(max(time.Duration(secs)*time.Second/4, 50*time.Millisecond))
	}
}
