package sqs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/aws"
	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/google/uuid"
)

// PollerAPI is the part of the SQS client a Poller uses; *awssqs.Client has it.
type PollerAPI interface {
	ReceiveMessage(context.Context, *awssqs.ReceiveMessageInput, ...func(*awssqs.Options)) (*awssqs.ReceiveMessageOutput, error)
	DeleteMessageBatch(context.Context, *awssqs.DeleteMessageBatchInput, ...func(*awssqs.Options)) (*awssqs.DeleteMessageBatchOutput, error)
	GetQueueAttributes(context.Context, *awssqs.GetQueueAttributesInput, ...func(*awssqs.Options)) (*awssqs.GetQueueAttributesOutput, error)
}

// PollerConfig describes one SQS event source mapping.
type PollerConfig struct {
	Client   PollerAPI
	QueueURL string
	// Handler is any value lambda.NewHandler accepts: a func with one of the
	// Lambda handler signatures, or a lambda.Handler.
	Handler any
	// BatchSize is the most messages per invocation, 1 to 10; default 10.
	BatchSize int
	// ReportBatchItemFailures makes the handler's events.SQSEventResponse
	// decide which messages stay; otherwise a batch succeeds or fails whole.
	ReportBatchItemFailures bool
	// WaitTimeSeconds is the long-poll wait of each receive, 0 to 20;
	// default 20, as the event source mapping does.
	WaitTimeSeconds *int32
	// FunctionArn is reported to the handler in its lambdacontext.
	FunctionArn string
	// Timeout bounds each invocation like the function timeout; 0 is none.
	Timeout time.Duration
	// OnError sees receive, invoke and delete errors; nil ignores them.
	OnError func(error)
	// Concurrency is how many batches are in flight at once (0: 1). Lambda's event source mapping
	// for a standard queue starts with five concurrent batches and scales up from there
	// (LambdaInitialConcurrency), so a batch that waits on a slow call does not stop the queue.
	Concurrency int
}

// LambdaInitialConcurrency is how many batches Lambda's SQS event source mapping processes at
// once when messages are available: five concurrent invocations to start with, scaling up while
// messages keep coming (https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-scaling.html).
const LambdaInitialConcurrency = 5

// Poller emulates Lambda's SQS event source mapping: it receives batches,
// invokes the handler with an events.SQSEvent and deletes what succeeded.
type Poller struct {
	cfg     PollerConfig
	handler lambda.Handler

	arnMu sync.Mutex
	arn   string

	mu     sync.Mutex
	cancel context.CancelFunc
	done   chan struct{}
}

// NewPoller checks cfg and returns a stopped Poller.
func NewPoller(cfg PollerConfig) (*Poller, error) {
	if cfg.Client == nil || cfg.QueueURL == "" || cfg.Handler == nil {
		return nil, errors.New("sqs poller: Client, QueueURL and Handler are required")
	}
	if cfg.BatchSize == 0 {
		cfg.BatchSize = 10
	}
	if cfg.BatchSize < 1 || cfg.BatchSize > 10 {
		return nil, fmt.Errorf("sqs poller: batch size %d is not between 1 and 10", cfg.BatchSize)
	}
	if cfg.WaitTimeSeconds == nil {
		cfg.WaitTimeSeconds = aws.Int32(20)
	}
	if w := *cfg.WaitTimeSeconds; w < 0 || w > 20 {
		return nil, fmt.Errorf("sqs poller: wait time %d is not between 0 and 20", w)
	}
	return &Poller{cfg: cfg, handler: lambda.NewHandler(cfg.Handler)}, nil
}

// Start polls in the background until ctx ends or Stop is called.
func (p *Poller) Start(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cancel != nil {
		return errors.New("sqs poller: already started")
	}
	ctx, cancel := context.WithCancel(ctx)
	p.cancel, p.done = cancel, make(chan struct{})
	n := max(p.cfg.Concurrency, 1)
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p.loop(ctx)
		}()
	}
	go func(done chan struct{}) {
		wg.Wait()
		close(done)
	}(p.done)
	return nil
}

// Stop ends polling and waits for the batch in flight to finish.
func (p *Poller) Stop() {
	p.mu.Lock()
	cancel, done := p.cancel, p.done
	p.cancel, p.done = nil, nil
	p.mu.Unlock()
	if cancel == nil {
		return
	}
	cancel()
	<-done
}

func (p *Poller) loop(ctx context.Context) {
	for ctx.Err() == nil {
		if _, err := p.PollOnce(ctx); err != nil && ctx.Err() == nil {
			p.report(err)
			// Back off so a missing queue does not spin.
			select {
			case <-ctx.Done():
			case <-time.After(time.Second):
			}
		}
	}
}

func (p *Poller) report(err error) {
	if p.cfg.OnError != nil {
		p.cfg.OnError(err)
	}
}

// BatchResult is what one PollOnce did.
type BatchResult struct {
	Received int
	Deleted  int
	// InvokeErr is the handler's error or panic, or an unusable response.
	InvokeErr error
}

// PollOnce receives one batch (waiting up to WaitTimeSeconds), invokes the
// handler if there is anything, and deletes the messages that succeeded. A
// cancelled ctx aborts the receive but not an invocation already started.
func (p *Poller) PollOnce(ctx context.Context) (BatchResult, error) {
	arn, err := p.queueArn(ctx)
	if err != nil {
		return BatchResult{}, err
	}
	out, err := p.cfg.Client.ReceiveMessage(ctx, &awssqs.ReceiveMessageInput{
		QueueUrl:                    aws.String(p.cfg.QueueURL),
		MaxNumberOfMessages:         int32(p.cfg.BatchSize),
		WaitTimeSeconds:             *p.cfg.WaitTimeSeconds,
		MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameAll},
		MessageAttributeNames:       []string{"All"},
	})
	if err != nil {
		if ctx.Err() != nil {
			return BatchResult{}, nil
		}
		return BatchResult{}, fmt.Errorf("sqs poller: receive from %s: %w", p.cfg.QueueURL, err)
	}
	if len(out.Messages) == 0 {
		return BatchResult{}, nil
	}
	res := BatchResult{Received: len(out.Messages)}
	// The batch runs to completion even when polling is being stopped.
	ictx := context.WithoutCancel(ctx)
	event := p.event(arn, out.Messages)
	handles := make(map[string]string, len(out.Messages))
	for _, m := range out.Messages {
		handles[aws.ToString(m.MessageId)] = aws.ToString(m.ReceiptHandle)
	}
	payload, err := p.invoke(ictx, event)
	if err != nil {
		res.InvokeErr = err
		p.report(err)
		return res, nil
	}
	failed, err := p.failures(payload, handles)
	if err != nil {
		res.InvokeErr = err
		p.report(err)
		return res, nil
	}
	var entries []types.DeleteMessageBatchRequestEntry
	for i, m := range out.Messages {
		if failed[aws.ToString(m.MessageId)] {
			continue
		}
		entries = append(entries, types.DeleteMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)), ReceiptHandle: m.ReceiptHandle})
	}
	if len(entries) == 0 {
		return res, nil
	}
	del, err := p.cfg.Client.DeleteMessageBatch(ictx, &awssqs.DeleteMessageBatchInput{QueueUrl: aws.String(p.cfg.QueueURL), Entries: entries})
	if err != nil {
		return res, fmt.Errorf("sqs poller: delete processed messages: %w", err)
	}
	res.Deleted = len(del.Successful)
	if len(del.Failed) > 0 {
		return res, fmt.Errorf("sqs poller: %d processed messages not deleted: %s", len(del.Failed), aws.ToString(del.Failed[0].Message))
	}
	return res, nil
}

func (p *Poller) queueArn(ctx context.Context) (string, error) {
	p.arnMu.Lock()
	defer p.arnMu.Unlock()
	if p.arn != "" {
		return p.arn, nil
	}
	// Not cached on failure, so a later poll retries, e.g. once the queue exists.
	out, err := p.cfg.Client.GetQueueAttributes(ctx, &awssqs.GetQueueAttributesInput{
		QueueUrl: aws.String(p.cfg.QueueURL), AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameQueueArn},
	})
	if err != nil {
		return "", fmt.Errorf("sqs poller: queue ARN of %s: %w", p.cfg.QueueURL, err)
	}
	p.arn = out.Attributes[string(types.QueueAttributeNameQueueArn)]
	return p.arn, nil
}

func (p *Poller) event(arn string, msgs []types.Message) events.SQSEvent {
	region := ""
	if parts := strings.Split(arn, ":"); len(parts) > 3 {
		region = parts[3]
	}
	ev := events.SQSEvent{Records: make([]events.SQSMessage, 0, len(msgs))}
	for _, m := range msgs {
		rec := events.SQSMessage{
			MessageId:              aws.ToString(m.MessageId),
			ReceiptHandle:          aws.ToString(m.ReceiptHandle),
			Body:                   aws.ToString(m.Body),
			Md5OfBody:              aws.ToString(m.MD5OfBody),
			Md5OfMessageAttributes: aws.ToString(m.MD5OfMessageAttributes),
			Attributes:             m.Attributes,
			MessageAttributes:      map[string]events.SQSMessageAttribute{},
			EventSourceARN:         arn,
			EventSource:            "aws:sqs",
			AWSRegion:              region,
		}
		for k, a := range m.MessageAttributes {
			rec.MessageAttributes[k] = events.SQSMessageAttribute{
				DataType:         aws.ToString(a.DataType),
				StringValue:      a.StringValue,
				BinaryValue:      a.BinaryValue,
				StringListValues: nonNil(a.StringListValues),
				BinaryListValues: nonNil(a.BinaryListValues),
			}
		}
		ev.Records = append(ev.Records, rec)
	}
	return ev
}

// nonNil makes empty lists [] rather than null, as Lambda's events show them.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func (p *Poller) invoke(ctx context.Context, ev events.SQSEvent) (out []byte, err error) {
	payload, err := json.Marshal(ev)
	if err != nil {
		return nil, fmt.Errorf("sqs poller: encode event: %w", err)
	}
	ctx = lambdacontext.NewContext(ctx, &lambdacontext.LambdaContext{AwsRequestID: uuid.NewString(), InvokedFunctionArn: p.cfg.FunctionArn})
	if p.cfg.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, p.cfg.Timeout)
		defer cancel()
	}
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("sqs poller: handler panicked: %v", r)
		}
	}()
	resp, err := p.handler.Invoke(ctx, payload)
	if err != nil {
		return nil, fmt.Errorf("sqs poller: handler: %w", err)
	}
	// The handler may reuse its buffer on the next call.
	return append([]byte(nil), resp...), nil
}

// failures reads the message IDs to keep. Without ReportBatchItemFailures the
// batch succeeded whole. With it, Lambda's rules apply: an empty or null
// response or list is full success; unparsable JSON, or an item identifier that
// is empty or not in the batch, fails the whole batch.
func (p *Poller) failures(payload []byte, handles map[string]string) (map[string]bool, error) {
	if !p.cfg.ReportBatchItemFailures {
		return nil, nil
	}
	trimmed := strings.TrimSpace(string(payload))
	if trimmed == "" || trimmed == "null" {
		return nil, nil
	}
	var resp events.SQSEventResponse
	if err := json.Unmarshal([]byte(trimmed), &resp); err != nil {
		return nil, fmt.Errorf("sqs poller: batch item failures response is not valid: %w", err)
	}
	failed := map[string]bool{}
	for _, f := range resp.BatchItemFailures {
		if _, ok := handles[f.ItemIdentifier]; !ok {
			return nil, fmt.Errorf("sqs poller: batch item failure %q is not a message of the batch", f.ItemIdentifier)
		}
		failed[f.ItemIdentifier] = true
	}
	return failed, nil
}
