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
	// A small clinic: the job purges it before seeding the platform's size, slowly under -race.
	ctx := sandbox.WithSizes(context.Background(), sandbox.Sizes{Patients: 3, Practitioners: 1, Appointments: 2, Messages: 1, Invoices: 1})
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
	// The keys are registered before the reset starts (BeforeRun), so they are waited for, not the
	// whole reset.
	plans := env.Stack.Config.UsagePlans
	registered := func() bool {
		for _, mode := range []string{domain.Test, domain.Live} {
			if got := gw.PlansOf("local", stage, created.Account.UsageKeys[mode]); len(got) != 1 || got[0] != plans[mode] {
				return false
			}
		}
		return true
	}
	var last sandbox.Job
	require.Eventually(t, func() bool {
		ok := registered()
		last, _, _ = jobs.Get(ctx, created.Account.SandboxOrg) // after: a job seen registered is claimed
		return ok
	}, 3*time.Minute, 100*time.Millisecond, "the worker registers both keys on their plans; the job: %+v", &last)
	assert.NotEqual(t, sandbox.JobQueued, last.Status, "the worker claimed the job")
}
