// Package storeclient builds the store over the configured DynamoDB table: the one client every
// function but openapi needs.
package storeclient

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/hapihub/hapihub/shared/app"
	"github.com/hapihub/hapihub/shared/config"
	"github.com/hapihub/hapihub/shared/store"
	"github.com/hapihub/hapihub/shared/store/core"
)

// New returns the store on the configured table, with no webhook publisher: what a function
// that only reads (the authorizer) needs. API functions attach the publisher (platform.Store).
func New(ctx context.Context, cfg config.Config) (*store.Store, error) {
	ac, err := app.AWS(ctx, cfg)
	if err != nil {
		return nil, err
	}
	db := dynamodb.NewFromConfig(ac, core.RetryConflicts, func(o *dynamodb.Options) {
		if cfg.DynamoDBEndpoint != "" {
			o.BaseEndpoint = aws.String(cfg.DynamoDBEndpoint)
		}
	})
	return store.New(db, cfg.Table), nil
}
