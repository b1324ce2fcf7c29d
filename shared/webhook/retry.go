package webhook

import (
	"math/rand/v2"
	"time"
)

// Retry windows (docs/decisions.md#events-and-webhooks): test mode retries 3 times over a few hours; live mode retries until
// 72 hours after the first attempt, configurable up to 7 days.
const (
	TestRetries       = 3
	DefaultLiveWindow = 72 * time.Hour
	MaxLiveWindow     = 7 * 24 * time.Hour
	// MaxSQSDelay is SQS's DelaySeconds limit; later retries wait in DynamoDB for the sweeper.
	MaxSQSDelay = 15 * time.Minute
)

// Schedule computes when a failed delivery is tried again: exponential backoff with jitter, so
// many endpoints failing at once do not come back in lockstep.
type Schedule struct {
	Live bool
	// Window bounds live retries (from the first attempt of the round); 0 means DefaultLiveWindow.
	Window time.Duration
	// Rand returns a number in [0,1); nil uses math/rand/v2.
	Rand func() float64
}

// test mode: 10 min, 40 min, 160 min (±20%): about 3.5 hours in all.
const (
	testBase   = 10 * time.Minute
	testFactor = 4
	liveBase   = 30 * time.Second
	liveCap    = 6 * time.Hour
)

// Next returns the time of the next attempt after `failures` failed attempts in this round
// (1 after the first failure), the round having started at `started`; ok is false when the
// delivery is exhausted and must be marked failed.
func (s Schedule) Next(failures int, started, now time.Time) (at time.Time, ok bool) {
	rnd := s.Rand
	if rnd == nil {
		rnd = rand.Float64
	}
	jitter := func(d time.Duration) time.Duration {
		return time.Duration(float64(d) * (0.8 + 0.4*rnd()))
	}
	if !s.Live {
		if failures > TestRetries {
			return time.Time{}, false
		}
		d := testBase
		for i := 1; i < failures; i++ {
			d *= testFactor
		}
		return now.Add(jitter(d)), true
	}
	window := s.Window
	if window <= 0 {
		window = DefaultLiveWindow
	}
	window = min(window, MaxLiveWindow)
	deadline := started.Add(window)
	if !now.Before(deadline) {
		return time.Time{}, false
	}
	d := liveBase
	for i := 1; i < failures && d < liveCap; i++ {
		d *= 2
	}
	d = min(d, liveCap)
	at = now.Add(jitter(d))
	// The last attempt lands on the deadline rather than being dropped, so the whole window is used.
	if at.After(deadline) {
		at = deadline
	}
	return at, true
}
