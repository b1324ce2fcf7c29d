package accounts_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	sdk "github.com/aws/aws-sdk-go-v2/service/apigateway"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/infra/apigateway"
	"github.com/hapihub/hapihub/infra/template"
	"github.com/hapihub/hapihub/shared/accounts"
	"github.com/hapihub/hapihub/shared/accounts/usagekeys"
	"github.com/hapihub/hapihub/shared/auth"
	"github.com/hapihub/hapihub/shared/domain"
	"github.com/hapihub/hapihub/shared/sandbox"
	"github.com/hapihub/hapihub/shared/store/storetest"
)

// gateway is the embedded API Gateway management API and the registrar over it, through the
// unmodified SDK client.
func gateway(t *testing.T, plans map[string]string) (*apigateway.Service, usagekeys.UsageKeys) {
	t.Helper()
	svc, err := apigateway.Open("", []apigateway.Plan{
		{ID: "testusageplan", Name: "hapihub-test", APIID: "local", Stage: "v1", Throttle: template.Throttle{RateLimit: 25, BurstLimit: 25}},
		{ID: "liveusageplan", Name: "hapihub-live", APIID: "local", Stage: "v1", Throttle: template.Throttle{RateLimit: 200, BurstLimit: 200}},
	}, apigateway.Options{})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	ep, err := svc.Listen(ctx, "127.0.0.1:0")
	require.NoError(t, err)
	c := sdk.New(sdk.Options{Region: "us-east-1", BaseEndpoint: aws.String(ep), Credentials: credentials.NewStaticCredentialsProvider("local", "local", "")})
	return svc, usagekeys.UsageKeys{Client: c, Plans: plans}
}

var plans = map[string]string{domain.Test: "testusageplan", domain.Live: "liveusageplan"}

var tiny = sandbox.Sizes{Patients: 2, Practitioners: 1, Appointments: 1, Messages: 1, Invoices: 1}

// TestCreateRegistersUsageKeys: an account's usage key of each mode is an enabled API key in that
// mode's plan; registering again (a retry) changes nothing; disabling locks every mode out.
func TestCreateRegistersUsageKeys(t *testing.T) {
	ctx := sandbox.WithSizes(context.Background(), tiny)
	st := storetest.New(t)
	svc, reg := gateway(t, plans)
	c, err := accounts.Create(ctx, st.Accounts, accounts.Options{Name: "Acme", UsageKeys: reg})
	require.NoError(t, err)
	for mode, plan := range plans {
		assert.Equal(t, []string{plan}, svc.PlansOf("local", "v1", c.Account.UsageKeys[mode]), mode)
	}
	require.NoError(t, accounts.RegisterAll(ctx, reg, c.Account), "a retry is a no-op")
	assert.Len(t, svc.Keys("hapihub-"+c.Account.ID), 2, "one key per mode, never two")

	require.NoError(t, accounts.Disable(ctx, reg, c.Account))
	for mode := range plans {
		assert.Empty(t, svc.PlansOf("local", "v1", c.Account.UsageKeys[mode]), "disabled: %s", mode)
	}
	require.NoError(t, reg.SetEnabled(ctx, c.Account, true))
	assert.NotEmpty(t, svc.PlansOf("local", "v1", c.Account.UsageKeys[domain.Test]))
}

// TestCreateLeavesNothingHalfMade: a registration that fails half way, or an account transaction
// that fails after the keys were registered, leaves neither API keys nor an account behind.
func TestCreateLeavesNothingHalfMade(t *testing.T) {
	ctx := sandbox.WithSizes(context.Background(), tiny)
	st, failing := storetest.Engine(t)

	// The live plan is missing: the test key is made, the live one fails, the test key is removed.
	svc, reg := gateway(t, map[string]string{domain.Test: "testusageplan"})
	_, err := accounts.Create(ctx, st.Accounts, accounts.Options{Name: "Half", UsageKeys: reg})
	require.Error(t, err)
	assert.Empty(t, svc.Keys(""), "no API key left behind")

	// The account's transaction fails after both keys were registered: both are removed.
	svc, reg = gateway(t, plans)
	failing.Fail.Store(true)
	c, err := accounts.Create(ctx, st.Accounts, accounts.Options{Name: "Unlucky", UsageKeys: reg})
	failing.Fail.Store(false)
	require.Error(t, err)
	assert.Empty(t, svc.Keys(""), "no API key left behind")
	secret := c.Keys["sk_test"]
	require.NotEmpty(t, secret, "the keys were made before the transaction")
	_, found, err := st.KeyByHash(ctx, auth.Hash(secret))
	require.NoError(t, err)
	assert.False(t, found, "and no account: its key was never written")
}
