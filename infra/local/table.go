package local

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hapihub/hapihub/infra/template"
)

// EnsureTable creates the template's table under name if it does not exist, with TTL on. For an
// existing table (a data dir from an older template) it brings the global secondary indexes in
// line with the template: an index the template dropped, or whose keys or projection changed, is
// deleted, and an index the table lacks is created and backfilled from the items already there.
// DynamoDB takes one index change per UpdateTable call, so they go one at a time, each waited for.
func EnsureTable(ctx context.Context, db *dynamodb.Client, tbl *template.Table, name string) error {
	out, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)})
	var missing *types.ResourceNotFoundException
	switch {
	case errors.As(err, &missing):
		if _, err := db.CreateTable(ctx, tbl.CreateTableInput(name)); err != nil {
			return fmt.Errorf("local: create table %s: %w", name, err)
		}
		if err := waitIndexes(ctx, db, name, ""); err != nil {
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
	want := tbl.CreateTableInput(name)
	wantTypes := attrTypes(want.AttributeDefinitions)
	haveTypes := attrTypes(out.Table.AttributeDefinitions)
	have := map[string]types.GlobalSecondaryIndexDescription{}
	for _, g := range out.Table.GlobalSecondaryIndexes {
		have[aws.ToString(g.IndexName)] = g
	}
	wanted := map[string]bool{}
	var create []types.GlobalSecondaryIndex
	for _, g := range want.GlobalSecondaryIndexes {
		gn := aws.ToString(g.IndexName)
		wanted[gn] = true
		h, ok := have[gn]
		if ok && sameIndex(g.KeySchema, g.Projection, wantTypes, h.KeySchema, h.Projection, haveTypes) {
			continue
		}
		if ok {
			// Keys and projection cannot be changed in place: the index is rebuilt.
			wanted[gn] = false
		}
		create = append(create, g)
	}
	// Deletes first, so an attribute whose type the template changed is free again.
	for _, g := range out.Table.GlobalSecondaryIndexes {
		gn := aws.ToString(g.IndexName)
		if wanted[gn] {
			continue
		}
		_, err := db.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String(name),
			GlobalSecondaryIndexUpdates: []types.GlobalSecondaryIndexUpdate{{Delete: &types.DeleteGlobalSecondaryIndexAction{IndexName: g.IndexName}}}})
		if err != nil {
			return fmt.Errorf("local: delete index %s of table %s, which the template no longer has as it is: %w", gn, name, err)
		}
		if err := waitIndexes(ctx, db, name, gn); err != nil {
			return err
		}
	}
	for _, g := range create {
		var defs []types.AttributeDefinition
		for _, k := range g.KeySchema {
			an := aws.ToString(k.AttributeName)
			defs = append(defs, types.AttributeDefinition{AttributeName: aws.String(an), AttributeType: wantTypes[an]})
		}
		_, err := db.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String(name), AttributeDefinitions: defs,
			GlobalSecondaryIndexUpdates: []types.GlobalSecondaryIndexUpdate{{Create: &types.CreateGlobalSecondaryIndexAction{
				IndexName: g.IndexName, KeySchema: g.KeySchema, Projection: g.Projection, ProvisionedThroughput: g.ProvisionedThroughput}}}})
		if err != nil {
			return fmt.Errorf("local: add index %s from the template to table %s: %w", aws.ToString(g.IndexName), name, err)
		}
		if err := waitIndexes(ctx, db, name, ""); err != nil {
			return err
		}
	}
	return nil
}

func attrTypes(defs []types.AttributeDefinition) map[string]types.ScalarAttributeType {
	m := make(map[string]types.ScalarAttributeType, len(defs))
	for _, d := range defs {
		m[aws.ToString(d.AttributeName)] = d.AttributeType
	}
	return m
}

// sameIndex reports whether two index definitions have the same keys (names, roles and types) and
// projection (NonKeyAttributes in any order).
func sameIndex(aKeys []types.KeySchemaElement, aProj *types.Projection, aTypes map[string]types.ScalarAttributeType,
	bKeys []types.KeySchemaElement, bProj *types.Projection, bTypes map[string]types.ScalarAttributeType) bool {
	if len(aKeys) != len(bKeys) {
		return false
	}
	for i := range aKeys {
		an, bn := aws.ToString(aKeys[i].AttributeName), aws.ToString(bKeys[i].AttributeName)
		if an != bn || aKeys[i].KeyType != bKeys[i].KeyType || aTypes[an] != bTypes[bn] {
			return false
		}
	}
	var ap, bp types.Projection
	if aProj != nil {
		ap = *aProj
	}
	if bProj != nil {
		bp = *bProj
	}
	if ap.ProjectionType != bp.ProjectionType {
		return false
	}
	an, bn := slices.Clone(ap.NonKeyAttributes), slices.Clone(bp.NonKeyAttributes)
	slices.Sort(an)
	slices.Sort(bn)
	return slices.Equal(an, bn)
}

// waitIndexes polls until the table and all its global secondary indexes are ACTIVE and the index
// named gone (if any) has disappeared, as the SDK's waiters poll DescribeTable, but briefly: the
// embedded engine is done when it answers, while the SDK's waiter would sleep 20 s first.
func waitIndexes(ctx context.Context, db *dynamodb.Client, name, gone string) error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		out, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)})
		if err != nil {
			return fmt.Errorf("local: describe table %s: %w", name, err)
		}
		ready := out.Table.TableStatus == types.TableStatusActive
		for _, g := range out.Table.GlobalSecondaryIndexes {
			ready = ready && g.IndexStatus == types.IndexStatusActive && aws.ToString(g.IndexName) != gone
		}
		if ready {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("local: table %s and its indexes not ready after 30 s", name)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}
