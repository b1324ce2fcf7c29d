package runner_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/infra/dynamo"
	"github.com/hapihub/hapihub/infra/dynamo/dynamotest"
	"github.com/hapihub/hapihub/infra/local/runner"
	"github.com/hapihub/hapihub/infra/template"
	"github.com/hapihub/hapihub/shared/accounts"
	"github.com/hapihub/hapihub/shared/app/backend"
	"github.com/hapihub/hapihub/shared/domain"
	"github.com/hapihub/hapihub/shared/sandbox"
)

// TestUsageKeysOfExistingAccounts: a data directory from before usage keys were registered (an
// account whose keys API Gateway does not know) gets them registered when the runner starts on it
// with no API Gateway state yet; the bootstrap account's keys are registered as it is made.
func TestUsageKeysOfExistingAccounts(t *testing.T) {
	ctx := sandbox.WithSizes(context.Background(), sandbox.Sizes{Patients: 3, Practitioners: 1, Appointments: 2, Messages: 1, Invoices: 1})
	tpl, err := template.Load(filepath.Join("..", "..", "..", "template.yaml"))
	require.NoError(t, err)
	_, dyn := dynamotest.Start(t, t.TempDir(), dynamo.Options{NoSync: true})
	first, err := runner.Start(ctx, runner.Options{Template: tpl, DynamoDBEndpoint: dyn, DataDir: t.TempDir()})
	require.NoError(t, err)
	t.Cleanup(func() { _ = first.Close() })
	st, err := backend.Store(ctx, first.Config)
	require.NoError(t, err)
	boot, err := st.GetAccount(ctx, first.Bootstrap.AccountID)
	require.NoError(t, err)
	plan := map[string]string{domain.Test: "testusageplan", domain.Live: "liveusageplan"}
	for mode, v := range boot.UsageKeys {
		assert.Equal(t, []string{plan[mode]}, first.APIGateway.PlansOf("local", first.Gateway.Stage(), v), "bootstrap account, %s", mode)
	}
	old, err := sandbox.CreateAccount(ctx, st, accounts.Options{Name: "Before usage keys"}, 0) // no registrar
	require.NoError(t, err)
	assert.Empty(t, first.APIGateway.PlansOf("local", first.Gateway.Stage(), old.Account.UsageKeys[domain.Test]))

	second, err := runner.Start(ctx, runner.Options{Template: tpl, DynamoDBEndpoint: dyn, DataDir: t.TempDir()})
	require.NoError(t, err)
	t.Cleanup(func() { _ = second.Close() })
	assert.Equal(t, []string{"testusageplan"}, second.APIGateway.PlansOf("local", second.Gateway.Stage(), old.Account.UsageKeys[domain.Test]))
	assert.Equal(t, []string{"liveusageplan"}, second.APIGateway.PlansOf("local", second.Gateway.Stage(), old.Account.UsageKeys[domain.Live]))
}
