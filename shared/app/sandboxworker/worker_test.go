package sandboxworker_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/infra/localtest"
	"github.com/hapihub/hapihub/shared/accounts"
	"github.com/hapihub/hapihub/shared/app/sandboxjobs"
	"github.com/hapihub/hapihub/shared/domain"
	"github.com/hapihub/hapihub/shared/sandbox"
)

// A job queued for an account whose usage keys API Gateway does not know yet (as a sign-up's
// is) is run by the platform's sandbox-worker function (NewFunction, through the local event
// source): its keys are registered on their plans before the sandbox is seeded, by the API
// Gateway client the worker builds at that first job.
func TestWorkerRegistersASignUpsUsageKeys(t *testing.T) {
	env := localtest.Shared(t)
	ctx := context.Background()
	created, err := sandbox.CreateAccount(ctx, env.Store, accounts.Options{Name: "Worker registers"}, 0) // no registrar
	require.NoError(t, err)
	gw, stage := env.Stack.APIGateway, env.Stack.Gateway.Stage()
	require.Empty(t, gw.PlansOf("local", stage, created.Account.UsageKeys[domain.Test]), "not registered yet")

	cfg := env.Stack.Config
	cfg.JobQueueURL = env.Stack.Refs["JobQueue"] // Ref of a queue is its URL; the functions get it from the template
	require.NotEmpty(t, cfg.JobQueueURL)
	_, jobs, err := sandboxjobs.New(ctx, cfg)
	require.NoError(t, err)
	_, _, err = jobs.Start(ctx, created.Account.ID, created.Account.SandboxOrg)
	require.NoError(t, err)
	var last sandbox.Job
	require.Eventually(t, func() bool {
		j, ok, err := jobs.Get(ctx, created.Account.SandboxOrg)
		last = j
		return err == nil && ok && j.Status == sandbox.JobSucceeded
	}, 3*time.Minute, 100*time.Millisecond, "the worker ran the job: %+v", &last)
	plans := env.Stack.Config.UsagePlans
	for _, mode := range []string{domain.Test, domain.Live} {
		assert.Equal(t, []string{plans[mode]}, gw.PlansOf("local", stage, created.Account.UsageKeys[mode]), mode)
	}
}
