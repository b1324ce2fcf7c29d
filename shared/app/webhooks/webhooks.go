// Package webhooks is the webhooks slice's functions: the events and webhook-endpoints APIs, and
// the dispatcher's queue consumer and sweeper (shared/webhook).
package webhooks

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"

	"github.com/aws/aws-lambda-go/events"

	"github.com/hapihub/hapihub/shared/api"
	"github.com/hapihub/hapihub/shared/app"
	"github.com/hapihub/hapihub/shared/app/backend"
	"github.com/hapihub/hapihub/shared/app/platform"
	"github.com/hapihub/hapihub/shared/app/queueclient"
	"github.com/hapihub/hapihub/shared/config"
	"github.com/hapihub/hapihub/shared/domain"
	"github.com/hapihub/hapihub/shared/store"
	"github.com/hapihub/hapihub/shared/webhook"
)

// NewEventsFunction builds the events function (GET /events).
func NewEventsFunction(ctx context.Context, cfg config.Config) (*api.Router, error) {
	return apiFunction(ctx, cfg, (*webhook.API).EventRoutes)
}

// NewEndpointsFunction builds the webhook-endpoints function.
func NewEndpointsFunction(ctx context.Context, cfg config.Config) (*api.Router, error) {
	return apiFunction(ctx, cfg, (*webhook.API).EndpointRoutes)
}

// NewDispatchFunction builds the webhook-dispatch function: the queue consumer that delivers.
func NewDispatchFunction(ctx context.Context, cfg config.Config) (func(context.Context, events.SQSEvent) (events.SQSEventResponse, error), error) {
	d, err := dispatcher(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return d.HandleSQS, nil
}

// NewSweeperFunction builds the webhook-sweeper function: the schedule that re-queues due
// deliveries.
func NewSweeperFunction(ctx context.Context, cfg config.Config) (func(context.Context, json.RawMessage) (webhook.SweepResult, error), error) {
	d, err := dispatcher(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return d.HandleSchedule, nil
}

// dispatcher is the dispatcher of the two queue functions, which cannot work without the queue.
func dispatcher(ctx context.Context, cfg config.Config) (*webhook.Dispatcher, error) {
	if cfg.WebhookQueueURL == "" {
		return nil, fmt.Errorf("app: HAPIHUB_WEBHOOK_QUEUE_URL is not set")
	}
	st, err := backend.Store(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return Dispatcher(ctx, cfg, st)
}

func apiFunction(ctx context.Context, cfg config.Config, routes func(*webhook.API) []api.Route) (*api.Router, error) {
	st, err := backend.Store(ctx, cfg)
	if err != nil {
		return nil, err
	}
	d, err := Dispatcher(ctx, cfg, st)
	if err != nil {
		return nil, err
	}
	ips, err := webhook.ParseSourceIPs(os.Getenv(webhook.SourceIPsEnv))
	if err != nil {
		return nil, err
	}
	a := &webhook.API{Store: st, Dispatcher: d, AllowLoopback: cfg.Local, SourceIPs: ips}
	return platform.PlatformRouter(st, cfg, routes(a)), nil
}

// Dispatcher is the webhook dispatcher over the configured queue; test mode may deliver to
// loopback only under the local runner.
func Dispatcher(ctx context.Context, cfg config.Config, st *store.Store) (*webhook.Dispatcher, error) {
	q, err := queueclient.Queue(ctx, cfg)
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
