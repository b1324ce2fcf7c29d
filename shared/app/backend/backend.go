// Package backend is what a function that writes needs beside its handlers: the store with the
// webhook publisher, and the sandbox reset jobs, over DynamoDB and SQS. It is the wiring the API
// slices share and all the console needs: no HTTP API, dispatcher or OpenAPI package.
package backend

import (
	"context"
	"time"

	"github.com/hapihub/hapihub/shared/app/storeclient"
	"github.com/hapihub/hapihub/shared/config"
	"github.com/hapihub/hapihub/shared/sandbox"
	"github.com/hapihub/hapihub/shared/store"
	"github.com/hapihub/hapihub/shared/webhook/queue"
)

// Store is the store a function writes through: storeclient.New's, announcing each committed
// event on the webhook queue when the configuration names it (HAPIHUB_WEBHOOK_QUEUE_URL).
func Store(ctx context.Context, cfg config.Config) (*store.Store, error) {
	st, err := storeclient.New(ctx, cfg)
	if err != nil || cfg.WebhookQueueURL == "" {
		return st, err
	}
	q, err := Queue(ctx, cfg)
	if err != nil {
		return nil, err
	}
	publishOn(st, q, cfg)
	return st, nil
}

// SandboxJobs is Store's store and the sandbox reset jobs over the configured queue
// (HAPIHUB_JOB_QUEUE_URL), one SQS client serving both queues: what every function that starts
// or runs a reset needs.
func SandboxJobs(ctx context.Context, cfg config.Config) (*store.Store, *sandbox.Jobs, error) {
	st, err := storeclient.New(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	q, err := Queue(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	publishOn(st, q, cfg)
	return st, &sandbox.Jobs{Store: st, Queue: q, QueueURL: cfg.JobQueueURL, Lease: SandboxJobLease, Sizes: sandbox.SizesOf(ctx)}, nil
}

// publishOn makes st announce each committed event on the webhook queue, if there is one.
func publishOn(st *store.Store, q queue.Sender, cfg config.Config) {
	if cfg.WebhookQueueURL != "" {
		st.Publisher = queue.Publisher{Queue: q, URL: cfg.WebhookQueueURL}
	}
}

// SandboxJobLease is how long a worker owns a reset: more than the worker function's Timeout
// (template.yaml), so a live worker is never overtaken and a dead one is within minutes.
const SandboxJobLease = 6 * time.Minute
