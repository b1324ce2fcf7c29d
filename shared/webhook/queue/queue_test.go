package queue_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/infra/sqs/sqstest"
	"github.com/hapihub/hapihub/shared/store/core"
	"github.com/hapihub/hapihub/shared/webhook/queue"
)

// countingQueue is the SQS client, counting its send calls.
type countingQueue struct {
	*awssqs.Client
	single, batches atomic.Int64
}

func (c *countingQueue) SendMessage(ctx context.Context, in *awssqs.SendMessageInput, opts ...func(*awssqs.Options)) (*awssqs.SendMessageOutput, error) {
	c.single.Add(1)
	return c.Client.SendMessage(ctx, in, opts...)
}

func (c *countingQueue) SendMessageBatch(ctx context.Context, in *awssqs.SendMessageBatchInput, opts ...func(*awssqs.Options)) (*awssqs.SendMessageBatchOutput, error) {
	c.batches.Add(1)
	return c.Client.SendMessageBatch(ctx, in, opts...)
}

// Several entries go in SendMessageBatch calls of at most 10 (SQS's limit), one entry in a
// SendMessage; every entry arrives once as its event message, on the embedded SQS.
func TestPublishBatchesEntries(t *testing.T) {
	ctx := context.Background()
	c, _ := sqstest.New(t)
	q, err := c.CreateQueue(ctx, &awssqs.CreateQueueInput{QueueName: aws.String("webhooks")})
	require.NoError(t, err)
	cq := &countingQueue{Client: c}
	p := queue.Publisher{Queue: cq, URL: *q.QueueUrl}
	var entries []core.OutboxEntry
	for i := range 23 {
		entries = append(entries, core.OutboxEntry{Account: "acct_1", Mode: "test", EventID: fmt.Sprintf("evt_%02d", i), Type: "patient.created"})
	}
	require.NoError(t, p.Publish(ctx, entries))
	assert.Equal(t, int64(3), cq.batches.Load(), "23 entries: 10 + 10 + 3")
	assert.Equal(t, int64(0), cq.single.Load())
	require.NoError(t, p.Publish(ctx, []core.OutboxEntry{{Account: "acct_1", Mode: "test", EventID: "evt_99", Type: "patient.updated"}}))
	assert.Equal(t, int64(1), cq.single.Load())

	got := map[string]queue.Message{}
	for len(got) < 24 {
		out, err := c.ReceiveMessage(ctx, &awssqs.ReceiveMessageInput{QueueUrl: q.QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1})
		require.NoError(t, err)
		require.NotEmpty(t, out.Messages, "every entry is enqueued (have %d)", len(got))
		for _, m := range out.Messages {
			var msg queue.Message
			require.NoError(t, json.Unmarshal([]byte(*m.Body), &msg))
			_, dup := got[msg.EventID]
			require.False(t, dup, msg.EventID)
			got[msg.EventID] = msg
		}
	}
	assert.Equal(t, queue.Message{Kind: queue.KindEvent, Account: "acct_1", Mode: "test", EventID: "evt_07", EventType: "patient.created"}, got["evt_07"])
	assert.Equal(t, "patient.updated", got["evt_99"].EventType)

	// A queue that is not there fails the publish (the outbox entries stay for the sweeper).
	bad := queue.Publisher{Queue: cq, URL: *q.QueueUrl + "-missing"}
	assert.Error(t, bad.Publish(ctx, entries[:2]))
}
