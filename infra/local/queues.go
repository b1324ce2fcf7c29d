package local

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/hapihub/hapihub/infra/template"
)

// EnsureQueues creates the template's queues (dead-letter queues first) in a running SQS-compatible
// service, or updates their attributes to the template's, and returns what !Ref and !GetAtt of
// each resolve to there: the queue URL, .Arn and .QueueName. Functions' environment (a queue URL
// from !Ref) then points at the local queues rather than at AWS.
func EnsureQueues(ctx context.Context, client *sqs.Client, tpl *template.Template) (template.Refs, error) {
	refs := template.Refs{}
	done := map[string]bool{}
	// Each pass creates the queues whose dead-letter queue exists; the template check rules out
	// references to missing queues, so only a redrive cycle can stall.
	for len(done) < len(tpl.Queues) {
		progress := false
		for _, q := range tpl.Queues {
			if done[q.LogicalID] || (q.DeadLetterQueue != "" && !done[q.DeadLetterQueue]) {
				continue
			}
			if err := ensureQueue(ctx, client, q, refs); err != nil {
				return nil, err
			}
			done[q.LogicalID] = true
			progress = true
		}
		if !progress {
			return nil, fmt.Errorf("local: the template's queues redrive to each other in a cycle")
		}
	}
	return refs, nil
}

func ensureQueue(ctx context.Context, client *sqs.Client, q *template.Queue, refs template.Refs) error {
	name := q.QueueName
	if name == "" {
		name = q.LogicalID
		if q.FIFO {
			name += ".fifo"
		}
	}
	attrs := map[string]string{
		"DelaySeconds":                  strconv.Itoa(q.DelaySeconds),
		"VisibilityTimeout":             strconv.Itoa(q.VisibilityTimeout),
		"MessageRetentionPeriod":        strconv.Itoa(q.MessageRetentionPeriod),
		"ReceiveMessageWaitTimeSeconds": strconv.Itoa(q.ReceiveMessageWait),
	}
	if q.DeadLetterQueue != "" {
		rp, err := json.Marshal(map[string]any{"deadLetterTargetArn": refs[q.DeadLetterQueue+".Arn"], "maxReceiveCount": q.MaxReceiveCount})
		if err != nil {
			return err
		}
		attrs["RedrivePolicy"] = string(rp)
	}
	create := map[string]string{}
	for k, v := range attrs {
		create[k] = v
	}
	if q.FIFO {
		create["FifoQueue"] = "true"
	}
	out, err := client.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name), Attributes: create})
	var url string
	if err != nil {
		// An existing queue with other attributes (the template changed): find it and update it.
		got, gerr := client.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(name)})
		if gerr != nil {
			return fmt.Errorf("local: create queue %s: %w", name, err)
		}
		url = aws.ToString(got.QueueUrl)
		if _, err := client.SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{QueueUrl: aws.String(url), Attributes: attrs}); err != nil {
			return fmt.Errorf("local: update queue %s: %w", name, err)
		}
	} else {
		url = aws.ToString(out.QueueUrl)
	}
	ga, err := client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(url), AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn}})
	if err != nil {
		return fmt.Errorf("local: queue %s: %w", name, err)
	}
	refs[q.LogicalID] = url
	refs[q.LogicalID+".Arn"] = ga.Attributes[string(sqstypes.QueueAttributeNameQueueArn)]
	refs[q.LogicalID+".QueueName"] = name
	return nil
}
