package dynamo_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/infra/dynamo"
	"github.com/hapihub/hapihub/infra/dynamo/dynamotest"
)

func addIndexG(t *testing.T, c *dynamodb.Client, table string) *dynamodb.UpdateTableOutput {
	t.Helper()
	out, err := c.UpdateTable(context.Background(), &dynamodb.UpdateTableInput{TableName: aws.String(table),
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("g"), AttributeType: types.ScalarAttributeTypeS}},
		GlobalSecondaryIndexUpdates: []types.GlobalSecondaryIndexUpdate{{Create: &types.CreateGlobalSecondaryIndexAction{
			IndexName:  aws.String("byG"),
			KeySchema:  []types.KeySchemaElement{{AttributeName: aws.String("g"), KeyType: types.KeyTypeHash}},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeKeysOnly},
		}}}})
	require.NoError(t, err)
	return out
}

func indexCount(t *testing.T, c *dynamodb.Client, table, index string) int32 {
	t.Helper()
	out, err := c.Scan(context.Background(), &dynamodb.ScanInput{TableName: aws.String(table), IndexName: aws.String(index), Select: types.SelectCount})
	require.NoError(t, err)
	return out.Count
}

// Writes racing an index creation all end up in the index: none commits with
// the table's description from before the index existed.
func TestUpdateTableWhileWriting(t *testing.T) {
	c := dynamotest.New(t)
	ctx := context.Background()
	createTable(t, c, "race", false)
	const writers, each = 4, 60
	var wg sync.WaitGroup
	start := make(chan struct{})
	for w := range writers {
		wg.Go(func() {
			<-start
			for i := range each {
				_, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("race"),
					Item: item{"pk": s(fmt.Sprint("w", w)), "sk": n(fmt.Sprint(i)), "g": s("v")}})
				assert.NoError(t, err)
			}
		})
	}
	close(start)
	out := addIndexG(t, c, "race")
	wg.Wait()

	require.Len(t, out.TableDescription.GlobalSecondaryIndexes, 1)
	g := out.TableDescription.GlobalSecondaryIndexes[0]
	assert.Equal(t, types.IndexStatusActive, g.IndexStatus, "the index is built before the answer")
	assert.False(t, aws.ToBool(g.Backfilling))
	assert.Equal(t, int32(writers*each), indexCount(t, c, "race", "byG"))
	desc, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("race")})
	require.NoError(t, err)
	assert.Equal(t, int64(writers*each), aws.ToInt64(desc.Table.GlobalSecondaryIndexes[0].ItemCount))
}

// An added index, its entries and its statistics survive a restart; a deleted
// one leaves nothing behind, and TTL deletes keep the remaining index right.
func TestUpdateTablePersists(t *testing.T) {
	dir := t.TempDir()
	opts := dynamo.Options{NoSync: true, TTLInterval: -1}
	e, endpoint := dynamotest.Start(t, dir, opts)
	c := dynamotest.Client(endpoint)
	ctx := context.Background()
	createTable(t, c, "keep", true) // byG on g
	for i := range 5 {
		_, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("keep"),
			Item: item{"pk": s("p"), "sk": n(fmt.Sprint(i)), "g": s("v"), "h": n(fmt.Sprint(i % 2))}})
		require.NoError(t, err)
	}
	_, err := c.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String("keep"),
		GlobalSecondaryIndexUpdates: []types.GlobalSecondaryIndexUpdate{{Delete: &types.DeleteGlobalSecondaryIndexAction{IndexName: aws.String("byG")}}}})
	require.NoError(t, err)
	_, err = c.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String("keep"),
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("h"), AttributeType: types.ScalarAttributeTypeN},
			{AttributeName: aws.String("sk"), AttributeType: types.ScalarAttributeTypeN}},
		GlobalSecondaryIndexUpdates: []types.GlobalSecondaryIndexUpdate{{Create: &types.CreateGlobalSecondaryIndexAction{
			IndexName:  aws.String("byH"),
			KeySchema:  []types.KeySchemaElement{{AttributeName: aws.String("h"), KeyType: types.KeyTypeHash}, {AttributeName: aws.String("sk"), KeyType: types.KeyTypeRange}},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeInclude, NonKeyAttributes: []string{"g"}},
		}}}})
	require.NoError(t, err)
	require.NoError(t, e.Close())

	e2, endpoint2 := dynamotest.Start(t, dir, opts)
	c2 := dynamotest.Client(endpoint2)
	desc, err := c2.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("keep")})
	require.NoError(t, err)
	require.Len(t, desc.Table.GlobalSecondaryIndexes, 1)
	g := desc.Table.GlobalSecondaryIndexes[0]
	assert.Equal(t, "byH", aws.ToString(g.IndexName))
	assert.Equal(t, int64(5), aws.ToInt64(g.ItemCount))
	var names []string
	for _, d := range desc.Table.AttributeDefinitions {
		names = append(names, aws.ToString(d.AttributeName))
	}
	assert.ElementsMatch(t, []string{"pk", "sk", "h"}, names)

	q, err := c2.Query(ctx, &dynamodb.QueryInput{TableName: aws.String("keep"), IndexName: aws.String("byH"),
		KeyConditionExpression: aws.String("h = :h"), ExpressionAttributeValues: map[string]types.AttributeValue{":h": n("1")}})
	require.NoError(t, err)
	require.Len(t, q.Items, 2)
	assert.Equal(t, item{"pk": s("p"), "sk": n("1"), "h": n("1"), "g": s("v")}, q.Items[0])

	// Deleting items keeps the index statistics right after the restart.
	_, err = c2.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String("keep"), Key: item{"pk": s("p"), "sk": n("1")}})
	require.NoError(t, err)
	assert.Equal(t, int32(4), indexCount(t, c2, "keep", "byH"))
	_, err = c2.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String("keep"), IndexName: aws.String("byG")})
	require.Error(t, err, "the deleted index is gone")
	_ = e2
}

func TestUpdateTableBillingMode(t *testing.T) {
	c := dynamotest.New(t)
	ctx := context.Background()
	createTable(t, c, "bill", true)
	pt := &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(4), WriteCapacityUnits: aws.Int64(2)}

	// An on-demand index has no throughput to update.
	for _, up := range []*types.UpdateGlobalSecondaryIndexAction{
		{IndexName: aws.String("byG")},
		{IndexName: aws.String("byG"), ProvisionedThroughput: &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(1), WriteCapacityUnits: aws.Int64(1)}},
	} {
		_, err := c.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String("bill"),
			GlobalSecondaryIndexUpdates: []types.GlobalSecondaryIndexUpdate{{Update: up}}})
		require.Error(t, err)
		assert.Contains(t, err.Error(), "ValidationException")
	}

	// Switching to provisioned needs throughput for the table and every index.
	_, err := c.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String("bill"), BillingMode: types.BillingModeProvisioned, ProvisionedThroughput: pt})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "ProvisionedThroughput must be specified for index: byG")
	out, err := c.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String("bill"), BillingMode: types.BillingModeProvisioned, ProvisionedThroughput: pt,
		GlobalSecondaryIndexUpdates: []types.GlobalSecondaryIndexUpdate{{Update: &types.UpdateGlobalSecondaryIndexAction{IndexName: aws.String("byG"),
			ProvisionedThroughput: &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(3), WriteCapacityUnits: aws.Int64(1)}}}}})
	require.NoError(t, err)
	d := out.TableDescription
	assert.Equal(t, int64(4), aws.ToInt64(d.ProvisionedThroughput.ReadCapacityUnits))
	assert.Equal(t, int64(3), aws.ToInt64(d.GlobalSecondaryIndexes[0].ProvisionedThroughput.ReadCapacityUnits))
	assert.Nil(t, d.BillingModeSummary)

	// The same throughput again is no change, which DynamoDB refuses.
	_, err = c.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String("bill"), ProvisionedThroughput: pt})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "will not change")

	out, err = c.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String("bill"), BillingMode: types.BillingModePayPerRequest})
	require.NoError(t, err)
	require.NotNil(t, out.TableDescription.BillingModeSummary)
	assert.Equal(t, types.BillingModePayPerRequest, out.TableDescription.BillingModeSummary.BillingMode)
	assert.Equal(t, int64(0), aws.ToInt64(out.TableDescription.GlobalSecondaryIndexes[0].ProvisionedThroughput.ReadCapacityUnits))
}
