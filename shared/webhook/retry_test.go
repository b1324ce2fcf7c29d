package webhook

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestScheduleTestMode(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, r := range []float64{0, 0.5, 0.999} {
		s := Schedule{Rand: func() float64 { return r }}
		now := start
		var delays []time.Duration
		for f := 1; ; f++ {
			at, ok := s.Next(f, start, now)
			if !ok {
				break
			}
			require.True(t, at.After(now))
			delays = append(delays, at.Sub(now))
			now = at
		}
		require.Len(t, delays, TestRetries, "test mode retries exactly 3 times")
		assert.Greater(t, delays[1], delays[0], "backoff grows")
		assert.Greater(t, delays[2], delays[1], "backoff grows")
		total := now.Sub(start)
		assert.True(t, total > time.Hour && total < 6*time.Hour, "a few hours, got %s", total)
	}
}

func TestScheduleLiveWindow(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		window, want time.Duration
	}{
		{0, DefaultLiveWindow},
		{24 * time.Hour, 24 * time.Hour},
		{30 * 24 * time.Hour, MaxLiveWindow},
	}
	for _, c := range cases {
		s := Schedule{Live: true, Window: c.window, Rand: func() float64 { return 0.5 }}
		now := start
		n := 0
		for f := 1; ; f++ {
			at, ok := s.Next(f, start, now)
			if !ok {
				break
			}
			now = at
			n++
			require.Less(t, n, 1000)
		}
		assert.Equal(t, c.want, now.Sub(start), "the last attempt is at the window's end")
		assert.Greater(t, n, 10)
	}
	// The first retries are short enough for SQS message delay.
	s := Schedule{Live: true, Rand: func() float64 { return 0.999 }}
	at, ok := s.Next(1, start, start)
	require.True(t, ok)
	assert.LessOrEqual(t, at.Sub(start), MaxSQSDelay)
}
