package sandboxworker

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/shared/accounts"
	"github.com/hapihub/hapihub/shared/config"
)

// The worker builds no API Gateway client at init (most jobs are resets of existing accounts);
// it is built by the first job that registers keys (TestWorkerRegistersASignUpsUsageKeys).
func TestNewFunctionBuildsNoRegistrar(t *testing.T) {
	var built atomic.Int64
	orig := newRegistrar
	t.Cleanup(func() { newRegistrar = orig })
	newRegistrar = func(ctx context.Context, cfg config.Config) (accounts.Registrar, error) {
		built.Add(1)
		return orig(ctx, cfg)
	}
	cfg := config.Config{Table: "t", Region: "us-east-1", Local: true, DynamoDBEndpoint: "http://127.0.0.1:1",
		SQSEndpoint: "http://127.0.0.1:1", JobQueueURL: "http://127.0.0.1:1/1/jobs", APIGatewayEndpoint: "http://127.0.0.1:1",
		UsagePlans: map[string]string{"test": "plan-test", "live": "plan-live"}}
	h, err := NewFunction(context.Background(), cfg)
	require.NoError(t, err)
	require.NotNil(t, h)
	assert.Zero(t, built.Load(), "no registrar at init")
}

// A failed build is returned and not kept; the first success is kept.
func TestLazyRegistrarBuildsOnceRetryingFailures(t *testing.T) {
	var calls int
	fail := errors.New("no config")
	want := accounts.Registrar(nil)
	l := &lazyRegistrar{build: func(context.Context) (accounts.Registrar, error) {
		calls++
		if calls == 1 {
			return nil, fail
		}
		r, err := UsageKeys(context.Background(), config.Config{Region: "us-east-1", Local: true,
			UsagePlans: map[string]string{"test": "plan-test"}})
		want = r
		return r, err
	}}
	_, err := l.get(context.Background())
	require.ErrorIs(t, err, fail)
	r, err := l.get(context.Background())
	require.NoError(t, err)
	require.NotNil(t, r)
	again, err := l.get(context.Background())
	require.NoError(t, err)
	assert.Equal(t, want, again)
	assert.Equal(t, 2, calls, "built once after the failure")
}
