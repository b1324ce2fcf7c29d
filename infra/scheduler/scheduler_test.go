package scheduler_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/infra/scheduler"
)

type recorder struct {
	mu     sync.Mutex
	events []events.EventBridgeEvent
}

func (r *recorder) handle(_ context.Context, ev events.EventBridgeEvent) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, ev)
	return nil
}

func (r *recorder) times() []time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []time.Time
	for _, e := range r.events {
		out = append(out, e.Time.UTC())
	}
	return out
}

func TestTickFiresScheduledEvents(t *testing.T) {
	t0 := at("2026-03-01T12:00:30Z")
	s := scheduler.New(func() time.Time { return t0 })
	sweeper, quarter := &recorder{}, &recorder{}
	require.NoError(t, s.Add("sweeper", "rate(1 minute)", sweeper.handle))
	require.NoError(t, s.Add("quarter", "cron(0/15 * * * ? *)", quarter.handle))

	require.NoError(t, s.Tick(t0.Add(30*time.Second)))
	assert.Empty(t, sweeper.times(), "not due yet")

	require.NoError(t, s.Tick(at("2026-03-01T12:01:30Z")))
	require.Len(t, sweeper.events, 1)
	ev := sweeper.events[0]
	assert.Equal(t, "Scheduled Event", ev.DetailType)
	assert.Equal(t, "aws.events", ev.Source)
	assert.Equal(t, "0", ev.Version)
	assert.Equal(t, "000000000000", ev.AccountID)
	assert.Equal(t, "us-east-1", ev.Region)
	assert.Equal(t, []string{"arn:aws:events:us-east-1:000000000000:rule/sweeper"}, ev.Resources)
	assert.JSONEq(t, "{}", string(ev.Detail))
	assert.NotEmpty(t, ev.ID)
	assert.Equal(t, at("2026-03-01T12:01:30Z"), ev.Time.UTC())

	// The same instant again fires nothing; a gap fires once, keeping the phase.
	require.NoError(t, s.Tick(at("2026-03-01T12:01:30Z")))
	require.NoError(t, s.Tick(at("2026-03-01T12:04:45Z")))
	assert.Equal(t, []time.Time{at("2026-03-01T12:01:30Z"), at("2026-03-01T12:02:30Z")}, sweeper.times())
	next, ok := s.Next("sweeper")
	require.True(t, ok)
	assert.Equal(t, at("2026-03-01T12:05:30Z"), next)

	assert.Empty(t, quarter.times())
	require.NoError(t, s.Tick(at("2026-03-01T12:15:00Z")))
	require.NoError(t, s.Tick(at("2026-03-01T13:10:00Z")))
	assert.Equal(t, []time.Time{at("2026-03-01T12:15:00Z"), at("2026-03-01T12:30:00Z")}, quarter.times())
	next, _ = s.Next("quarter")
	assert.Equal(t, at("2026-03-01T13:15:00Z"), next)
}

func TestHandlerSignaturesAndErrors(t *testing.T) {
	t0 := at("2026-03-01T00:00:00Z")
	s := scheduler.New(func() time.Time { return t0 })
	var plain, withCtx int
	var failedRule string
	var failedErr error
	s.OnError = func(rule string, err error) { failedRule, failedErr = rule, err }
	require.NoError(t, s.Add("plain", "rate(1 minute)", func() { plain++ }))
	require.NoError(t, s.Add("ctx", "rate(1 minute)", func(ctx context.Context) error { withCtx++; return nil }))
	require.NoError(t, s.Add("failing", "rate(1 minute)", func(context.Context, events.EventBridgeEvent) error { return errors.New("disk full") }))
	require.NoError(t, s.Add("panicking", "rate(2 minutes)", func() { panic("oops") }))

	err := s.Tick(t0.Add(time.Minute))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "disk full")
	assert.Equal(t, "failing", failedRule)
	assert.ErrorContains(t, failedErr, "disk full")
	assert.Equal(t, 1, plain)
	assert.Equal(t, 1, withCtx)

	err = s.Tick(t0.Add(2 * time.Minute))
	assert.ErrorContains(t, err, "panicked")
	assert.Equal(t, 2, plain)

	addErrs := []struct {
		name, expr string
		handler    any
	}{
		{"plain", "rate(1 minute)", func() {}},
		{"bad", "rate(1 minutes)", func() {}},
		{"nohandler", "rate(1 minute)", nil},
		{"notfunc", "rate(1 minute)", 42},
		{"", "rate(1 minute)", func() {}},
		{"past", "cron(0 0 1 1 ? 2020)", func() {}},
	}
	for _, tt := range addErrs {
		t.Run("add "+tt.name, func(t *testing.T) {
			assert.Error(t, s.Add(tt.name, tt.expr, tt.handler))
		})
	}
}

func TestRunFiresOnTheClock(t *testing.T) {
	// A clock 100ms before a minute boundary, moving in real time.
	offset := time.Until(at("2026-03-01T12:00:59.9Z"))
	s := scheduler.New(func() time.Time { return time.Now().Add(offset) })
	fired := make(chan time.Time, 4)
	require.NoError(t, s.Add("every-minute", "cron(* * * * ? *)", func(ev events.EventBridgeEvent) { fired <- ev.Time.UTC() }))

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	select {
	case got := <-fired:
		assert.Equal(t, at("2026-03-01T12:01:00Z"), got)
	case <-time.After(3 * time.Second):
		t.Fatal("Run did not fire the rule")
	}
	cancel()
	select {
	case err := <-done:
		assert.NoError(t, err)
	case <-time.After(3 * time.Second):
		t.Fatal("Run did not stop")
	}
}
