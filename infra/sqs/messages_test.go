package sqs_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/infra/sqs"
	"github.com/hapihub/hapihub/infra/sqs/sqstest"
)

func TestVisibilityTimeoutAndReceiveCount(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	q := e.createQueue("vis", map[string]string{"VisibilityTimeout": "30"})
	id := e.send(q, "job")

	first := e.receive(q, 1)
	require.Len(t, first, 1)
	assert.Equal(t, [3]string{"0", "1", "0"}, e.counts(q))
	e.clock.Advance(29 * time.Second)
	assert.Empty(t, e.receive(q, 1), "still in flight")
	e.clock.Advance(time.Second)

	second := e.receive(q, 1)
	require.Len(t, second, 1)
	assert.Equal(t, id, *second[0].MessageId)
	assert.Equal(t, "2", second[0].Attributes["ApproximateReceiveCount"])
	assert.Equal(t, first[0].Attributes["ApproximateFirstReceiveTimestamp"], second[0].Attributes["ApproximateFirstReceiveTimestamp"])
	assert.NotEqual(t, *first[0].ReceiptHandle, *second[0].ReceiptHandle)

	// The earlier handle succeeds without deleting, as SQS documents.
	_, err := e.c.DeleteMessage(ctx, &awssqs.DeleteMessageInput{QueueUrl: aws.String(q), ReceiptHandle: first[0].ReceiptHandle})
	require.NoError(t, err)
	assert.Equal(t, [3]string{"0", "1", "0"}, e.counts(q))
	// ... and cannot change visibility.
	_, err = e.c.ChangeMessageVisibility(ctx, &awssqs.ChangeMessageVisibilityInput{QueueUrl: aws.String(q), ReceiptHandle: first[0].ReceiptHandle, VisibilityTimeout: 0})
	requireAPIError(t, err, "InvalidParameterValue", nil)

	// Extend, then expire on the new timeout; a per-receive timeout overrides the queue's.
	_, err = e.c.ChangeMessageVisibility(ctx, &awssqs.ChangeMessageVisibilityInput{QueueUrl: aws.String(q), ReceiptHandle: second[0].ReceiptHandle, VisibilityTimeout: 120})
	require.NoError(t, err)
	e.clock.Advance(119 * time.Second)
	assert.Empty(t, e.receive(q, 1))
	e.clock.Advance(time.Second)
	third, err := e.c.ReceiveMessage(ctx, &awssqs.ReceiveMessageInput{QueueUrl: aws.String(q), VisibilityTimeout: 5})
	require.NoError(t, err)
	require.Len(t, third.Messages, 1)
	e.clock.Advance(5 * time.Second)
	// Visible again: changing its visibility is MessageNotInflight.
	_, err = e.c.ChangeMessageVisibility(ctx, &awssqs.ChangeMessageVisibilityInput{QueueUrl: aws.String(q), ReceiptHandle: third.Messages[0].ReceiptHandle, VisibilityTimeout: 10})
	requireAPIError(t, err, "AWS.SimpleQueueService.MessageNotInflight", new(*types.MessageNotInflight))

	fourth := e.receive(q, 1)
	require.Len(t, fourth, 1)
	assert.Equal(t, "4", fourth[0].Attributes["ApproximateReceiveCount"])
	_, err = e.c.DeleteMessage(ctx, &awssqs.DeleteMessageInput{QueueUrl: aws.String(q), ReceiptHandle: fourth[0].ReceiptHandle})
	require.NoError(t, err)
	assert.Equal(t, [3]string{"0", "0", "0"}, e.counts(q))
	// Deleting an already deleted message is not an error.
	_, err = e.c.DeleteMessage(ctx, &awssqs.DeleteMessageInput{QueueUrl: aws.String(q), ReceiptHandle: fourth[0].ReceiptHandle})
	require.NoError(t, err)
}

func TestRedriveToDeadLetterQueue(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	dlq := e.createQueue("dead", nil)
	q := e.createQueue("work", map[string]string{
		"VisibilityTimeout": "10",
		"RedrivePolicy":     `{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:dead","maxReceiveCount":"2"}`,
	})
	assert.Equal(t, `{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:dead","maxReceiveCount":2}`, e.attrs(q)["RedrivePolicy"])
	poison := e.send(q, "poison")

	for i := 1; i <= 2; i++ {
		msgs := e.receive(q, 1)
		require.Len(t, msgs, 1, "receive %d", i)
		assert.Equal(t, fmt.Sprint(i), msgs[0].Attributes["ApproximateReceiveCount"])
		e.clock.Advance(10 * time.Second)
	}
	healthy := e.send(q, "healthy")
	// The third attempt moves the poison message and returns the next one.
	msgs := e.receive(q, 10)
	require.Len(t, msgs, 1)
	assert.Equal(t, healthy, *msgs[0].MessageId)

	dead := e.receive(dlq, 10)
	require.Len(t, dead, 1)
	assert.Equal(t, poison, *dead[0].MessageId)
	assert.Equal(t, "poison", *dead[0].Body)

	src, err := e.c.ListDeadLetterSourceQueues(ctx, &awssqs.ListDeadLetterSourceQueuesInput{QueueUrl: aws.String(dlq)})
	require.NoError(t, err)
	assert.Equal(t, []string{q}, src.QueueUrls)

	// Removing the policy stops redrive.
	_, err = e.c.SetQueueAttributes(ctx, &awssqs.SetQueueAttributesInput{QueueUrl: aws.String(q), Attributes: map[string]string{"RedrivePolicy": ""}})
	require.NoError(t, err)
	_, ok := e.attrs(q)["RedrivePolicy"]
	assert.False(t, ok)
}

func TestRedrivePolicyValidation(t *testing.T) {
	e := newEnv(t)
	e.createQueue("dead", nil)
	tests := []struct {
		name, policy string
	}{
		{"missing target", `{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:nope","maxReceiveCount":3}`},
		{"count too high", `{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:dead","maxReceiveCount":1001}`},
		{"not json", `{deadLetter`},
		{"self", `{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:self","maxReceiveCount":3}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.c.CreateQueue(context.Background(), &awssqs.CreateQueueInput{QueueName: aws.String("self"), Attributes: map[string]string{"RedrivePolicy": tt.policy}})
			requireAPIError(t, err, "InvalidParameterValue", nil)
		})
	}
}

func TestBatches(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	q := e.createQueue("batch", nil)
	out, err := e.c.SendMessageBatch(ctx, &awssqs.SendMessageBatchInput{QueueUrl: aws.String(q), Entries: []types.SendMessageBatchRequestEntry{
		{Id: aws.String("a"), MessageBody: aws.String("one")},
		{Id: aws.String("b"), MessageBody: aws.String("bad\x01char")},
		{Id: aws.String("c"), MessageBody: aws.String("three"), DelaySeconds: 60},
		{Id: aws.String("d"), MessageBody: aws.String("four"), DelaySeconds: 901},
	}})
	require.NoError(t, err)
	require.Len(t, out.Successful, 2)
	assert.Equal(t, "a", *out.Successful[0].Id)
	assert.Equal(t, "c", *out.Successful[1].Id)
	require.Len(t, out.Failed, 2)
	assert.Equal(t, "b", *out.Failed[0].Id)
	assert.Equal(t, "InvalidMessageContents", *out.Failed[0].Code)
	assert.True(t, out.Failed[0].SenderFault)
	assert.Equal(t, "d", *out.Failed[1].Id)
	assert.Equal(t, "InvalidParameterValue", *out.Failed[1].Code)
	assert.Equal(t, [3]string{"1", "0", "1"}, e.counts(q))

	e.clock.Advance(time.Minute)
	msgs := e.receive(q, 10)
	require.Len(t, msgs, 2)
	del, err := e.c.DeleteMessageBatch(ctx, &awssqs.DeleteMessageBatchInput{QueueUrl: aws.String(q), Entries: []types.DeleteMessageBatchRequestEntry{
		{Id: aws.String("x"), ReceiptHandle: msgs[0].ReceiptHandle},
		{Id: aws.String("y"), ReceiptHandle: aws.String("garbage")},
	}})
	require.NoError(t, err)
	require.Len(t, del.Successful, 1)
	assert.Equal(t, "x", *del.Successful[0].Id)
	require.Len(t, del.Failed, 1)
	assert.Equal(t, "ReceiptHandleIsInvalid", *del.Failed[0].Code)

	vis, err := e.c.ChangeMessageVisibilityBatch(ctx, &awssqs.ChangeMessageVisibilityBatchInput{QueueUrl: aws.String(q), Entries: []types.ChangeMessageVisibilityBatchRequestEntry{
		{Id: aws.String("v"), ReceiptHandle: msgs[1].ReceiptHandle, VisibilityTimeout: 0},
		{Id: aws.String("w"), ReceiptHandle: msgs[0].ReceiptHandle, VisibilityTimeout: 0},
	}})
	require.NoError(t, err)
	require.Len(t, vis.Successful, 1)
	assert.Equal(t, "v", *vis.Successful[0].Id)
	require.Len(t, vis.Failed, 1)
	assert.Equal(t, "w", *vis.Failed[0].Id, "deleted message")
	assert.Len(t, e.receive(q, 10), 1)

	entries := func(n int, id func(int) string) []types.SendMessageBatchRequestEntry {
		var es []types.SendMessageBatchRequestEntry
		for i := range n {
			es = append(es, types.SendMessageBatchRequestEntry{Id: aws.String(id(i)), MessageBody: aws.String("m")})
		}
		return es
	}
	errs := []struct {
		name    string
		entries []types.SendMessageBatchRequestEntry
		code    string
		target  any
	}{
		{"too many", entries(11, func(i int) string { return fmt.Sprint("e", i) }), "AWS.SimpleQueueService.TooManyEntriesInBatchRequest", new(*types.TooManyEntriesInBatchRequest)},
		{"repeated id", entries(2, func(int) string { return "same" }), "AWS.SimpleQueueService.BatchEntryIdsNotDistinct", new(*types.BatchEntryIdsNotDistinct)},
		{"bad id", entries(1, func(int) string { return "no spaces" }), "AWS.SimpleQueueService.InvalidBatchEntryId", new(*types.InvalidBatchEntryId)},
	}
	for _, tt := range errs {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.c.SendMessageBatch(ctx, &awssqs.SendMessageBatchInput{QueueUrl: aws.String(q), Entries: tt.entries})
			requireAPIError(t, err, tt.code, tt.target)
		})
	}
}

func TestLongPolling(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	q := e.createQueue("lp", map[string]string{"ReceiveMessageWaitTimeSeconds": "1"})

	t.Run("queue default wait times out empty", func(t *testing.T) {
		start := time.Now()
		out, err := e.c.ReceiveMessage(ctx, &awssqs.ReceiveMessageInput{QueueUrl: aws.String(q)})
		require.NoError(t, err)
		assert.Empty(t, out.Messages)
		assert.GreaterOrEqual(t, time.Since(start), 900*time.Millisecond)
	})

	t.Run("returns early when a message arrives", func(t *testing.T) {
		var wg sync.WaitGroup
		wg.Add(1)
		var got []types.Message
		var elapsed time.Duration
		go func() {
			defer wg.Done()
			start := time.Now()
			out, err := e.c.ReceiveMessage(ctx, &awssqs.ReceiveMessageInput{QueueUrl: aws.String(q), WaitTimeSeconds: 10})
			elapsed = time.Since(start)
			if assert.NoError(t, err) {
				got = out.Messages
			}
		}()
		time.Sleep(100 * time.Millisecond)
		id := e.send(q, "wake")
		wg.Wait()
		require.Len(t, got, 1)
		assert.Equal(t, id, *got[0].MessageId)
		assert.Less(t, elapsed, 5*time.Second)
		_, err := e.c.DeleteMessage(ctx, &awssqs.DeleteMessageInput{QueueUrl: aws.String(q), ReceiptHandle: got[0].ReceiptHandle})
		require.NoError(t, err)
	})

	t.Run("returns when the clock makes a delayed message visible", func(t *testing.T) {
		_, err := e.c.SendMessage(ctx, &awssqs.SendMessageInput{QueueUrl: aws.String(q), MessageBody: aws.String("later"), DelaySeconds: 30})
		require.NoError(t, err)
		done := make(chan []types.Message, 1)
		go func() {
			out, err := e.c.ReceiveMessage(ctx, &awssqs.ReceiveMessageInput{QueueUrl: aws.String(q), WaitTimeSeconds: 10})
			assert.NoError(t, err)
			done <- out.Messages
		}()
		time.Sleep(50 * time.Millisecond)
		e.clock.Advance(30 * time.Second)
		select {
		case msgs := <-done:
			require.Len(t, msgs, 1)
			assert.Equal(t, "later", *msgs[0].Body)
		case <-time.After(5 * time.Second):
			t.Fatal("long poll did not return")
		}
	})
}

func TestPersistenceAcrossRestart(t *testing.T) {
	clock := sqstest.NewClock(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	dir := t.TempDir()
	ctx := context.Background()
	opts := sqs.Options{Now: clock.Now}

	srv, err := sqs.Open(dir, opts)
	require.NoError(t, err)
	ep, err := srv.Listen()
	require.NoError(t, err)
	c := sqstest.Client(ep)
	_, err = c.CreateQueue(ctx, &awssqs.CreateQueueInput{QueueName: aws.String("dead")})
	require.NoError(t, err)
	cq, err := c.CreateQueue(ctx, &awssqs.CreateQueueInput{QueueName: aws.String("keep"), Attributes: map[string]string{
		"VisibilityTimeout": "60", "RedrivePolicy": `{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:dead","maxReceiveCount":5}`,
	}})
	require.NoError(t, err)
	var ids []string
	for i := range 3 {
		out, err := c.SendMessage(ctx, &awssqs.SendMessageInput{QueueUrl: cq.QueueUrl, MessageBody: aws.String(fmt.Sprint("m", i)),
			MessageAttributes: map[string]types.MessageAttributeValue{"i": {DataType: aws.String("Number"), StringValue: aws.String(fmt.Sprint(i))}}})
		require.NoError(t, err)
		ids = append(ids, *out.MessageId)
	}
	inflight, err := c.ReceiveMessage(ctx, &awssqs.ReceiveMessageInput{QueueUrl: cq.QueueUrl})
	require.NoError(t, err)
	require.Len(t, inflight.Messages, 1)
	require.NoError(t, srv.Close())

	srv2, ep2 := sqstest.Start(t, dir, opts)
	_ = srv2
	c2 := sqstest.Client(ep2)
	url := strings.Replace(*cq.QueueUrl, ep, ep2, 1)
	attrs, err := c2.GetQueueAttributes(ctx, &awssqs.GetQueueAttributesInput{QueueUrl: aws.String(url), AttributeNames: []types.QueueAttributeName{"All"}})
	require.NoError(t, err)
	assert.Equal(t, "60", attrs.Attributes["VisibilityTimeout"])
	assert.Contains(t, attrs.Attributes["RedrivePolicy"], `"maxReceiveCount":5`)
	assert.Equal(t, "2", attrs.Attributes["ApproximateNumberOfMessages"])
	assert.Equal(t, "1", attrs.Attributes["ApproximateNumberOfMessagesNotVisible"])

	// The old receipt handle still deletes the in-flight message.
	_, err = c2.DeleteMessage(ctx, &awssqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: inflight.Messages[0].ReceiptHandle})
	require.NoError(t, err)
	out, err := c2.ReceiveMessage(ctx, &awssqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 10, MessageAttributeNames: []string{"All"}})
	require.NoError(t, err)
	require.Len(t, out.Messages, 2)
	assert.Equal(t, []string{ids[1], ids[2]}, []string{*out.Messages[0].MessageId, *out.Messages[1].MessageId})
	assert.Equal(t, "2", *out.Messages[1].MessageAttributes["i"].StringValue)

	// Sequence numbers continue after the restart, keeping order.
	_, err = c2.SendMessage(ctx, &awssqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String("after")})
	require.NoError(t, err)
	clock.Advance(time.Minute)
	again, err := c2.ReceiveMessage(ctx, &awssqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 10})
	require.NoError(t, err)
	require.Len(t, again.Messages, 3)
	assert.Equal(t, "after", *again.Messages[2].Body)
}

func TestPurgeAndRetention(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	q := e.createQueue("p", map[string]string{"MessageRetentionPeriod": "60"})
	e.send(q, "a")
	e.send(q, "b")
	_, err := e.c.PurgeQueue(ctx, &awssqs.PurgeQueueInput{QueueUrl: aws.String(q)})
	require.NoError(t, err)
	assert.Equal(t, [3]string{"0", "0", "0"}, e.counts(q))
	_, err = e.c.PurgeQueue(ctx, &awssqs.PurgeQueueInput{QueueUrl: aws.String(q)})
	requireAPIError(t, err, "AWS.SimpleQueueService.PurgeQueueInProgress", new(*types.PurgeQueueInProgress))

	e.send(q, "old")
	e.clock.Advance(30 * time.Second)
	e.send(q, "young")
	e.clock.Advance(31 * time.Second)
	msgs := e.receive(q, 10)
	require.Len(t, msgs, 1)
	assert.Equal(t, "young", *msgs[0].Body)
}

func TestErrors(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	q := e.createQueue("errs", nil)
	missing := e.ep + "/000000000000/missing"
	huge := strings.Repeat("x", 262145)
	tenAttrs := map[string]types.MessageAttributeValue{}
	for i := range 11 {
		tenAttrs[fmt.Sprint("a", i)] = types.MessageAttributeValue{DataType: aws.String("String"), StringValue: aws.String("v")}
	}
	tests := []struct {
		name   string
		call   func() error
		code   string
		target any
	}{
		{"send to missing queue", func() error {
			_, err := e.c.SendMessage(ctx, &awssqs.SendMessageInput{QueueUrl: aws.String(missing), MessageBody: aws.String("x")})
			return err
		}, "AWS.SimpleQueueService.NonExistentQueue", new(*types.QueueDoesNotExist)},
		{"receive from missing queue", func() error {
			_, err := e.c.ReceiveMessage(ctx, &awssqs.ReceiveMessageInput{QueueUrl: aws.String(missing)})
			return err
		}, "AWS.SimpleQueueService.NonExistentQueue", new(*types.QueueDoesNotExist)},
		{"attributes of missing queue", func() error {
			_, err := e.c.GetQueueAttributes(ctx, &awssqs.GetQueueAttributesInput{QueueUrl: aws.String(missing)})
			return err
		}, "AWS.SimpleQueueService.NonExistentQueue", new(*types.QueueDoesNotExist)},
		{"too many messages", func() error {
			_, err := e.c.ReceiveMessage(ctx, &awssqs.ReceiveMessageInput{QueueUrl: aws.String(q), MaxNumberOfMessages: 11})
			return err
		}, "InvalidParameterValue", nil},
		{"wait too long", func() error {
			_, err := e.c.ReceiveMessage(ctx, &awssqs.ReceiveMessageInput{QueueUrl: aws.String(q), WaitTimeSeconds: 21})
			return err
		}, "InvalidParameterValue", nil},
		{"delay too long", func() error {
			_, err := e.c.SendMessage(ctx, &awssqs.SendMessageInput{QueueUrl: aws.String(q), MessageBody: aws.String("x"), DelaySeconds: 901})
			return err
		}, "InvalidParameterValue", nil},
		{"empty body", func() error {
			_, err := e.c.SendMessage(ctx, &awssqs.SendMessageInput{QueueUrl: aws.String(q), MessageBody: aws.String("")})
			return err
		}, "MissingParameter", nil},
		{"body too large", func() error {
			_, err := e.c.SendMessage(ctx, &awssqs.SendMessageInput{QueueUrl: aws.String(q), MessageBody: aws.String(huge)})
			return err
		}, "InvalidParameterValue", nil},
		{"invalid characters", func() error {
			_, err := e.c.SendMessage(ctx, &awssqs.SendMessageInput{QueueUrl: aws.String(q), MessageBody: aws.String("\uFFFF")})
			return err
		}, "InvalidMessageContents", new(*types.InvalidMessageContents)},
		{"too many attributes", func() error {
			_, err := e.c.SendMessage(ctx, &awssqs.SendMessageInput{QueueUrl: aws.String(q), MessageBody: aws.String("x"), MessageAttributes: tenAttrs})
			return err
		}, "InvalidParameterValue", nil},
		{"bad attribute type", func() error {
			_, err := e.c.SendMessage(ctx, &awssqs.SendMessageInput{QueueUrl: aws.String(q), MessageBody: aws.String("x"),
				MessageAttributes: map[string]types.MessageAttributeValue{"a": {DataType: aws.String("Text"), StringValue: aws.String("v")}}})
			return err
		}, "InvalidParameterValue", nil},
		{"number attribute not a number", func() error {
			_, err := e.c.SendMessage(ctx, &awssqs.SendMessageInput{QueueUrl: aws.String(q), MessageBody: aws.String("x"),
				MessageAttributes: map[string]types.MessageAttributeValue{"a": {DataType: aws.String("Number"), StringValue: aws.String("ten")}}})
			return err
		}, "InvalidParameterValue", nil},
		{"unknown queue attribute", func() error {
			_, err := e.c.SetQueueAttributes(ctx, &awssqs.SetQueueAttributesInput{QueueUrl: aws.String(q), Attributes: map[string]string{"Colour": "blue"}})
			return err
		}, "InvalidAttributeName", new(*types.InvalidAttributeName)},
		{"queue attribute out of range", func() error {
			_, err := e.c.SetQueueAttributes(ctx, &awssqs.SetQueueAttributesInput{QueueUrl: aws.String(q), Attributes: map[string]string{"VisibilityTimeout": "43201"}})
			return err
		}, "InvalidAttributeValue", new(*types.InvalidAttributeValue)},
		{"bad queue name", func() error {
			_, err := e.c.CreateQueue(ctx, &awssqs.CreateQueueInput{QueueName: aws.String("has space")})
			return err
		}, "InvalidParameterValue", nil},
		{"invalid receipt handle", func() error {
			_, err := e.c.DeleteMessage(ctx, &awssqs.DeleteMessageInput{QueueUrl: aws.String(q), ReceiptHandle: aws.String("not-a-handle!")})
			return err
		}, "ReceiptHandleIsInvalid", new(*types.ReceiptHandleIsInvalid)},
		{"empty delete batch", func() error {
			_, err := e.c.DeleteMessageBatch(ctx, &awssqs.DeleteMessageBatchInput{QueueUrl: aws.String(q), Entries: []types.DeleteMessageBatchRequestEntry{}})
			return err
		}, "AWS.SimpleQueueService.EmptyBatchRequest", new(*types.EmptyBatchRequest)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			requireAPIError(t, tt.call(), tt.code, tt.target)
		})
	}
}
