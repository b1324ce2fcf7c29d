// Package sandboxworker is the sandbox-worker function (the reset jobs' queue consumer), the
// usage-key registrar it and sign-up need, and the local runner's bootstrap account.
package sandboxworker

import (
	"context"
	"errors"
	"sync"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"

	"github.com/hapihub/hapihub/shared/accounts"
	"github.com/hapihub/hapihub/shared/accounts/usagekeys"
	"github.com/hapihub/hapihub/shared/app"
	"github.com/hapihub/hapihub/shared/app/sandboxjobs"
	"github.com/hapihub/hapihub/shared/config"
	"github.com/hapihub/hapihub/shared/sandbox"
)

// NewFunction builds the sandbox worker: it runs the reset jobs the organizations and console
// functions queue, registering a new account's usage keys first when usage plans are configured.
func NewFunction(ctx context.Context, cfg config.Config) (func(context.Context, events.SQSEvent) (events.SQSEventResponse, error), error) {
	st, jobs, err := sandboxjobs.New(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if len(cfg.UsagePlans) > 0 {
		reg := &lazyRegistrar{build: func(ctx context.Context) (accounts.Registrar, error) { return newRegistrar(ctx, cfg) }}
		// A sign-up's setup: the account's usage keys are registered before its sandbox is seeded.
		jobs.BeforeRun = func(ctx context.Context, j sandbox.Job) error {
			acct, err := st.GetAccount(ctx, j.Account)
			if err != nil {
				return err
			}
			r, err := reg.get(ctx)
			if err != nil {
				return err
			}
			return accounts.RegisterAll(ctx, r, acct)
		}
	}
	return jobs.HandleSQS, nil
}

// newRegistrar is UsageKeys (a test counts its calls).
var newRegistrar = UsageKeys

// lazyRegistrar builds the API Gateway client at the first job that registers keys, not at init:
// a cold start that serves only jobs needing no registration never pays for it. A failed build
// is not kept: the next job tries again.
type lazyRegistrar struct {
	build func(ctx context.Context) (accounts.Registrar, error)
	mu    sync.Mutex
	reg   accounts.Registrar
}

func (l *lazyRegistrar) get(ctx context.Context) (accounts.Registrar, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.reg != nil {
		return l.reg, nil
	}
	r, err := l.build(ctx)
	if err != nil {
		return nil, err
	}
	if r == nil {
		return nil, errors.New("app: usage plans are configured but no registrar was built")
	}
	l.reg = r
	return r, nil
}

// UsageKeys is the registrar of usage identifier keys with API Gateway (the embedded one under
// the local runner), or nil when the configuration names no usage plans.
func UsageKeys(ctx context.Context, cfg config.Config) (accounts.Registrar, error) {
	if len(cfg.UsagePlans) == 0 {
		return nil, nil
	}
	ac, err := app.AWS(ctx, cfg)
	if err != nil {
		return nil, err
	}
	c := apigateway.NewFromConfig(ac, func(o *apigateway.Options) {
		if cfg.APIGatewayEndpoint != "" {
			o.BaseEndpoint = aws.String(cfg.APIGatewayEndpoint)
		}
	})
	return usagekeys.UsageKeys{Client: c, Plans: cfg.UsagePlans}, nil
}
