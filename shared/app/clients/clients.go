// Package tableclient builds the DynamoDB client on the configured table, and the account store
// over it for the authorizer. It is apart from storeclient so that a binary needing only the
// account store does not link shared/store: the search planner and the other slices carry
// package-level tables (stemmers, Unicode normalization, flag and testing through a stemmer)
// that the linker keeps even when none of their code is called.
package clients

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/hapihub/hapihub/shared/app"
	"github.com/hapihub/hapihub/shared/config"
	"github.com/hapihub/hapihub/shared/store/accountstore"
	"github.com/hapihub/hapihub/shared/store/core"
)

// DynamoDB is the client every function but openapi uses, retrying transaction conflicts.
func DynamoDB(ctx context.Context, cfg config.Config) (*dynamodb.Client, error) {
	ac, err := app.AWS(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return dynamodb.NewFromConfig(ac, core.RetryConflicts, func(o *dynamodb.Options) {
		if cfg.DynamoDBEndpoint != "" {
			o.BaseEndpoint = aws.String(cfg.DynamoDBEndpoint)
		}
	}), nil
}

// AccountReader reads keys, accounts and organizations by id, and connections (what the
// authorizer reads), over GetItem and Query alone: the client is held as accountstore.ItemReader,
// not core.DB, so a binary that calls nothing else links none of the other DynamoDB operations.
func AccountReader(ctx context.Context, cfg config.Config) (accountstore.Reader, error) {
	db, err := DynamoDB(ctx, cfg)
	if err != nil {
		return accountstore.Reader{}, err
	}
	return accountstore.Reader{DB: db, Table: cfg.Table}, nil
}

// AccountsForTemplates is the account store (accounts, keys, identity, organizations) for a
// binary that links text/template (the console): the client held as func values (Table says why).
func AccountsForTemplates(ctx context.Context, cfg config.Config) (*accountstore.Accounts, error) {
	db, err := DynamoDB(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return accountstore.New(core.New(NewTable(db), cfg.Table)), nil
}
