// Package queue is the webhook queue's message and its sending: what a function that only
// announces committed events (the store's Publisher) needs, without the dispatcher, its HTTP
// API and their dependencies (the console links this, not shared/webhook).
package queue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/hapihub/hapihub/shared/store/core"
)

// Sender is the part of the SQS client that enqueues.
type Sender interface {
	SendMessage(context.Context, *sqs.SendMessageInput, ...func(*sqs.Options)) (*sqs.SendMessageOutput, error)
}

// Message kinds on the webhook queue.
const (
	KindEvent    = "event"    // fan an event out to its endpoints
	KindDelivery = "delivery" // make one delivery attempt
)

// Message is the body of a webhook queue message.
type Message struct {
	Kind       string `json:"kind"`
	Account    string `json:"account"`
	Mode       string `json:"mode"`
	EventID    string `json:"eventId,omitempty"`
	EventType  string `json:"eventType,omitempty"`
	EndpointID string `json:"endpointId,omitempty"`
	DeliveryID string `json:"deliveryId,omitempty"`
	// Attempt is the delivery's attempt count when the message was sent: a message whose attempt
	// was already made (a duplicate, or the sweeper's safety net racing the queue) is dropped.
	Attempt int `json:"attempt"`
}

// MaxDelay is SQS's DelaySeconds limit.
const MaxDelay = 15 * time.Minute

// Send enqueues m on the queue at url, visible after delay (at most MaxDelay).
func Send(ctx context.Context, q Sender, url string, m Message, delay time.Duration) error {
	body, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("webhook: encode message: %w", err)
	}
	secs := int32(math.Ceil(min(delay, MaxDelay).Seconds()))
	_, err = q.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String(string(body)), DelaySeconds: max(secs, 0)})
	if err != nil {
		return fmt.Errorf("webhook: enqueue %s: %w", m.Kind, err)
	}
	return nil
}

// Publisher enqueues committed events for fan-out: the store's Publisher (core.Publisher).
type Publisher struct {
	Queue Sender
	URL   string
}

// Publish sends one KindEvent message per entry: several entries (a multi-create's events) go
// in SendMessageBatch calls of up to 10 when the queue takes them, one round trip per ten
// events instead of per event.
func (p Publisher) Publish(ctx context.Context, entries []core.OutboxEntry) error {
	if bs, ok := p.Queue.(BatchSender); ok && len(entries) > 1 {
		// Side by side: the batch's announcement comes after all its writes, so its calls
		// are not overlapped with anything else.
		n := (len(entries) + MaxBatch - 1) / MaxBatch
		errs := make([]error, n)
		var wg sync.WaitGroup
		for b := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[b] = p.sendBatch(ctx, bs, entries[b*MaxBatch:min(len(entries), (b+1)*MaxBatch)])
			}()
		}
		wg.Wait()
		return errors.Join(errs...)
	}
	for _, e := range entries {
		if err := Send(ctx, p.Queue, p.URL, eventMessage(e), 0); err != nil {
			return err
		}
	}
	return nil
}

func eventMessage(e core.OutboxEntry) Message {
	return Message{Kind: KindEvent, Account: e.Account, Mode: e.Mode, EventID: e.EventID, EventType: e.Type}
}

// BatchSender is the part of the SQS client that enqueues up to MaxBatch messages per call.
type BatchSender interface {
	SendMessageBatch(context.Context, *sqs.SendMessageBatchInput, ...func(*sqs.Options)) (*sqs.SendMessageBatchOutput, error)
}

// MaxBatch is SendMessageBatch's limit of entries per call
// (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessageBatch.html).
const MaxBatch = 10

// sendBatch sends entries (at most MaxBatch) in one call. A batch answers 200 even when some of
// its entries failed (Failed lists them), so those are an error too: the caller leaves the whole
// batch's outbox entries to the sweeper, and a second enqueue of the others is harmless (fan-out
// is idempotent).
func (p Publisher) sendBatch(ctx context.Context, bs BatchSender, entries []core.OutboxEntry) error {
	in := &sqs.SendMessageBatchInput{QueueUrl: aws.String(p.URL)}
	for i, e := range entries {
		body, err := json.Marshal(eventMessage(e))
		if err != nil {
			return fmt.Errorf("webhook: encode message: %w", err)
		}
		in.Entries = append(in.Entries, types.SendMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)), MessageBody: aws.String(string(body))})
	}
	out, err := bs.SendMessageBatch(ctx, in)
	if err != nil {
		return fmt.Errorf("webhook: enqueue %d events: %w", len(entries), err)
	}
	if len(out.Failed) > 0 {
		f := out.Failed[0]
		return fmt.Errorf("webhook: enqueue %d events: %d failed, the first (%s): %s", len(entries), len(out.Failed), aws.ToString(f.Code), aws.ToString(f.Message))
	}
	return nil
}
