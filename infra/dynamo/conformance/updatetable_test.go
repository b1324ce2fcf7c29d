package conformance

import (
	"context"
	"sort"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// DynamoDB builds an index added by UpdateTable in the background (CREATING
// for minutes on the real service) and removes one the same way, so these
// tests wait as a client must: until the index is ACTIVE, or gone.

func indexStatus(t *testing.T, table, index string) (types.IndexStatus, bool) {
	t.Helper()
	out, err := client.DescribeTable(context.Background(), &dynamodb.DescribeTableInput{TableName: aws.String(table)})
	require.NoError(t, err)
	for _, g := range out.Table.GlobalSecondaryIndexes {
		if aws.ToString(g.IndexName) == index {
			return g.IndexStatus, true
		}
	}
	return "", false
}

// waitIndex polls until index is ACTIVE (present) or gone (!present).
func waitIndex(t *testing.T, table, index string, present bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Minute)
	for time.Now().Before(deadline) {
		st, ok := indexStatus(t, table, index)
		if (present && ok && st == types.IndexStatusActive) || (!present && !ok) {
			return
		}
		time.Sleep(5 * time.Second)
	}
	t.Fatalf("index %s of %s: still not %s", index, table, map[bool]string{true: "ACTIVE", false: "gone"}[present])
}

func createIndexUpdate(name, key string, typ types.ScalarAttributeType) *dynamodb.UpdateTableInput {
	return &dynamodb.UpdateTableInput{
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String(key), AttributeType: typ}},
		GlobalSecondaryIndexUpdates: []types.GlobalSecondaryIndexUpdate{{Create: &types.CreateGlobalSecondaryIndexAction{
			IndexName:  aws.String(name),
			KeySchema:  []types.KeySchemaElement{{AttributeName: aws.String(key), KeyType: types.KeyTypeHash}},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll},
		}}},
	}
}

// queryIndex returns the pk of every item under x = v in index; index reads are
// eventually consistent, so against a real endpoint it retries until want shows.
func queryIndex(t *testing.T, table, index, key string, v types.AttributeValue, want []string) []string {
	t.Helper()
	var got []string
	for range 20 {
		out, err := client.Query(context.Background(), &dynamodb.QueryInput{TableName: aws.String(table), IndexName: aws.String(index),
			KeyConditionExpression:    aws.String("#k = :v"),
			ExpressionAttributeNames:  map[string]string{"#k": key},
			ExpressionAttributeValues: map[string]types.AttributeValue{":v": v}})
		require.NoError(t, err)
		got = got[:0]
		for _, it := range out.Items {
			got = append(got, it["pk"].(*types.AttributeValueMemberS).Value)
		}
		sort.Strings(got)
		if !external || assert.ObjectsAreEqual(want, got) {
			return got
		}
		time.Sleep(time.Second)
	}
	return got
}

func TestUpdateTableCreateIndexBackfills(t *testing.T) {
	ctx := context.Background()
	table := createTable(t, tableSpec{hash: "pk:S"})
	// Only items whose x is a non-empty string can be indexed on x:S.
	put(t, table, item{"pk": s("a"), "x": s("red")})
	put(t, table, item{"pk": s("b"), "x": s("red"), "y": n("1")})
	put(t, table, item{"pk": s("c"), "x": s("blue")})
	put(t, table, item{"pk": s("d")})
	put(t, table, item{"pk": s("e"), "x": n("7")})
	put(t, table, item{"pk": s("f"), "x": s("")})

	in := createIndexUpdate("byX", "x", types.ScalarAttributeTypeS)
	in.TableName = aws.String(table)
	out, err := client.UpdateTable(ctx, in)
	require.NoError(t, err)
	var created *types.GlobalSecondaryIndexDescription
	for i, g := range out.TableDescription.GlobalSecondaryIndexes {
		if aws.ToString(g.IndexName) == "byX" {
			created = &out.TableDescription.GlobalSecondaryIndexes[i]
		}
	}
	require.NotNil(t, created, "the answer describes the new index")
	assert.Contains(t, []types.IndexStatus{types.IndexStatusCreating, types.IndexStatusActive}, created.IndexStatus)
	waitIndex(t, table, "byX", true)

	assert.Equal(t, []string{"a", "b"}, queryIndex(t, table, "byX", "x", s("red"), []string{"a", "b"}))
	assert.Equal(t, []string{"c"}, queryIndex(t, table, "byX", "x", s("blue"), []string{"c"}))
	scan, err := client.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String(table), IndexName: aws.String("byX")})
	require.NoError(t, err)
	assert.Equal(t, int32(3), scan.Count, "items without x, with a number or an empty string are left out")

	desc, err := client.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)})
	require.NoError(t, err)
	assert.Equal(t, types.TableStatusActive, desc.Table.TableStatus)
	assert.Contains(t, desc.Table.AttributeDefinitions, types.AttributeDefinition{AttributeName: aws.String("x"), AttributeType: types.ScalarAttributeTypeS})

	// The new index now constrains writes and follows them.
	_, err = client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: item{"pk": s("g"), "x": n("1")}})
	requireAPIError(t, err, "ValidationException", "Type mismatch")
	put(t, table, item{"pk": s("h"), "x": s("blue")})
	assert.Equal(t, []string{"c", "h"}, queryIndex(t, table, "byX", "x", s("blue"), []string{"c", "h"}))

	// A second index comes in a second call.
	in = createIndexUpdate("byY", "y", types.ScalarAttributeTypeN)
	in.TableName = aws.String(table)
	_, err = client.UpdateTable(ctx, in)
	require.NoError(t, err)
	waitIndex(t, table, "byY", true)
	assert.Equal(t, []string{"b"}, queryIndex(t, table, "byY", "y", n("1"), []string{"b"}))
}

func TestUpdateTableDeleteIndex(t *testing.T) {
	ctx := context.Background()
	table := createTable(t, tableSpec{hash: "pk:S", gsis: []gsiSpec{
		{name: "byX", hash: "x:S", projection: types.ProjectionTypeKeysOnly},
		{name: "byZ", hash: "z:S", projection: types.ProjectionTypeAll},
	}})
	put(t, table, item{"pk": s("a"), "x": s("red"), "z": s("q")})

	out, err := client.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String(table),
		GlobalSecondaryIndexUpdates: []types.GlobalSecondaryIndexUpdate{{Delete: &types.DeleteGlobalSecondaryIndexAction{IndexName: aws.String("byX")}}}})
	require.NoError(t, err)
	statuses := map[string]types.IndexStatus{}
	for _, g := range out.TableDescription.GlobalSecondaryIndexes {
		statuses[aws.ToString(g.IndexName)] = g.IndexStatus
	}
	assert.Equal(t, types.IndexStatusDeleting, statuses["byX"])
	waitIndex(t, table, "byX", false)

	_, err = client.Query(ctx, &dynamodb.QueryInput{TableName: aws.String(table), IndexName: aws.String("byX"),
		KeyConditionExpression: aws.String("x = :v"), ExpressionAttributeValues: map[string]types.AttributeValue{":v": s("red")}})
	requireAPIError(t, err, "ValidationException", "byX")
	desc, err := client.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)})
	require.NoError(t, err)
	var defs []string
	for _, d := range desc.Table.AttributeDefinitions {
		defs = append(defs, aws.ToString(d.AttributeName))
	}
	sort.Strings(defs)
	assert.Equal(t, []string{"pk", "z"}, defs, "the deleted index's key attribute is no longer defined")
	require.Len(t, desc.Table.GlobalSecondaryIndexes, 1)
	assert.Equal(t, "byZ", aws.ToString(desc.Table.GlobalSecondaryIndexes[0].IndexName))

	// x is a plain attribute again: any type may be written.
	put(t, table, item{"pk": s("b"), "x": n("3")})
	assert.Equal(t, []string{"a"}, queryIndex(t, table, "byZ", "z", s("q"), []string{"a"}))

	// The name can be used again once the index is gone.
	in := createIndexUpdate("byX", "x", types.ScalarAttributeTypeN)
	in.TableName = aws.String(table)
	_, err = client.UpdateTable(ctx, in)
	require.NoError(t, err)
	waitIndex(t, table, "byX", true)
	assert.Equal(t, []string{"b"}, queryIndex(t, table, "byX", "x", n("3"), []string{"b"}))
}

func TestUpdateTableErrors(t *testing.T) {
	table := createTable(t, tableSpec{hash: "pk:S", gsis: []gsiSpec{{name: "byX", hash: "x:S", projection: types.ProjectionTypeAll}}})
	create := func(name, key string, typ types.ScalarAttributeType) types.GlobalSecondaryIndexUpdate {
		return createIndexUpdate(name, key, typ).GlobalSecondaryIndexUpdates[0]
	}
	del := func(name string) types.GlobalSecondaryIndexUpdate {
		return types.GlobalSecondaryIndexUpdate{Delete: &types.DeleteGlobalSecondaryIndexAction{IndexName: aws.String(name)}}
	}
	defs := func(kv ...string) []types.AttributeDefinition {
		var out []types.AttributeDefinition
		for i := 0; i < len(kv); i += 2 {
			out = append(out, types.AttributeDefinition{AttributeName: aws.String(kv[i]), AttributeType: types.ScalarAttributeType(kv[i+1])})
		}
		return out
	}
	cases := []struct {
		name    string
		table   string
		defs    []types.AttributeDefinition
		updates []types.GlobalSecondaryIndexUpdate
		code    string
		msg     string
	}{
		{"nothing to update", table, nil, nil, "ValidationException", ""},
		{"missing table", uniqueName("conf"), defs("y", "S"), []types.GlobalSecondaryIndexUpdate{create("byY", "y", "S")}, "ResourceNotFoundException", ""},
		{"two creates", table, defs("y", "S", "z", "S"), []types.GlobalSecondaryIndexUpdate{create("byY", "y", "S"), create("byZ", "z", "S")}, "LimitExceededException", "Only 1 online index"},
		{"create and delete", table, defs("y", "S"), []types.GlobalSecondaryIndexUpdate{create("byY", "y", "S"), del("byX")}, "LimitExceededException", "Only 1 online index"},
		{"index exists", table, defs("y", "S"), []types.GlobalSecondaryIndexUpdate{create("byX", "y", "S")}, "ValidationException", "already exists"},
		{"key not in the request's definitions", table, defs("y", "S"), []types.GlobalSecondaryIndexUpdate{create("byPK", "pk", "S")}, "ValidationException", "AttributeDefinitions"},
		{"attribute redefined", table, defs("x", "N"), []types.GlobalSecondaryIndexUpdate{create("byXN", "x", "N")}, "ValidationException", "redefined"},
		{"delete missing index", table, nil, []types.GlobalSecondaryIndexUpdate{del("nothere")}, "ResourceNotFoundException", "nothere"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := client.UpdateTable(context.Background(), &dynamodb.UpdateTableInput{TableName: aws.String(tc.table),
				AttributeDefinitions: tc.defs, GlobalSecondaryIndexUpdates: tc.updates})
			requireAPIError(t, err, tc.code, tc.msg)
		})
	}
	// None of the rejected calls changed the table.
	out, err := client.DescribeTable(context.Background(), &dynamodb.DescribeTableInput{TableName: aws.String(table)})
	require.NoError(t, err)
	require.Len(t, out.Table.GlobalSecondaryIndexes, 1)
	assert.Equal(t, "byX", aws.ToString(out.Table.GlobalSecondaryIndexes[0].IndexName))
}

func TestUpdateTableIndexThroughputFollowsBillingMode(t *testing.T) {
	ctx := context.Background()
	table := createTable(t, tableSpec{hash: "pk:S"})
	in := createIndexUpdate("byY", "y", types.ScalarAttributeTypeS)
	in.TableName = aws.String(table)
	in.GlobalSecondaryIndexUpdates[0].Create.ProvisionedThroughput = &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(1), WriteCapacityUnits: aws.Int64(1)}
	_, err := client.UpdateTable(ctx, in)
	requireAPIError(t, err, "ValidationException", "PAY_PER_REQUEST")

	_, err = client.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String(table),
		ProvisionedThroughput: &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(1), WriteCapacityUnits: aws.Int64(1)}})
	requireAPIError(t, err, "ValidationException", "")
}
