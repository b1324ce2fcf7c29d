// Package queueclient builds the SQS client as a Sender, apart from the DynamoDB clients so that
// a function that sends nothing (the authorizer) does not link the SQS SDK and its package init.
package queueclient

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/hapihub/hapihub/shared/app"
	"github.com/hapihub/hapihub/shared/config"
)

type sqsOpts = func(*sqs.Options)

// Sender is the part of the SQS client that enqueues (sandbox.Sender, webhook.Queue), as func values
// for the reason clients.Table gives.
type Sender struct {
	sendMessage func(context.Context, *sqs.SendMessageInput, ...sqsOpts) (*sqs.SendMessageOutput, error)
}

func newSender(c *sqs.Client) *Sender { return &Sender{sendMessage: c.SendMessage} }

func (s *Sender) SendMessage(ctx context.Context, in *sqs.SendMessageInput, o ...sqsOpts) (*sqs.SendMessageOutput, error) {
	return s.sendMessage(ctx, in, o...)
}

// Queue is the SQS client (the embedded queues under the local runner) as a Sender.
func Queue(ctx context.Context, cfg config.Config) (*Sender, error) {
	ac, err := app.AWS(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return newSender(sqs.NewFromConfig(ac, func(o *sqs.Options) {
		if cfg.SQSEndpoint != "" {
			o.BaseEndpoint = aws.String(cfg.SQSEndpoint)
		}
	})), nil
}
