package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/shared/api"
	"github.com/hapihub/hapihub/shared/apperr"
	"github.com/hapihub/hapihub/shared/auth"
	"github.com/hapihub/hapihub/shared/domain"
)

// memRecorder keeps what the router records; fail makes every record fail.
type memRecorder struct {
	mu   sync.Mutex
	logs []domain.RequestLog
	fail bool
}

func (m *memRecorder) RecordRequest(_ context.Context, l domain.RequestLog) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail {
		return errors.New("table unavailable")
	}
	m.logs = append(m.logs, l)
	return nil
}

// stepClock advances 7 ms on every reading, so a request's duration is known.
type stepClock struct{ t time.Time }

func (c *stepClock) now() time.Time { c.t = c.t.Add(7 * time.Millisecond); return c.t }

func recordedRouter(rec api.RequestRecorder, clock *stepClock) *api.Router {
	routes := []api.Route{
		{Method: http.MethodGet, Path: "/things/{id}", NoTenant: true, Resource: "things", Action: "get",
			Handler: func(r *api.Request) (api.Response, error) {
				return api.Response{Body: map[string]any{"id": r.Event.PathParameters["id"]}}, nil
			}},
		{Method: http.MethodPost, Path: "/things", NoTenant: true, Resource: "things", Action: "create",
			Handler: func(*api.Request) (api.Response, error) {
				return api.Response{}, apperr.Field("name", "is required")
			}},
		{Method: http.MethodDelete, Path: "/things/{id}", NoTenant: true, Resource: "things", Action: "remove",
			Handler: func(*api.Request) (api.Response, error) { panic("boom") }},
		{Method: http.MethodGet, Path: "/open", Public: true,
			Handler: func(*api.Request) (api.Response, error) { return api.Response{Body: map[string]any{}}, nil }},
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	return api.NewRouter(api.Options{Log: log, Local: true, Now: clock.now, Recorder: rec}, routes...)
}

func proxyEvent(method, resource, path string, p *auth.Principal, headers map[string]string) events.APIGatewayProxyRequest {
	ev := events.APIGatewayProxyRequest{HTTPMethod: method, Resource: resource, Path: path, Headers: headers,
		PathParameters: map[string]string{"id": "thing_1"}}
	ev.RequestContext.RequestID = "gw-" + method
	if p != nil {
		ev.RequestContext.Authorizer = p.Context()
	}
	return ev
}

func TestRouterRecordsRequestsWithAKey(t *testing.T) {
	session := &auth.Principal{AccountID: "acct_1", Mode: domain.Live, KeyID: "key_s", KeyType: auth.Secret, Session: "dev@example.com"}
	restricted := &auth.Principal{AccountID: "acct_1", Mode: domain.Test, KeyID: "key_r", KeyType: auth.Restricted, Permissions: map[string]string{}}
	cases := []struct {
		name       string
		ev         events.APIGatewayProxyRequest
		recorded   bool
		status     int
		errorEvent bool
		check      func(t *testing.T, l domain.RequestLog)
	}{
		{name: "success", ev: proxyEvent(http.MethodGet, "/things/{id}", "/things/thing_1", restricted, nil), recorded: true, status: 200,
			check: func(t *testing.T, l domain.RequestLog) {
				assert.Equal(t, "key_r", l.KeyID)
				assert.Equal(t, auth.Restricted, l.KeyType)
				assert.Equal(t, domain.Test, l.Mode)
				assert.Empty(t, l.Session)
				assert.Equal(t, "/things/thing_1", l.Path, "the path as called, not the route's template")
			}},
		{name: "error with its event id", ev: proxyEvent(http.MethodPost, "/things", "/things", session, map[string]string{"Idempotency-Key": "k-1", "Content-Type": "application/json"}),
			recorded: true, status: 400, errorEvent: true,
			check: func(t *testing.T, l domain.RequestLog) {
				assert.Equal(t, "dev@example.com", l.Session, "a console session's member is recorded")
				assert.Equal(t, "k-1", l.IdempotencyKey)
				assert.Equal(t, domain.Live, l.Mode)
			}},
		{name: "panic answered 500", ev: proxyEvent(http.MethodDelete, "/things/{id}", "/things/thing_1", restricted, nil), recorded: true, status: 500, errorEvent: true},
		{name: "publishable key refused by the router", ev: proxyEvent(http.MethodGet, "/things/{id}", "/things/thing_1",
			&auth.Principal{AccountID: "acct_1", Mode: domain.Test, KeyID: "key_p", KeyType: auth.Publishable}, nil), recorded: true, status: 403, errorEvent: true},
		{name: "no principal (not through the authorizer)", ev: proxyEvent(http.MethodGet, "/things/{id}", "/things/thing_1", nil, nil), recorded: false},
		{name: "public route", ev: proxyEvent(http.MethodGet, "/open", "/open", session, nil), recorded: false},
		{name: "unknown route", ev: proxyEvent(http.MethodGet, "/nope", "/nope", session, nil), recorded: false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := &memRecorder{}
			clock := &stepClock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
			first := clock.t.Add(7 * time.Millisecond) // the router's first reading is the start
			resp, err := recordedRouter(rec, clock).Handle(context.Background(), tc.ev)
			require.NoError(t, err)
			if !tc.recorded {
				assert.Empty(t, rec.logs)
				return
			}
			require.Len(t, rec.logs, 1, "recorded exactly once")
			l := rec.logs[0]
			assert.Equal(t, tc.status, resp.StatusCode)
			assert.Equal(t, resp.StatusCode, l.Status, "the status the client got")
			assert.Equal(t, "acct_1", l.AccountID)
			assert.Equal(t, tc.ev.HTTPMethod, l.Method)
			assert.Equal(t, "gw-"+tc.ev.HTTPMethod, l.RequestID)
			assert.Equal(t, first.UnixMilli(), l.At)
			assert.Equal(t, int64(7), l.DurationMs)
			if tc.errorEvent {
				var body struct {
					Event string `json:"event"`
				}
				require.NoError(t, json.Unmarshal([]byte(resp.Body), &body))
				require.NotEmpty(t, body.Event)
				assert.Equal(t, body.Event, l.ErrorEventID, "the log names the error body's event")
			} else {
				assert.Empty(t, l.ErrorEventID)
			}
			if tc.check != nil {
				tc.check(t, l)
			}
		})
	}
}

func TestRecorderFailureLeavesTheResponseAlone(t *testing.T) {
	ev := proxyEvent(http.MethodGet, "/things/{id}", "/things/thing_1", &auth.Principal{AccountID: "acct_1", Mode: domain.Test, KeyID: "key_1", KeyType: auth.Secret}, nil)
	clock := &stepClock{t: time.Now()}
	ok, err := recordedRouter(&memRecorder{}, clock).Handle(context.Background(), ev)
	require.NoError(t, err)
	failing, err := recordedRouter(&memRecorder{fail: true}, clock).Handle(context.Background(), ev)
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, failing.StatusCode)
	assert.Equal(t, ok.Body, failing.Body)
}
