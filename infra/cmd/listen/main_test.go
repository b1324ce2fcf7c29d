package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/shared/webhook"
)

// fakeAPI serves GET /events from a list, honouring createdAt[$gte], type[$in][] and paging.
type fakeAPI struct {
	mu     sync.Mutex
	events []map[string]any
}

func (f *fakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "Bearer sk_test_k" {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	q := r.URL.Query()
	var since int64
	fmt.Sscan(q.Get("createdAt[$gte]"), &since)
	types := map[string]bool{}
	for _, t := range q["type[$in][]"] {
		types[t] = true
	}
	out := []map[string]any{}
	for i := len(f.events) - 1; i >= 0; i-- { // newest first, as the API answers
		e := f.events[i]
		if e["createdAt"].(int64) >= since && (len(types) == 0 || types[e["type"].(string)]) {
			out = append(out, e)
		}
	}
	_ = json.NewEncoder(w).Encode(map[string]any{"data": out})
}

func TestListenForwardsNewEventsOnceSigned(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	api := &fakeAPI{events: []map[string]any{
		{"id": "evt_0OLD", "type": "patient.created", "createdAt": now.Add(-time.Hour).UnixMilli()},
	}}
	apiSrv := httptest.NewServer(api)
	defer apiSrv.Close()
	secret := webhook.NewSecret()
	var mu sync.Mutex
	var got []string
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		assert.NoError(t, webhook.VerifyAt(body, r.Header.Get("HapiHub-Signature"), secret, 0, now))
		mu.Lock()
		got = append(got, r.Header.Get("webhook-id"))
		mu.Unlock()
	}))
	defer rcv.Close()
	var out bytes.Buffer
	l := &Listener{API: apiSrv.URL, Key: "sk_test_k", ForwardTo: rcv.URL, Secret: secret, Types: []string{"patient.created", "patient.updated"},
		Out: &out, Now: func() time.Time { return now }}
	ctx := context.Background()
	require.NoError(t, l.Poll(ctx))
	assert.Empty(t, got, "events from before the session are not replayed")

	api.mu.Lock()
	api.events = append(api.events,
		map[string]any{"id": "evt_1A", "type": "patient.created", "createdAt": now.UnixMilli() + 1},
		map[string]any{"id": "evt_1B", "type": "invoice.paid", "createdAt": now.UnixMilli() + 2},
		map[string]any{"id": "evt_1C", "type": "patient.updated", "createdAt": now.UnixMilli() + 3})
	api.mu.Unlock()
	require.NoError(t, l.Poll(ctx))
	require.NoError(t, l.Poll(ctx))
	assert.Equal(t, []string{"evt_1A", "evt_1C"}, got, "oldest first, filtered, each once")
	assert.Contains(t, out.String(), "--> patient.created [evt_1A]")
	assert.Contains(t, out.String(), "<-- [200] POST "+rcv.URL+" [evt_1C]")

	// A write that commits late with an earlier createdAt is still forwarded (overlap window).
	api.mu.Lock()
	api.events = append(api.events, map[string]any{"id": "evt_1AA", "type": "patient.updated", "createdAt": now.UnixMilli()})
	api.mu.Unlock()
	require.NoError(t, l.Poll(ctx))
	assert.Equal(t, []string{"evt_1A", "evt_1C", "evt_1AA"}, got)

	bad := &Listener{API: apiSrv.URL, Key: "sk_test_wrong", Out: &out, Now: l.Now}
	assert.Error(t, bad.Poll(ctx))
}

// The API and key default to what make run prints (and the SDK quick starts export), then to the
// older HAPIHUB_API / HAPIHUB_KEY, then to make run's default port and no key.
func TestDefaultsFromMakeRunsVariables(t *testing.T) {
	for _, tc := range []struct {
		name     string
		env      map[string]string
		api, key string
	}{
		{"nothing set", nil, "http://localhost:3000", ""},
		{"make run's variables", map[string]string{"HAPIHUB_API_URL": "http://localhost:3871", "HAPIHUB_TEST_SECRET_KEY": "sk_test_a"}, "http://localhost:3871", "sk_test_a"},
		{"the older names", map[string]string{"HAPIHUB_API": "http://h:1", "HAPIHUB_KEY": "sk_test_b"}, "http://h:1", "sk_test_b"},
		{"make run's win", map[string]string{"HAPIHUB_API_URL": "http://a:1", "HAPIHUB_API": "http://b:1", "HAPIHUB_TEST_SECRET_KEY": "sk_test_a", "HAPIHUB_KEY": "sk_test_b"}, "http://a:1", "sk_test_a"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			api, key := defaults(func(k string) string { return tc.env[k] })
			assert.Equal(t, tc.api, api)
			assert.Equal(t, tc.key, key)
		})
	}
}
