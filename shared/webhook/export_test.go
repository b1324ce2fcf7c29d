package webhook

import (
	"context"
	"time"
)

// SetRecoverBatch lowers the recover batch for a test and returns the restore.
func SetRecoverBatch(n int) func() {
	prev := recoverBatch
	recoverBatch = n
	return func() { recoverBatch = prev }
}

// Acquire exposes the per-endpoint attempt slots to tests.
func (d *Dispatcher) Acquire(ctx context.Context, account, mode, endpointID string) (func(), time.Duration) {
	return d.acquire(ctx, account, mode, endpointID)
}
