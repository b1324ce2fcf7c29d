// Package queue is the webhook queue's message and its sending: what a function that only
// announces committed events (the store's Publisher) needs, without the dispatcher, its HTTP
// API and their dependencies (the console links this, not shared/webhook).
package queue

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

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

// Publish sends one KindEvent message per entry.
func (p Publisher) Publish(ctx context.Context, entries []core.OutboxEntry) error {
	for _, e := range entries {
		m := Message{Kind: KindEvent, Account: e.Account, Mode: e.Mode, EventID: e.EventID, EventType: e.Type}
		if err := Send(ctx, p.Queue, p.URL, m, 0); err != nil {
			return err
		}
	}
	return nil
}
