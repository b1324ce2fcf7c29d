package local

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/infra/template"
	"github.com/hapihub/hapihub/shared/config"
)

func TestFunctionsInvoke(t *testing.T) {
	var builds atomic.Int32
	fns := NewFunctions(func(_ context.Context, name string) (any, error) {
		builds.Add(1)
		switch name {
		case "echo":
			return func(_ context.Context, in map[string]string) (map[string]string, error) {
				return map[string]string{"echo": in["v"]}, nil
			}, nil
		case "panics":
			return func(context.Context) error { panic("boom") }, nil
		}
		return nil, errors.New("no such function")
	})
	ctx := context.Background()

	// Concurrent calls must each get their own answer (the library pools its output buffers).
	var wg sync.WaitGroup
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out, err := fns.Invoke(ctx, "echo", []byte(fmt.Sprintf(`{"v":"%d"}`, i)))
			assert.NoError(t, err)
			assert.JSONEq(t, fmt.Sprintf(`{"echo":"%d"}`, i), string(out))
		}()
	}
	wg.Wait()
	assert.Equal(t, int32(1), builds.Load(), "one cold start per function")

	_, err := fns.Invoke(ctx, "panics", []byte(`{}`))
	var pe *PanicError
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, "boom", pe.Value)
	assert.Contains(t, string(pe.Stack), "functions_test.go")

	_, err = fns.Invoke(ctx, "missing", nil)
	assert.ErrorContains(t, err, "cold start of missing: no such function")
	_, err = fns.Invoke(ctx, "missing", nil)
	assert.ErrorContains(t, err, "cold start of missing")
	assert.Equal(t, int32(3), builds.Load(), "a failed cold start is not retried on every call")
}

func TestInvokeWithTimeout(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	fns := NewFunctions(func(context.Context, string) (any, error) {
		return func(ctx context.Context) error { <-release; return nil }, nil // ignores its context
	})
	start := time.Now()
	_, err := invokeWithTimeout(context.Background(), fns, "stuck", 20*time.Millisecond, nil)
	assert.ErrorIs(t, err, errTimeout)
	assert.Less(t, time.Since(start), time.Second)
}

func TestFunctionConfig(t *testing.T) {
	tpl, err := template.Parse([]byte(testTemplate))
	require.NoError(t, err)
	base := config.Config{Table: "base", Region: "r", DynamoDBEndpoint: "http://127.0.0.1:1", Local: true, WebhookRetryWindow: 72 * time.Hour}
	fn, ok := tpl.Function("things")
	require.True(t, ok)
	cfg, err := FunctionConfig(fn, base, nil)
	require.NoError(t, err)
	assert.Equal(t, base, cfg, "a function without environment runs with the base config")

	withEnv := strings.Replace(testTemplate, "    Properties:\n      Timeout: 1\n",
		"    Properties:\n      Timeout: 1\n      Environment: {Variables: {HAPIHUB_TABLE: !Ref Table, HAPIHUB_WEBHOOK_QUEUE_URL: !Sub \"${AWS::Region}/q\"}}\n", 1)
	require.NotEqual(t, testTemplate, withEnv)
	tpl, err = template.Parse([]byte(withEnv))
	require.NoError(t, err)
	fn, _ = tpl.Function("things")
	cfg, err = FunctionConfig(fn, base, tpl.Refs("eu-west-3", "1", template.Refs{"Table": "local"}))
	require.NoError(t, err)
	assert.Equal(t, config.Config{Table: "local", Region: "r", DynamoDBEndpoint: base.DynamoDBEndpoint, Local: true,
		WebhookQueueURL: "eu-west-3/q", WebhookRetryWindow: 72 * time.Hour}, cfg)
	_, err = FunctionConfig(fn, base, template.Refs{})
	assert.ErrorContains(t, err, "Environment HAPIHUB_TABLE: line")
}

func TestWithIdentity(t *testing.T) {
	h := newHarness(t, testTemplate)
	ctx := context.Background()
	proxy := `{"resource":"/things","path":"/things","httpMethod":"GET","headers":{"authorization":"Bearer old"},
		"multiValueHeaders":{"Authorization":["Bearer old"]},"requestContext":{"requestId":"r1","authorizer":{"accountId":"acct_sample"}}}`
	out, err := h.gw.WithIdentity(ctx, []byte(proxy), "Bearer test9")
	require.NoError(t, err)
	var ev events.APIGatewayProxyRequest
	require.NoError(t, json.Unmarshal(out, &ev))
	assert.Equal(t, map[string]string{"Authorization": "Bearer test9"}, ev.Headers)
	assert.Equal(t, []string{"Bearer test9"}, ev.MultiValueHeaders["Authorization"])
	assert.Equal(t, "acct_test9", ev.RequestContext.Authorizer["accountId"])
	assert.Equal(t, "acct_test9", ev.RequestContext.Authorizer["principalId"])
	assert.Equal(t, "test", ev.RequestContext.Authorizer["mode"])
	assert.Equal(t, "r1", ev.RequestContext.RequestID, "the rest of the event is kept")

	_, err = h.gw.WithIdentity(ctx, []byte(proxy), "Bearer nobody")
	assert.ErrorContains(t, err, "authorizer rejected the key: Unauthorized")

	out, err = h.gw.WithIdentity(ctx, []byte(`{"type":"REQUEST","methodArn":"arn","headers":{"Authorization":"x"}}`), "Bearer k")
	require.NoError(t, err)
	var areq events.APIGatewayCustomAuthorizerRequestTypeRequest
	require.NoError(t, json.Unmarshal(out, &areq))
	assert.Equal(t, "Bearer k", areq.Headers["Authorization"])
	assert.Equal(t, "arn", areq.MethodArn)

	out, err = h.gw.WithIdentity(ctx, []byte(`{"type":"TOKEN","authorizationToken":"x","methodArn":"arn"}`), "Bearer k")
	require.NoError(t, err)
	assert.JSONEq(t, `{"type":"TOKEN","authorizationToken":"Bearer k","methodArn":"arn"}`, string(out))

	sqs := `{"Records":[{"messageId":"m1","body":"{}"}]}`
	out, err = h.gw.WithIdentity(ctx, []byte(sqs), "Bearer k")
	require.NoError(t, err)
	assert.Equal(t, sqs, string(out), "other events pass unchanged")

	_, err = h.gw.WithIdentity(ctx, []byte(`[1]`), "Bearer k")
	assert.ErrorContains(t, err, "not a JSON object")
}
