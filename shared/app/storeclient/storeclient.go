// Package storeclient builds the store over the configured DynamoDB table: the one client every
// function needs but openapi, the authorizer and the console (shared/app/clients); writers add
// shared/app/backend.
package storeclient

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/hapihub/hapihub/shared/app/clients"
	"github.com/hapihub/hapihub/shared/config"
	"github.com/hapihub/hapihub/shared/store"
)

// New returns the store on the configured table, with no webhook publisher: what a function
// that only reads needs. Functions that write use backend.Store.
func New(ctx context.Context, cfg config.Config) (*store.Store, error) {
	db, err := client(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return store.New(db, cfg.Table), nil
}

func client(ctx context.Context, cfg config.Config) (*dynamodb.Client, error) {
	return clients.DynamoDB(ctx, cfg)
}
