// Package sqstest starts the embedded SQS server for tests and returns an
// unmodified aws-sdk-go-v2 client pointed at it.
package sqstest

import (
	"github.com/hapihub/hapihub/shared/sdkhttp"

	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/hapihub/hapihub/infra/sqs"
	"github.com/hapihub/hapihub/infra/testclock"
)

// New starts a server in a temporary directory on a random loopback port and
// returns a client for it and its endpoint. Both are cleaned up with t.
func New(t testing.TB) (*awssqs.Client, string) {
	t.Helper()
	_, endpoint := Start(t, t.TempDir(), sqs.Options{NoSync: true})
	return Client(endpoint), endpoint
}

// Start opens a server on dir with opts, listens on loopback and closes it
// when t ends.
func Start(t testing.TB, dir string, opts sqs.Options) (*sqs.Server, string) {
	t.Helper()
	srv, err := sqs.Open(dir, opts)
	if err != nil {
		t.Fatalf("sqstest: open: %v", err)
	}
	endpoint, err := srv.Listen()
	if err != nil {
		_ = srv.Close()
		t.Fatalf("sqstest: listen: %v", err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	return srv, endpoint
}

// Client is an SDK client for the server at endpoint with dummy credentials.
func Client(endpoint string) *awssqs.Client {
	return awssqs.New(awssqs.Options{
		HTTPClient:   sdkhttp.New(),
		Region:       "us-east-1",
		BaseEndpoint: aws.String(endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
		// Errors here are the server's answers under test, not blips to retry.
		RetryMaxAttempts: 1,
	})
}

// Clock is a settable clock to pass as sqs.Options.Now.
type Clock = testclock.Clock

// NewClock returns a clock reading t.
func NewClock(t time.Time) *Clock { return testclock.New(t) }
