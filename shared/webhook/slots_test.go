package webhook_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/shared/webhook"
)

// A burst to an endpoint not yet known fast (new, or idle for SlowMemory) waits for a slot given
// back rather than going back on the queue for RetrySlotDelay: deferring at once cost every
// burst's third message a second (BenchmarkDeliveriesPerSecond fell from ~300 to 63/s).
func TestNewEndpointBurstWaitsForASlot(t *testing.T) {
	d := &webhook.Dispatcher{}
	ctx := context.Background()
	var held []func()
	for range webhook.SlowEndpointConcurrency {
		release, retry := d.Acquire(ctx, "acct", "test", "we_1")
		require.NotNil(t, release, "a new endpoint has %d slots", webhook.SlowEndpointConcurrency)
		require.Zero(t, retry)
		held = append(held, release)
	}
	go func() {
		time.Sleep(webhook.SlotWait / 10)
		held[0]()
	}()
	release, retry := d.Acquire(ctx, "acct", "test", "we_1")
	require.NotNil(t, release, "the attempt waits for the slot given back (deferred %v instead)", retry)
	release()
	held[1]()

	// Now known fast: DefaultEndpointConcurrency slots, and past them a wait that ends in a
	// deferral when no slot comes back.
	held = held[:0]
	for range webhook.DefaultEndpointConcurrency {
		release, _ := d.Acquire(ctx, "acct", "test", "we_1")
		require.NotNil(t, release)
		held = append(held, release)
	}
	start := time.Now()
	release, retry = d.Acquire(ctx, "acct", "test", "we_1")
	assert.Nil(t, release)
	assert.Equal(t, webhook.RetrySlotDelay, retry)
	assert.GreaterOrEqual(t, time.Since(start), webhook.SlotWait, "waited for a slot first")
	for _, r := range held {
		r()
	}
}
