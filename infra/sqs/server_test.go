package sqs_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/infra/sqs"
	"github.com/hapihub/hapihub/infra/sqs/sqstest"
)

type env struct {
	t     *testing.T
	clock *sqstest.Clock
	srv   *sqs.Server
	c     *awssqs.Client
	ep    string
	dir   string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	clock := sqstest.NewClock(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	dir := t.TempDir()
	srv, ep := sqstest.Start(t, dir, sqs.Options{Now: clock.Now, NoSync: true, PollInterval: 10 * time.Millisecond})
	return &env{t: t, clock: clock, srv: srv, c: sqstest.Client(ep), ep: ep, dir: dir}
}

func (e *env) createQueue(name string, attrs map[string]string) string {
	e.t.Helper()
	out, err := e.c.CreateQueue(context.Background(), &awssqs.CreateQueueInput{QueueName: aws.String(name), Attributes: attrs})
	require.NoError(e.t, err)
	return *out.QueueUrl
}

func (e *env) send(q, body string) string {
	e.t.Helper()
	out, err := e.c.SendMessage(context.Background(), &awssqs.SendMessageInput{QueueUrl: aws.String(q), MessageBody: aws.String(body)})
	require.NoError(e.t, err)
	return *out.MessageId
}

func (e *env) receive(q string, n int32) []types.Message {
	e.t.Helper()
	out, err := e.c.ReceiveMessage(context.Background(), &awssqs.ReceiveMessageInput{
		QueueUrl: aws.String(q), MaxNumberOfMessages: n,
		MessageSystemAttributeNames: []types.MessageSystemAttributeName{"All"},
		MessageAttributeNames:       []string{"All"},
	})
	require.NoError(e.t, err)
	return out.Messages
}

func (e *env) attrs(q string) map[string]string {
	e.t.Helper()
	out, err := e.c.GetQueueAttributes(context.Background(), &awssqs.GetQueueAttributesInput{QueueUrl: aws.String(q), AttributeNames: []types.QueueAttributeName{"All"}})
	require.NoError(e.t, err)
	return out.Attributes
}

// counts is visible, in flight, delayed.
func (e *env) counts(q string) [3]string {
	a := e.attrs(q)
	return [3]string{a["ApproximateNumberOfMessages"], a["ApproximateNumberOfMessagesNotVisible"], a["ApproximateNumberOfMessagesDelayed"]}
}

// requireAPIError checks the SDK-visible error code and the typed error.
func requireAPIError(t *testing.T, err error, code string, target any) {
	t.Helper()
	require.Error(t, err)
	var ae smithy.APIError
	require.True(t, errors.As(err, &ae), "not an API error: %v", err)
	assert.Equal(t, code, ae.ErrorCode(), ae.ErrorMessage())
	if target != nil {
		assert.True(t, errors.As(err, target), "error %T is not %T", errors.Unwrap(err), target)
	}
}

func TestQueueLifecycle(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	url := e.createQueue("orders", map[string]string{"VisibilityTimeout": "45", "DelaySeconds": "5"})
	assert.Equal(t, e.ep+"/000000000000/orders", url)

	// Same attributes: the same URL. Different: QueueAlreadyExists.
	assert.Equal(t, url, e.createQueue("orders", map[string]string{"VisibilityTimeout": "45"}))
	_, err := e.c.CreateQueue(ctx, &awssqs.CreateQueueInput{QueueName: aws.String("orders"), Attributes: map[string]string{"VisibilityTimeout": "46"}})
	requireAPIError(t, err, "QueueAlreadyExists", new(*types.QueueNameExists))

	got, err := e.c.GetQueueUrl(ctx, &awssqs.GetQueueUrlInput{QueueName: aws.String("orders")})
	require.NoError(t, err)
	assert.Equal(t, url, *got.QueueUrl)

	a := e.attrs(url)
	assert.Equal(t, "45", a["VisibilityTimeout"])
	assert.Equal(t, "5", a["DelaySeconds"])
	assert.Equal(t, "345600", a["MessageRetentionPeriod"])
	assert.Equal(t, "0", a["ReceiveMessageWaitTimeSeconds"])
	assert.Equal(t, "arn:aws:sqs:us-east-1:000000000000:orders", a["QueueArn"])
	assert.Equal(t, fmt.Sprint(e.clock.Now().Unix()), a["CreatedTimestamp"])

	only, err := e.c.GetQueueAttributes(ctx, &awssqs.GetQueueAttributesInput{QueueUrl: aws.String(url), AttributeNames: []types.QueueAttributeName{"QueueArn"}})
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"QueueArn": "arn:aws:sqs:us-east-1:000000000000:orders"}, only.Attributes)

	e.clock.Advance(time.Minute)
	_, err = e.c.SetQueueAttributes(ctx, &awssqs.SetQueueAttributesInput{QueueUrl: aws.String(url), Attributes: map[string]string{"VisibilityTimeout": "10"}})
	require.NoError(t, err)
	a = e.attrs(url)
	assert.Equal(t, "10", a["VisibilityTimeout"])
	assert.Equal(t, fmt.Sprint(e.clock.Now().Unix()), a["LastModifiedTimestamp"])

	e.createQueue("orders-dlq", nil)
	e.createQueue("users", nil)
	list, err := e.c.ListQueues(ctx, &awssqs.ListQueuesInput{QueueNamePrefix: aws.String("orders")})
	require.NoError(t, err)
	assert.Equal(t, []string{url, e.ep + "/000000000000/orders-dlq"}, list.QueueUrls)
	page, err := e.c.ListQueues(ctx, &awssqs.ListQueuesInput{MaxResults: aws.Int32(2)})
	require.NoError(t, err)
	require.Len(t, page.QueueUrls, 2)
	require.NotNil(t, page.NextToken)
	page2, err := e.c.ListQueues(ctx, &awssqs.ListQueuesInput{MaxResults: aws.Int32(2), NextToken: page.NextToken})
	require.NoError(t, err)
	assert.Equal(t, []string{e.ep + "/000000000000/users"}, page2.QueueUrls)
	assert.Nil(t, page2.NextToken)

	_, err = e.c.TagQueue(ctx, &awssqs.TagQueueInput{QueueUrl: aws.String(url), Tags: map[string]string{"team": "billing", "env": "dev"}})
	require.NoError(t, err)
	_, err = e.c.UntagQueue(ctx, &awssqs.UntagQueueInput{QueueUrl: aws.String(url), TagKeys: []string{"env"}})
	require.NoError(t, err)
	tags, err := e.c.ListQueueTags(ctx, &awssqs.ListQueueTagsInput{QueueUrl: aws.String(url)})
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"team": "billing"}, tags.Tags)

	_, err = e.c.DeleteQueue(ctx, &awssqs.DeleteQueueInput{QueueUrl: aws.String(url)})
	require.NoError(t, err)
	_, err = e.c.GetQueueUrl(ctx, &awssqs.GetQueueUrlInput{QueueName: aws.String("orders")})
	requireAPIError(t, err, "AWS.SimpleQueueService.NonExistentQueue", new(*types.QueueDoesNotExist))
	_, err = e.c.CreateQueue(ctx, &awssqs.CreateQueueInput{QueueName: aws.String("orders")})
	requireAPIError(t, err, "AWS.SimpleQueueService.QueueDeletedRecently", new(*types.QueueDeletedRecently))
	e.clock.Advance(61 * time.Second)
	e.createQueue("orders", nil)
}

func TestSendReceiveDelete(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	q := e.createQueue("q", nil)
	sent, err := e.c.SendMessage(ctx, &awssqs.SendMessageInput{
		QueueUrl: aws.String(q), MessageBody: aws.String(`{"hello":"wörld"}`),
		MessageAttributes: map[string]types.MessageAttributeValue{
			"kind":  {DataType: aws.String("String"), StringValue: aws.String("webhook")},
			"n":     {DataType: aws.String("Number"), StringValue: aws.String("42")},
			"blob":  {DataType: aws.String("Binary"), BinaryValue: []byte{0, 1, 2}},
			"b.sub": {DataType: aws.String("String.custom"), StringValue: aws.String("x")},
		},
	})
	require.NoError(t, err)
	sum := md5.Sum([]byte(`{"hello":"wörld"}`))
	assert.Equal(t, hex.EncodeToString(sum[:]), *sent.MD5OfMessageBody)
	assert.Equal(t, referenceAttrMD5(map[string][3]string{
		"kind": {"String", "s", "webhook"}, "n": {"Number", "s", "42"}, "blob": {"Binary", "b", "\x00\x01\x02"}, "b.sub": {"String.custom", "s", "x"},
	}), *sent.MD5OfMessageAttributes)

	e.clock.Advance(1500 * time.Millisecond)
	msgs := e.receive(q, 10)
	require.Len(t, msgs, 1)
	m := msgs[0]
	assert.Equal(t, *sent.MessageId, *m.MessageId)
	assert.Equal(t, `{"hello":"wörld"}`, *m.Body)
	assert.Equal(t, *sent.MD5OfMessageAttributes, *m.MD5OfMessageAttributes)
	assert.Equal(t, "1", m.Attributes["ApproximateReceiveCount"])
	assert.Equal(t, fmt.Sprint(e.clock.Now().Add(-1500*time.Millisecond).UnixMilli()), m.Attributes["SentTimestamp"])
	assert.Equal(t, fmt.Sprint(e.clock.Now().UnixMilli()), m.Attributes["ApproximateFirstReceiveTimestamp"])
	assert.Equal(t, "webhook", *m.MessageAttributes["kind"].StringValue)
	assert.Equal(t, []byte{0, 1, 2}, m.MessageAttributes["blob"].BinaryValue)
	assert.Len(t, m.MessageAttributes, 4)

	// Attribute name filters: exact names and prefixes.
	_, err = e.c.ChangeMessageVisibility(ctx, &awssqs.ChangeMessageVisibilityInput{QueueUrl: aws.String(q), ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 0})
	require.NoError(t, err)
	filtered, err := e.c.ReceiveMessage(ctx, &awssqs.ReceiveMessageInput{QueueUrl: aws.String(q), MessageAttributeNames: []string{"n", "b.*"}})
	require.NoError(t, err)
	require.Len(t, filtered.Messages, 1)
	names := make([]string, 0)
	for k := range filtered.Messages[0].MessageAttributes {
		names = append(names, k)
	}
	sort.Strings(names)
	assert.Equal(t, []string{"b.sub", "n"}, names)
	assert.Empty(t, filtered.Messages[0].Attributes)
	// MD5OfMessageAttributes is of the attributes returned, which the SDKs check it against
	// (aws-sdk-java-v2's MessageMD5ChecksumInterceptor; test/node/aws-sqs.test.mjs), and absent
	// when none are.
	assert.Equal(t, referenceAttrMD5(map[string][3]string{"n": {"Number", "s", "42"}, "b.sub": {"String.custom", "s", "x"}}),
		aws.ToString(filtered.Messages[0].MD5OfMessageAttributes))
	_, err = e.c.ChangeMessageVisibility(ctx, &awssqs.ChangeMessageVisibilityInput{QueueUrl: aws.String(q), ReceiptHandle: filtered.Messages[0].ReceiptHandle, VisibilityTimeout: 0})
	require.NoError(t, err)
	filtered, err = e.c.ReceiveMessage(ctx, &awssqs.ReceiveMessageInput{QueueUrl: aws.String(q)})
	require.NoError(t, err)
	require.Len(t, filtered.Messages, 1)
	assert.Empty(t, filtered.Messages[0].MessageAttributes)
	assert.Nil(t, filtered.Messages[0].MD5OfMessageAttributes, "no attributes returned, no digest of them")

	_, err = e.c.DeleteMessage(ctx, &awssqs.DeleteMessageInput{QueueUrl: aws.String(q), ReceiptHandle: filtered.Messages[0].ReceiptHandle})
	require.NoError(t, err)
	assert.Equal(t, [3]string{"0", "0", "0"}, e.counts(q))
	e.clock.Advance(time.Hour)
	assert.Empty(t, e.receive(q, 10))
}

// referenceAttrMD5 spells out SQS's documented attribute digest independently
// of the server: name, type, transport byte, value, each length-prefixed.
func referenceAttrMD5(attrs map[string][3]string) string {
	names := make([]string, 0, len(attrs))
	for n := range attrs {
		names = append(names, n)
	}
	sort.Strings(names)
	var buf bytes.Buffer
	for _, n := range names {
		a := attrs[n]
		for i, part := range []string{n, a[0], "", a[2]} {
			if i == 2 {
				if a[1] == "b" {
					buf.WriteByte(2)
				} else {
					buf.WriteByte(1)
				}
				continue
			}
			_ = binary.Write(&buf, binary.BigEndian, int32(len(part)))
			buf.WriteString(part)
		}
	}
	sum := md5.Sum(buf.Bytes())
	return hex.EncodeToString(sum[:])
}

func TestDelay(t *testing.T) {
	tests := []struct {
		name       string
		queueDelay string
		msgDelay   *int32
		wantDelay  time.Duration
	}{
		{"message delay", "0", aws.Int32(10), 10 * time.Second},
		{"queue default delay", "20", nil, 20 * time.Second},
		{"message overrides queue", "20", aws.Int32(5), 5 * time.Second},
		{"no delay", "0", nil, 0},
		{"maximum delay", "0", aws.Int32(900), 900 * time.Second},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			q := e.createQueue(fmt.Sprintf("delay%d", i), map[string]string{"DelaySeconds": tt.queueDelay})
			_, err := e.c.SendMessage(context.Background(), &awssqs.SendMessageInput{QueueUrl: aws.String(q), MessageBody: aws.String("x"), DelaySeconds: aws.ToInt32(tt.msgDelay)})
			require.NoError(t, err)
			if tt.wantDelay == 0 {
				assert.Len(t, e.receive(q, 1), 1)
				return
			}
			assert.Empty(t, e.receive(q, 1))
			assert.Equal(t, [3]string{"0", "0", "1"}, e.counts(q))
			e.clock.Advance(tt.wantDelay - time.Millisecond)
			assert.Empty(t, e.receive(q, 1))
			e.clock.Advance(time.Millisecond)
			assert.Equal(t, [3]string{"1", "0", "0"}, e.counts(q))
			assert.Len(t, e.receive(q, 1), 1)
		})
	}
}
