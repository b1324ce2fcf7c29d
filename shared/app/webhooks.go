package app

import (
	"context"
	"fmt"
	"net/http"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/hapihub/hapihub/shared/api"
	"github.com/hapihub/hapihub/shared/config"
	"github.com/hapihub/hapihub/shared/store"
	"github.com/hapihub/hapihub/shared/webhook"
)

func init() {
	functions["events"] = webhookAPIFunction(func(a *webhook.API) []api.Route { return a.EventRoutes() })
	functions["webhook-endpoints"] = webhookAPIFunction(func(a *webhook.API) []api.Route { return a.EndpointRoutes() })
	functions["webhook-dispatch"] = func(ctx context.Context, cfg config.Config) (any, error) {
		d, err := dispatcherFor(ctx, cfg)
		if err != nil {
			return nil, err
		}
		return d.HandleSQS, nil
	}
	functions["webhook-sweeper"] = func(ctx context.Context, cfg config.Config) (any, error) {
		d, err := dispatcherFor(ctx, cfg)
		if err != nil {
			return nil, err
		}
		return d.HandleSchedule, nil
	}
}

// SQS returns the SQS client, pointed at the embedded queue when configured.
func SQS(ctx context.Context, cfg config.Config) (*sqs.Client, error) {
	ac, err := AWS(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return sqs.NewFromConfig(ac, func(o *sqs.Options) {
		if cfg.SQSEndpoint != "" {
			o.BaseEndpoint = aws.String(cfg.SQSEndpoint)
		}
	}), nil
}

// Dispatcher builds the webhook dispatcher over st. Delivery clients follow the SSRF policy of
// each mode; loopback targets are allowed for test mode only under the local runner.
func Dispatcher(ctx context.Context, cfg config.Config, st *store.Store) (*webhook.Dispatcher, error) {
	q, err := SQS(ctx, cfg)
	if err != nil {
		return nil, err
	}
	clients := map[string]*http.Client{
		store.Test: webhook.Policy{AllowLoopback: cfg.Local}.Client(),
		store.Live: webhook.Policy{Live: true}.Client(),
	}
	return &webhook.Dispatcher{Store: st, Queue: q, QueueURL: cfg.WebhookQueueURL, Now: st.Now,
		Client: func(mode string) *http.Client { return clients[mode] }, LiveWindow: cfg.WebhookRetryWindow, Log: Logger()}, nil
}

// attachPublisher makes st enqueue each committed event for webhook fan-out. Without a queue
// (a bare deployment) events still commit with their outbox entries.
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

func dispatcherFor(ctx context.Context, cfg config.Config) (*webhook.Dispatcher, error) {
	if cfg.WebhookQueueURL == "" {
		return nil, fmt.Errorf("app: HAPIHUB_WEBHOOK_QUEUE_URL is not set")
	}
	st, err := Store(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return Dispatcher(ctx, cfg, st)
}

func webhookAPIFunction(routes func(*webhook.API) []api.Route) Builder {
	return func(ctx context.Context, cfg config.Config) (any, error) {
		st, err := Store(ctx, cfg)
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
		return PlatformRouter(st, cfg, routes(a)), nil
	}
}
