package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/shared/auth"
	"github.com/hapihub/hapihub/shared/domain"
)

// Every answer the router builds names its request: success, client error, refusal, unknown
// route, panic. The id is API Gateway's ($context.requestId), the error body's event and the
// request log's requestId and errorEventId.
func TestEveryResponseCarriesTheRequestID(t *testing.T) {
	p := &auth.Principal{AccountID: "acct_1", Mode: domain.Test, KeyID: "key_1", KeyType: auth.Secret}
	cases := []struct {
		name    string
		method  string
		res     string
		path    string
		p       *auth.Principal
		status  int
		isError bool
	}{
		{"success", http.MethodGet, "/things/{id}", "/things/thing_1", p, 200, false},
		{"invalid parameters", http.MethodPost, "/things", "/things", p, 400, true},
		{"panic", http.MethodDelete, "/things/{id}", "/things/thing_1", p, 500, true},
		{"no key", http.MethodGet, "/things/{id}", "/things/thing_1", nil, 401, true},
		{"public route", http.MethodGet, "/open", "/open", nil, 200, false},
		{"unknown route", http.MethodGet, "/nope", "/nope", p, 404, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := &memRecorder{}
			ev := proxyEvent(tc.method, tc.res, tc.path, tc.p, map[string]string{"Content-Type": "application/json"})
			resp, err := recordedRouter(rec, &stepClock{t: time.Now()}).Handle(context.Background(), ev)
			require.NoError(t, err)
			require.Equal(t, tc.status, resp.StatusCode, resp.Body)
			id := resp.Headers["Request-Id"]
			assert.Equal(t, "gw-"+tc.method, id, "API Gateway's request id, as sent in x-amzn-RequestId")
			exposed := strings.Split(resp.Headers["Access-Control-Expose-Headers"], ", ")
			assert.Contains(t, exposed, "Request-Id", "browsers may read it (Fetch: only exposed headers are visible)")
			assert.Contains(t, exposed, "x-amzn-RequestId")
			if tc.isError {
				var body struct{ Event string }
				require.NoError(t, json.Unmarshal([]byte(resp.Body), &body))
				assert.Equal(t, id, body.Event, "the error's event is the request's id")
			}
			for _, l := range rec.logs {
				assert.Equal(t, id, l.RequestID)
				if tc.isError {
					assert.Equal(t, id, l.ErrorEventID)
				}
			}
		})
	}
}

// Without API Gateway's id (a direct invoke), the router makes one, and still uses it everywhere.
func TestRequestIDIsMadeWhenTheGatewayGaveNone(t *testing.T) {
	ev := proxyEvent(http.MethodPost, "/things", "/things", &auth.Principal{AccountID: "acct_1", Mode: domain.Test, KeyID: "key_1", KeyType: auth.Secret},
		map[string]string{"Content-Type": "application/json"})
	ev.RequestContext.RequestID = ""
	rec := &memRecorder{}
	resp, err := recordedRouter(rec, &stepClock{t: time.Now()}).Handle(context.Background(), ev)
	require.NoError(t, err)
	id := resp.Headers["Request-Id"]
	assert.Regexp(t, `^[0-9a-f-]{36}$`, id)
	var body struct{ Event string }
	require.NoError(t, json.Unmarshal([]byte(resp.Body), &body))
	assert.Equal(t, id, body.Event)
	require.Len(t, rec.logs, 1)
	assert.Equal(t, id, rec.logs[0].RequestID)
}
