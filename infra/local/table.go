package local

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hapihub/hapihub/infra/template"
)

// EnsureTable creates the template's table under name if it does not exist, with TTL on, and adds
// global secondary indexes the template has gained since the table was made.
func EnsureTable(ctx context.Context, db *dynamodb.Client, tbl *template.Table, name string) error {
	out, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)})
	var missing *types.ResourceNotFoundException
	switch {
	case errors.As(err, &missing):
		if _, err := db.CreateTable(ctx, tbl.CreateTableInput(name)); err != nil {
			return fmt.Errorf("local: create table %s: %w", name, err)
		}
		if err := waitActive(ctx, db, name); err != nil {
			return err
		}
		if in := tbl.UpdateTimeToLiveInput(name); in != nil {
			if _, err := db.UpdateTimeToLive(ctx, in); err != nil {
				return fmt.Errorf("local: turn on TTL of %s: %w", name, err)
			}
		}
		return nil
	case err != nil:
		return fmt.Errorf("local: describe table %s: %w", name, err)
	}
	have := map[string]bool{}
	for _, g := range out.Table.GlobalSecondaryIndexes {
		have[aws.ToString(g.IndexName)] = true
	}
	in := tbl.CreateTableInput(name)
	for _, g := range in.GlobalSecondaryIndexes {
		if have[aws.ToString(g.IndexName)] {
			continue
		}
		_, err := db.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String(name), AttributeDefinitions: in.AttributeDefinitions,
			GlobalSecondaryIndexUpdates: []types.GlobalSecondaryIndexUpdate{{Create: &types.CreateGlobalSecondaryIndexAction{
				IndexName: g.IndexName, KeySchema: g.KeySchema, Projection: g.Projection, ProvisionedThroughput: g.ProvisionedThroughput}}}})
		if err != nil {
			return fmt.Errorf("local: table %s lacks index %s from the template and adding it failed (delete the data dir to start afresh): %w", name, aws.ToString(g.IndexName), err)
		}
		if err := waitActive(ctx, db, name); err != nil {
			return err
		}
	}
	return nil
}

// waitActive polls briefly: the embedded engine makes tables active at once, the SDK's waiter
// would sleep 20 s first.
func waitActive(ctx context.Context, db *dynamodb.Client, name string) error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		out, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)})
		if err != nil {
			return fmt.Errorf("local: describe table %s: %w", name, err)
		}
		active := out.Table.TableStatus == types.TableStatusActive
		for _, g := range out.Table.GlobalSecondaryIndexes {
			active = active && (g.IndexStatus == "" || g.IndexStatus == types.IndexStatusActive)
		}
		if active {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("local: table %s not active after 30 s", name)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}
