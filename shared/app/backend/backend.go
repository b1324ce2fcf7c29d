// Package backend is what a function that writes needs beside its handlers: the store with the
// webhook publisher, over DynamoDB and SQS (shared/app/sandboxjobs adds the sandbox reset jobs).
// It is the wiring the API slices share and, with the jobs, all the console needs: no HTTP API,
// dispatcher or OpenAPI package.
package backend

import (
	"context"

	"github.com/hapihub/hapihub/shared/app/queueclient"
	"github.com/hapihub/hapihub/shared/app/storeclient"
	"github.com/hapihub/hapihub/shared/config"
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
	q, err := queueclient.Queue(ctx, cfg)
	if err != nil {
		return nil, err
	}
	PublishOn(st, q, cfg)
	return st, nil
}

// StoreAndQueue is Store's store and the SQS client it publishes with, for functions that also
// send to another queue (the sandbox jobs): one client serves both.
func StoreAndQueue(ctx context.Context, cfg config.Config) (*store.Store, *queueclient.Sender, error) {
	st, err := storeclient.New(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	q, err := queueclient.Queue(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	PublishOn(st, q, cfg)
	return st, q, nil
}

// PublishOn makes st announce each committed event on the webhook queue, if there is one.
func PublishOn(st *store.Store, q queue.Sender, cfg config.Config) {
	if cfg.WebhookQueueURL != "" {
		st.Publisher = queue.Publisher{Queue: q, URL: cfg.WebhookQueueURL}
	}
}
