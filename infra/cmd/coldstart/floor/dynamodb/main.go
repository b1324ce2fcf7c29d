// Command dynamodb is a cold-start reference, not a function: the hello baseline plus a
// DynamoDB client built at init as the functions build theirs (no config loader). What it adds
// to hello is the SDK's own share (package init of the client's schemas and endpoints), the
// floor under every function that reads the table.
package main

import (
	"context"
	"errors"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

type event struct {
	Table string `json:"table"`
}

var db *dynamodb.Client

// handle reads one item, so the client's call path is linked as a function's would be.
func handle(ctx context.Context, e event) (string, error) {
	if e.Table == "" {
		return "", errors.New("dynamodb: table is required")
	}
	_, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(e.Table)})
	return "", err
}

func main() {
	db = dynamodb.NewFromConfig(aws.Config{Region: "us-east-1"})
	lambda.Start(handle)
}
