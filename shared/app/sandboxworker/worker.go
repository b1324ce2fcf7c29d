// Package sandboxworker is the sandbox-worker function (the reset jobs' queue consumer), the
// usage-key registrar it and sign-up need, and the local runner's bootstrap account.
package sandboxworker

import (
	"context"

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
	reg, err := UsageKeys(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if reg != nil {
		// A sign-up's setup: the account's usage keys are registered before its sandbox is seeded.
		jobs.BeforeRun = func(ctx context.Context, j sandbox.Job) error {
			acct, err := st.GetAccount(ctx, j.Account)
			if err != nil {
				return err
			}
			return accounts.RegisterAll(ctx, reg, acct)
		}
	}
	return jobs.HandleSQS, nil
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
