package sqs_test

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/aws"
	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/infra/sqs"
)

func newPoller(t *testing.T, e *env, q string, handler any, report bool, batch int) *sqs.Poller {
	t.Helper()
	p, err := sqs.NewPoller(sqs.PollerConfig{
		Client: e.c, QueueURL: q, Handler: handler, BatchSize: batch,
		ReportBatchItemFailures: report, WaitTimeSeconds: aws.Int32(0),
		FunctionArn: "arn:aws:lambda:us-east-1:000000000000:function:deliver",
	})
	require.NoError(t, err)
	return p
}

func TestPollerBatchItemFailures(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	q := e.createQueue("deliveries", map[string]string{"VisibilityTimeout": "60"})
	for i := range 5 {
		kind := "ok"
		if i%2 == 1 {
			kind = "fail"
		}
		_, err := e.c.SendMessage(ctx, &awssqs.SendMessageInput{QueueUrl: aws.String(q), MessageBody: aws.String(fmt.Sprintf("%s-%d", kind, i)),
			MessageAttributes: map[string]types.MessageAttributeValue{"kind": {DataType: aws.String("String"), StringValue: aws.String(kind)}}})
		require.NoError(t, err)
	}

	var seen []events.SQSMessage
	var fnArn string
	handler := func(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
		if lc, ok := lambdacontext.FromContext(ctx); ok {
			fnArn = lc.InvokedFunctionArn
		}
		var resp events.SQSEventResponse
		for _, r := range ev.Records {
			seen = append(seen, r)
			if *r.MessageAttributes["kind"].StringValue == "fail" {
				resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: r.MessageId})
			}
		}
		return resp, nil
	}
	p := newPoller(t, e, q, handler, true, 10)
	res, err := p.PollOnce(ctx)
	require.NoError(t, err)
	assert.Equal(t, sqs.BatchResult{Received: 5, Deleted: 3}, res)
	assert.Equal(t, "arn:aws:lambda:us-east-1:000000000000:function:deliver", fnArn)
	require.Len(t, seen, 5)
	r := seen[0]
	assert.Equal(t, "ok-0", r.Body)
	sum := md5.Sum([]byte("ok-0"))
	assert.Equal(t, hex.EncodeToString(sum[:]), r.Md5OfBody)
	assert.Equal(t, "arn:aws:sqs:us-east-1:000000000000:deliveries", r.EventSourceARN)
	assert.Equal(t, "aws:sqs", r.EventSource)
	assert.Equal(t, "us-east-1", r.AWSRegion)
	assert.Equal(t, "1", r.Attributes["ApproximateReceiveCount"])
	assert.NotEmpty(t, r.Attributes["SentTimestamp"])
	assert.NotEmpty(t, r.ReceiptHandle)
	assert.Len(t, r.Md5OfMessageAttributes, 32)

	// The failed two stay in flight for the visibility timeout, then return.
	assert.Equal(t, [3]string{"0", "2", "0"}, e.counts(q))
	res, err = p.PollOnce(ctx)
	require.NoError(t, err)
	assert.Zero(t, res.Received)
	e.clock.Advance(time.Minute)
	seen = nil
	res, err = p.PollOnce(ctx)
	require.NoError(t, err)
	assert.Equal(t, sqs.BatchResult{Received: 2, Deleted: 0}, res)
	require.Len(t, seen, 2)
	assert.Equal(t, []string{"fail-1", "fail-3"}, []string{seen[0].Body, seen[1].Body})
	assert.Equal(t, "2", seen[0].Attributes["ApproximateReceiveCount"])
}

func TestPollerOutcomes(t *testing.T) {
	tests := []struct {
		name        string
		report      bool
		handler     any
		wantDeleted int
		wantErr     string
	}{
		{"success deletes all", false, func(events.SQSEvent) error { return nil }, 3, ""},
		{"error keeps all", false, func(events.SQSEvent) error { return errors.New("boom") }, 0, "boom"},
		{"panic keeps all", true, func(events.SQSEvent) (events.SQSEventResponse, error) { panic("kaboom") }, 0, "panicked"},
		{"failures ignored without reporting", false, func(ev events.SQSEvent) (events.SQSEventResponse, error) {
			return events.SQSEventResponse{BatchItemFailures: []events.SQSBatchItemFailure{{ItemIdentifier: ev.Records[0].MessageId}}}, nil
		}, 3, ""},
		{"null response is success", true, func(events.SQSEvent) (*events.SQSEventResponse, error) { return nil, nil }, 3, ""},
		{"empty identifier fails the batch", true, func(events.SQSEvent) (events.SQSEventResponse, error) {
			return events.SQSEventResponse{BatchItemFailures: []events.SQSBatchItemFailure{{ItemIdentifier: ""}}}, nil
		}, 0, "not a message of the batch"},
		{"unknown identifier fails the batch", true, func(events.SQSEvent) (events.SQSEventResponse, error) {
			return events.SQSEventResponse{BatchItemFailures: []events.SQSBatchItemFailure{{ItemIdentifier: "someone-else"}}}, nil
		}, 0, "not a message of the batch"},
		{"unparsable response fails the batch", true, func(events.SQSEvent) (string, error) { return "done", nil }, 0, "not valid"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			q := e.createQueue(fmt.Sprint("out", i), nil)
			for j := range 3 {
				e.send(q, fmt.Sprint("m", j))
			}
			p := newPoller(t, e, q, tt.handler, tt.report, 10)
			res, err := p.PollOnce(context.Background())
			require.NoError(t, err)
			assert.Equal(t, 3, res.Received)
			assert.Equal(t, tt.wantDeleted, res.Deleted)
			if tt.wantErr == "" {
				assert.NoError(t, res.InvokeErr)
			} else {
				require.Error(t, res.InvokeErr)
				assert.Contains(t, res.InvokeErr.Error(), tt.wantErr)
			}
			assert.Equal(t, fmt.Sprint(3-tt.wantDeleted), e.counts(q)[1])
		})
	}
}

func TestPollerBatchSizeAndConfig(t *testing.T) {
	e := newEnv(t)
	q := e.createQueue("small", nil)
	for j := range 5 {
		e.send(q, fmt.Sprint("m", j))
	}
	var sizes []int
	p := newPoller(t, e, q, func(ev events.SQSEvent) error { sizes = append(sizes, len(ev.Records)); return nil }, false, 2)
	for range 3 {
		_, err := p.PollOnce(context.Background())
		require.NoError(t, err)
	}
	assert.Equal(t, []int{2, 2, 1}, sizes)

	for _, cfg := range []sqs.PollerConfig{
		{Client: e.c, QueueURL: q, Handler: func() {}, BatchSize: 11},
		{Client: e.c, QueueURL: q, Handler: func() {}, WaitTimeSeconds: aws.Int32(21)},
		{Client: e.c, Handler: func() {}},
	} {
		_, err := sqs.NewPoller(cfg)
		assert.Error(t, err)
	}
}

func TestPollerStopWaitsForInFlightBatch(t *testing.T) {
	e := newEnv(t)
	q := e.createQueue("slow", nil)
	e.send(q, "slow")
	entered, release := make(chan struct{}), make(chan struct{})
	var finished atomic.Bool
	p, err := sqs.NewPoller(sqs.PollerConfig{Client: e.c, QueueURL: q, WaitTimeSeconds: aws.Int32(1), Handler: func(ctx context.Context, ev events.SQSEvent) error {
		close(entered)
		<-release
		finished.Store(true)
		return ctx.Err()
	}})
	require.NoError(t, err)
	require.NoError(t, p.Start(context.Background()))
	require.Error(t, p.Start(context.Background()), "second start")
	select {
	case <-entered:
	case <-time.After(5 * time.Second):
		t.Fatal("handler not invoked")
	}
	stopped := make(chan struct{})
	go func() { p.Stop(); close(stopped) }()
	select {
	case <-stopped:
		t.Fatal("Stop returned while the batch was in flight")
	case <-time.After(50 * time.Millisecond):
	}
	close(release)
	select {
	case <-stopped:
	case <-time.After(5 * time.Second):
		t.Fatal("Stop did not return")
	}
	assert.True(t, finished.Load())
	// The batch finished with an uncancelled context, so it was deleted.
	assert.Equal(t, [3]string{"0", "0", "0"}, e.counts(q))
}
