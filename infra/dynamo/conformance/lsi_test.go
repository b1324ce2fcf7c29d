package conformance

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLocalSecondaryIndex(t *testing.T) {
	ctx := context.Background()
	name := uniqueName("conf")
	_, err := client.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:   aws.String(name),
		BillingMode: types.BillingModePayPerRequest,
		KeySchema: []types.KeySchemaElement{
			{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String("sk"), KeyType: types.KeyTypeRange},
		},
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("sk"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("rank"), AttributeType: types.ScalarAttributeTypeN},
		},
		LocalSecondaryIndexes: []types.LocalSecondaryIndex{{
			IndexName:  aws.String("byRank"),
			KeySchema:  []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}, {AttributeName: aws.String("rank"), KeyType: types.KeyTypeRange}},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeKeysOnly},
		}},
	})
	require.NoError(t, err)
	t.Cleanup(func() {
		_, _ = client.DeleteTable(context.Background(), &dynamodb.DeleteTableInput{TableName: aws.String(name)})
	})
	require.NoError(t, dynamodb.NewTableExistsWaiter(client).Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)}, 5*60e9))
	put(t, name, item{"pk": s("p"), "sk": s("a"), "rank": n("3"), "x": s("1")})
	put(t, name, item{"pk": s("p"), "sk": s("b"), "rank": n("1"), "x": s("2")})
	put(t, name, item{"pk": s("p"), "sk": s("c"), "x": s("3")}) // not in the sparse index

	out, err := client.Query(ctx, &dynamodb.QueryInput{TableName: aws.String(name), IndexName: aws.String("byRank"),
		KeyConditionExpression: aws.String("pk = :p AND #r > :z"), ExpressionAttributeNames: map[string]string{"#r": "rank"},
		ExpressionAttributeValues: item{":p": s("p"), ":z": n("0")}, ConsistentRead: aws.Bool(true)})
	require.NoError(t, err)
	assert.Equal(t, []item{{"pk": s("p"), "sk": s("b"), "rank": n("1")}, {"pk": s("p"), "sk": s("a"), "rank": n("3")}}, out.Items)

	// A local index fetches the attributes it does not project from the table.
	out, err = client.Query(ctx, &dynamodb.QueryInput{TableName: aws.String(name), IndexName: aws.String("byRank"), Select: types.SelectAllAttributes,
		KeyConditionExpression: aws.String("pk = :p"), ExpressionAttributeValues: item{":p": s("p")}})
	require.NoError(t, err)
	require.Len(t, out.Items, 2)
	assert.Equal(t, s("2"), out.Items[0]["x"])
}
