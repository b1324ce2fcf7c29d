// Command dynamodbsqs is a cold-start reference, not a function: the dynamodb reference plus an
// SQS client, the floor under every function that writes (its events are announced on SQS).
package main

import (
	"context"
	"errors"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

type event struct {
	Table string `json:"table"`
	Queue string `json:"queue"`
}

var (
	db *dynamodb.Client
	q  *sqs.Client
)

// handle reads one item and sends one message, so both clients' call paths are linked.
func handle(ctx context.Context, e event) (string, error) {
	if e.Table == "" || e.Queue == "" {
		return "", errors.New("dynamodbsqs: table and queue are required")
	}
	if _, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(e.Table)}); err != nil {
		return "", err
	}
	_, err := q.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(e.Queue), MessageBody: aws.String("{}")})
	return "", err
}

func main() {
	cfg := aws.Config{Region: "us-east-1"}
	db, q = dynamodb.NewFromConfig(cfg), sqs.NewFromConfig(cfg)
	lambda.Start(handle)
}
