package iam_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/infra/iam"
	"github.com/hapihub/hapihub/infra/sqs"
	"github.com/hapihub/hapihub/infra/sqs/sqstest"
	"github.com/hapihub/hapihub/infra/template"
)

// The embedded SQS judges each function's calls by its policies too: SQSSendMessagePolicy
// allows SendMessage (and SendMessageBatch, sqs:SendMessage*) on its queue and nothing else; a
// function without it is denied (AccessDenied, as SQS answers).
func TestQueueCallsJudgedByFunctionPolicies(t *testing.T) {
	tpl, err := template.Load(projectTemplate(t))
	require.NoError(t, err)
	srv, endpoint := sqstest.Start(t, t.TempDir(), sqs.Options{NoSync: true})
	ctx := context.Background()
	name := refs(tpl)["WebhookQueue.QueueName"]
	q, err := sqstest.Client(endpoint).CreateQueue(ctx, &awssqs.CreateQueueInput{QueueName: aws.String(name)})
	require.NoError(t, err)
	p, err := iam.New(tpl, refs(tpl))
	require.NoError(t, err)
	srv.SetAuthorizer(p)
	as := func(fn string) *awssqs.Client {
		f, ok := tpl.Function(fn)
		require.True(t, ok, fn)
		return awssqs.New(awssqs.Options{Region: "us-east-1", BaseEndpoint: aws.String(endpoint), RetryMaxAttempts: 1,
			Credentials: credentials.NewStaticCredentialsProvider(iam.AccessKeyID(f), "x", "")})
	}
	_, err = as("patients").SendMessage(ctx, &awssqs.SendMessageInput{QueueUrl: q.QueueUrl, MessageBody: aws.String("{}")})
	require.NoError(t, err)
	for _, c := range []struct {
		fn   string
		call func(*awssqs.Client) error
	}{
		{"events", func(c *awssqs.Client) error {
			_, err := c.SendMessage(ctx, &awssqs.SendMessageInput{QueueUrl: q.QueueUrl, MessageBody: aws.String("{}")})
			return err
		}},
		{"patients", func(c *awssqs.Client) error {
			_, err := c.ReceiveMessage(ctx, &awssqs.ReceiveMessageInput{QueueUrl: q.QueueUrl})
			return err
		}},
	} {
		err := c.call(as(c.fn))
		var ae smithy.APIError
		require.ErrorAs(t, err, &ae, c.fn)
		require.Contains(t, ae.ErrorCode(), "AccessDenied", "%s: %v", c.fn, err)
		require.Contains(t, ae.ErrorMessage(), "is not authorized to perform: sqs:")
	}
}
