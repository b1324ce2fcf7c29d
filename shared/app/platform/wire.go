package platform

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/hapihub/hapihub/shared/api"
	"github.com/hapihub/hapihub/shared/app"
	"github.com/hapihub/hapihub/shared/app/storeclient"
	"github.com/hapihub/hapihub/shared/clinic"
	"github.com/hapihub/hapihub/shared/config"
	"github.com/hapihub/hapihub/shared/domain"
	"github.com/hapihub/hapihub/shared/sandbox"
	"github.com/hapihub/hapihub/shared/store"
	"github.com/hapihub/hapihub/shared/webhook"
)

// middlewares are the request checks every API function runs, in this order. Each feature
// defines its middleware in its own file and adds one line here, so this list is the one place
// that says the order (permissions before capabilities before idempotency).
var middlewares = []func(st *store.Store, cfg config.Config) api.Middleware{
	versionMiddleware,     // apiversion.go: first, so every answer below it is in the request's version
	permissionsMiddleware, // platform.go: key still valid, IP allowlist, restricted-key permissions
	capabilitiesMiddleware,
	idempotencyMiddleware, // platform.go: last, so a replay skips only the handler's work
}

// capabilitiesMiddleware refuses methods an organization's PMS lacks (shared/clinic).
func capabilitiesMiddleware(st *store.Store, _ config.Config) api.Middleware {
	return clinic.Capabilities(st)
}

// Store is the store an API function writes through: app.Store with the webhook publisher
// attached when the configuration names the webhook queue, so events written are announced.
func Store(ctx context.Context, cfg config.Config) (*store.Store, error) {
	st, err := storeclient.New(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return st, attachPublisher(ctx, cfg, st)
}

// SQS is the queue client (the embedded queues under the local runner).
func SQS(ctx context.Context, cfg config.Config) (*sqs.Client, error) {
	ac, err := app.AWS(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return sqs.NewFromConfig(ac, func(o *sqs.Options) {
		if cfg.SQSEndpoint != "" {
			o.BaseEndpoint = aws.String(cfg.SQSEndpoint)
		}
	}), nil
}

// Dispatcher is the webhook dispatcher over the configured queue; test mode may deliver to
// loopback only under the local runner.
func Dispatcher(ctx context.Context, cfg config.Config, st *store.Store) (*webhook.Dispatcher, error) {
	q, err := SQS(ctx, cfg)
	if err != nil {
		return nil, err
	}
	clients := map[string]*http.Client{
		domain.Test: webhook.Policy{AllowLoopback: cfg.Local}.Client(),
		domain.Live: webhook.Policy{Live: true}.Client(),
	}
	return &webhook.Dispatcher{Store: st, Queue: q, QueueURL: cfg.WebhookQueueURL, Now: st.Now,
		Client: func(mode string) *http.Client { return clients[mode] }, LiveWindow: cfg.WebhookRetryWindow, Log: app.Logger()}, nil
}

// attachPublisher makes the store announce each committed event to the webhook queue.
func attachPublisher(ctx context.Context, cfg config.Config, st *store.Store) error {
	if cfg.WebhookQueueURL == "" {
		return nil
	}
	d, err := Dispatcher(ctx, cfg, st)
	if err != nil {
		return fmt.Errorf("app: webhook publisher: %w", err)
	}
	st.Publisher = d
	return nil
}

// SandboxJobs is the store and the sandbox reset jobs over the configured queue
// (HAPIHUB_JOB_QUEUE_URL): what every function that starts or runs a reset needs.
func SandboxJobs(ctx context.Context, cfg config.Config) (*store.Store, *sandbox.Jobs, error) {
	st, err := Store(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	q, err := SQS(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	return st, &sandbox.Jobs{Store: st, Queue: q, QueueURL: cfg.JobQueueURL, Lease: SandboxJobLease, Sizes: sandbox.SizesOf(ctx)}, nil
}

// SandboxJobLease is how long a worker owns a reset: more than the worker function's Timeout
// (template.yaml), so a live worker is never overtaken and a dead one is within minutes.
const SandboxJobLease = 6 * time.Minute
