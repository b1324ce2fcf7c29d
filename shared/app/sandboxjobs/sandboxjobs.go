// Package sandboxjobs builds the sandbox reset jobs (shared/sandbox) over the configured queue:
// what the functions that start a reset (organizations, the console's sign-up) or run one (the
// sandbox worker) need beside the store. A package of its own so that the other functions do
// not link the jobs (and the SDK's attributevalue with them).
package sandboxjobs

import (
	"context"
	"time"

	"github.com/hapihub/hapihub/shared/app/backend"
	"github.com/hapihub/hapihub/shared/config"
	"github.com/hapihub/hapihub/shared/sandbox"
	"github.com/hapihub/hapihub/shared/store"
)

// New is backend's store and the sandbox reset jobs on HAPIHUB_JOB_QUEUE_URL, one SQS client
// serving both queues.
func New(ctx context.Context, cfg config.Config) (*store.Store, *sandbox.Jobs, error) {
	st, q, err := backend.StoreAndQueue(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	return st, Jobs(ctx, cfg, st, q), nil
}

// Jobs are the sandbox reset jobs over st, sending on q.
func Jobs(ctx context.Context, cfg config.Config, st *store.Store, q sandbox.Sender) *sandbox.Jobs {
	return &sandbox.Jobs{Store: st, Queue: q, QueueURL: cfg.JobQueueURL, Lease: Lease, Sizes: sandbox.SizesOf(ctx)}
}

// Lease is how long a worker owns a reset: more than the worker function's Timeout
// (template.yaml), so a live worker is never overtaken and a dead one is within minutes.
const Lease = 6 * time.Minute
