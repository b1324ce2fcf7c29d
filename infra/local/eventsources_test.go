package local

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/infra/sqs/sqstest"
	"github.com/hapihub/hapihub/infra/template"
)

const sourcesTemplate = `
Resources:
  DispatchFunction:
    Type: AWS::Serverless::Function
    Properties:
      Timeout: 5
      Events:
        Queue:
          Type: SQS
          Properties:
            Queue: !GetAtt WorkQueue.Arn
            BatchSize: 5
            FunctionResponseTypes: [ReportBatchItemFailures]
  SweeperFunction:
    Type: AWS::Serverless::Function
    Properties:
      Events:
        Sweep:
          Type: ScheduleV2
          Properties:
            ScheduleExpression: rate(1 minute)
  WorkQueue:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: 30
      RedrivePolicy:
        deadLetterTargetArn: !GetAtt WorkDLQ.Arn
        maxReceiveCount: 2
  WorkDLQ:
    Type: AWS::SQS::Queue
`

type recordingInvoker struct {
	mu    sync.Mutex
	calls map[string][][]byte
	fail  bool
}

func (r *recordingInvoker) Invoke(_ context.Context, fn string, payload []byte) ([]byte, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls[fn] = append(r.calls[fn], payload)
	if fn == "dispatch" {
		var ev events.SQSEvent
		if err := json.Unmarshal(payload, &ev); err != nil {
			return nil, err
		}
		resp := events.SQSEventResponse{}
		if r.fail {
			for _, rec := range ev.Records {
				resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: rec.MessageId})
			}
		}
		return json.Marshal(resp)
	}
	return []byte("null"), nil
}

func (r *recordingInvoker) count(fn string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.calls[fn])
}

func TestEventSourcesPollAndSchedule(t *testing.T) {
	ctx := context.Background()
	tpl, err := template.Parse([]byte(sourcesTemplate))
	require.NoError(t, err)
	client, _ := sqstest.New(t)
	extra := template.Refs{}
	for _, q := range tpl.Queues {
		out, err := client.CreateQueue(ctx, &awssqs.CreateQueueInput{QueueName: aws.String(q.LogicalID)})
		require.NoError(t, err)
		attrs, err := client.GetQueueAttributes(ctx, &awssqs.GetQueueAttributesInput{QueueUrl: out.QueueUrl, AttributeNames: []sqstypes.QueueAttributeName{"QueueArn"}})
		require.NoError(t, err)
		extra[q.LogicalID], extra[q.LogicalID+".Arn"] = *out.QueueUrl, attrs.Attributes["QueueArn"]
	}
	refs := tpl.Refs("us-east-1", "000000000000", extra)
	inv := &recordingInvoker{calls: map[string][][]byte{}}
	now := time.Date(2026, 3, 1, 12, 0, 30, 0, time.UTC)
	es, err := StartEventSources(ctx, tpl, inv, client, refs, func() time.Time { return now }, nil)
	require.NoError(t, err)
	defer es.Stop()
	require.Len(t, es.Pollers, 1)

	_, err = client.SendMessage(ctx, &awssqs.SendMessageInput{QueueUrl: aws.String(refs["WorkQueue"]), MessageBody: aws.String(`{"kind":"event"}`)})
	require.NoError(t, err)
	require.Eventually(t, func() bool { return inv.count("dispatch") == 1 }, 5*time.Second, 10*time.Millisecond)
	var ev events.SQSEvent
	inv.mu.Lock()
	require.NoError(t, json.Unmarshal(inv.calls["dispatch"][0], &ev))
	inv.mu.Unlock()
	require.Len(t, ev.Records, 1)
	assert.Equal(t, `{"kind":"event"}`, ev.Records[0].Body)
	assert.Equal(t, refs["WorkQueue.Arn"], ev.Records[0].EventSourceARN)

	next, ok := es.Scheduler.Next("SweeperFunctionSweep")
	require.True(t, ok)
	assert.True(t, next.After(now) && !next.After(now.Add(time.Minute)), "rate(1 minute): next firing within a minute, got %s", next)
	require.NoError(t, es.Scheduler.Tick(next))
	assert.Equal(t, 1, inv.count("sweeper"))
	var sched map[string]any
	require.NoError(t, json.Unmarshal(inv.calls["sweeper"][0], &sched))
	assert.Equal(t, "Scheduled Event", sched["detail-type"])
}
