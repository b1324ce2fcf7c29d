// Package dynamotest starts the embedded DynamoDB-compatible engine for tests
// and returns an unmodified aws-sdk-go-v2 client pointed at it.
package dynamotest

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/hapihub/hapihub/infra/dynamo"
	"github.com/hapihub/hapihub/infra/testclock"
	"github.com/hapihub/hapihub/shared/sdkhttp"
)

// New starts an engine in a temporary directory on a random loopback port and
// returns a client for it. Everything is closed when t ends.
func New(t testing.TB) *dynamodb.Client {
	t.Helper()
	return Client(Endpoint(t))
}

// Endpoint starts an engine like New and returns its endpoint URL.
func Endpoint(t testing.TB) string {
	t.Helper()
	_, endpoint := Start(t, t.TempDir(), dynamo.Options{NoSync: true, TTLInterval: -1})
	return endpoint
}

// Start opens an engine on dir with opts, serves it on loopback and closes it
// when t ends. Use it to control the clock, TTL sweeps or restarts.
func Start(t testing.TB, dir string, opts dynamo.Options) (*dynamo.Engine, string) {
	t.Helper()
	e, err := dynamo.Open(dir, opts)
	if err != nil {
		t.Fatalf("dynamotest: open: %v", err)
	}
	endpoint, err := dynamo.Serve(context.Background(), "127.0.0.1:0", e)
	if err != nil {
		_ = e.Close()
		t.Fatalf("dynamotest: serve: %v", err)
	}
	t.Cleanup(func() { _ = e.Close() })
	return e, endpoint
}

// Client is an SDK client for the engine at endpoint, with dummy static
// credentials and region us-east-1.
func Client(endpoint string) *dynamodb.Client {
	return dynamodb.New(dynamodb.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
		// The SDK's own client loses an answer now and then under load (see sdkhttp).
		HTTPClient: sdkhttp.New(),
		// Errors here are the engine's answers under test, not blips to retry.
		RetryMaxAttempts: 1,
	})
}

// Clock is a settable clock to pass as dynamo.Options.Now.
type Clock = testclock.Clock

// NewClock returns a clock reading t.
func NewClock(t time.Time) *Clock { return testclock.New(t) }
