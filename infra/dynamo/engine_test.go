package dynamo_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/infra/dynamo"
	"github.com/hapihub/hapihub/infra/dynamo/dynamotest"
)

type item = map[string]types.AttributeValue

func s(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
func n(v string) types.AttributeValue { return &types.AttributeValueMemberN{Value: v} }

func createTable(t testing.TB, c *dynamodb.Client, name string, withGSI bool) {
	t.Helper()
	in := &dynamodb.CreateTableInput{
		TableName:   aws.String(name),
		BillingMode: types.BillingModePayPerRequest,
		KeySchema: []types.KeySchemaElement{
			{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String("sk"), KeyType: types.KeyTypeRange},
		},
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("sk"), AttributeType: types.ScalarAttributeTypeN},
		},
	}
	if withGSI {
		in.AttributeDefinitions = append(in.AttributeDefinitions, types.AttributeDefinition{AttributeName: aws.String("g"), AttributeType: types.ScalarAttributeTypeS})
		in.GlobalSecondaryIndexes = []types.GlobalSecondaryIndex{{IndexName: aws.String("byG"),
			KeySchema:  []types.KeySchemaElement{{AttributeName: aws.String("g"), KeyType: types.KeyTypeHash}},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll}}}
	}
	_, err := c.CreateTable(context.Background(), in)
	require.NoError(t, err)
}

func TestTTLSweep(t *testing.T) {
	clock := dynamotest.NewClock(time.Unix(1_800_000_000, 0))
	e, endpoint := dynamotest.Start(t, t.TempDir(), dynamo.Options{NoSync: true, TTLInterval: -1, Now: clock.Now})
	c := dynamotest.Client(endpoint)
	ctx := context.Background()
	createTable(t, c, "ttl", true)
	_, err := c.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{TableName: aws.String("ttl"),
		TimeToLiveSpecification: &types.TimeToLiveSpecification{AttributeName: aws.String("exp"), Enabled: aws.Bool(true)}})
	require.NoError(t, err)
	now := clock.Now().Unix()
	items := []struct {
		sk  string
		exp types.AttributeValue // nil: no TTL attribute
		del bool
	}{
		{"1", n(strconv.FormatInt(now-10, 10)), true},
		{"2", n(strconv.FormatInt(now+10, 10)), false},
		{"3", s(strconv.FormatInt(now-10, 10)), false}, // not a Number: ignored
		{"4", nil, false}, // no attribute
		{"5", n(strconv.FormatInt(now-6*365*86400, 10)), false}, // over five years old: ignored, as on AWS
		{"6", n(strconv.FormatInt(now, 10) + ".5"), false},
	}
	for _, it := range items {
		v := item{"pk": s("p"), "sk": n(it.sk), "g": s("x")}
		if it.exp != nil {
			v["exp"] = it.exp
		}
		_, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("ttl"), Item: v})
		require.NoError(t, err)
	}
	deleted, err := e.SweepTTL(clock.Now())
	require.NoError(t, err)
	assert.Equal(t, 1, deleted)
	for _, it := range items {
		out, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("ttl"), Key: item{"pk": s("p"), "sk": n(it.sk)}})
		require.NoError(t, err)
		assert.Equal(t, it.del, out.Item == nil, "item %s", it.sk)
	}
	// The index lost the expired item too.
	q, err := c.Query(ctx, &dynamodb.QueryInput{TableName: aws.String("ttl"), IndexName: aws.String("byG"),
		KeyConditionExpression: aws.String("g = :g"), ExpressionAttributeValues: item{":g": s("x")}})
	require.NoError(t, err)
	assert.Equal(t, int32(5), q.Count)

	clock.Advance(20 * time.Second)
	deleted, err = e.SweepTTL(clock.Now())
	require.NoError(t, err)
	assert.Equal(t, 2, deleted, "items 2 and 6 expire later")
}

func TestTTLBackgroundSweeper(t *testing.T) {
	clock := dynamotest.NewClock(time.Unix(1_800_000_000, 0))
	_, endpoint := dynamotest.Start(t, t.TempDir(), dynamo.Options{NoSync: true, TTLInterval: 5 * time.Millisecond, Now: clock.Now})
	c := dynamotest.Client(endpoint)
	ctx := context.Background()
	createTable(t, c, "ttl", false)
	_, err := c.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{TableName: aws.String("ttl"),
		TimeToLiveSpecification: &types.TimeToLiveSpecification{AttributeName: aws.String("exp"), Enabled: aws.Bool(true)}})
	require.NoError(t, err)
	_, err = c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("ttl"), Item: item{"pk": s("p"), "sk": n("1"), "exp": n(strconv.FormatInt(clock.Now().Unix()-1, 10))}})
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		out, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("ttl"), Key: item{"pk": s("p"), "sk": n("1")}})
		return err == nil && out.Item == nil
	}, 2*time.Second, 5*time.Millisecond)
}

func TestRestartKeepsData(t *testing.T) {
	dir := t.TempDir()
	e, err := dynamo.Open(dir, dynamo.Options{TTLInterval: -1})
	require.NoError(t, err)
	endpoint, err := dynamo.Serve(context.Background(), "127.0.0.1:0", e)
	require.NoError(t, err)
	c := dynamotest.Client(endpoint)
	ctx := context.Background()
	createTable(t, c, "keep", true)
	_, err = c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("keep"), Item: item{"pk": s("p"), "sk": n("1"), "g": s("x")}})
	require.NoError(t, err)
	require.NoError(t, e.Close())
	_, err = c.ListTables(ctx, &dynamodb.ListTablesInput{})
	require.Error(t, err, "the server stops with the engine")

	_, endpoint = dynamotest.Start(t, dir, dynamo.Options{TTLInterval: -1})
	c = dynamotest.Client(endpoint)
	out, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("keep"), Key: item{"pk": s("p"), "sk": n("1")}})
	require.NoError(t, err)
	assert.Equal(t, item{"pk": s("p"), "sk": n("1"), "g": s("x")}, out.Item)
	q, err := c.Query(ctx, &dynamodb.QueryInput{TableName: aws.String("keep"), IndexName: aws.String("byG"),
		KeyConditionExpression: aws.String("g = :g"), ExpressionAttributeValues: item{":g": s("x")}})
	require.NoError(t, err)
	assert.Equal(t, int32(1), q.Count)
	d, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("keep")})
	require.NoError(t, err)
	assert.Equal(t, int64(1), aws.ToInt64(d.Table.ItemCount))
	assert.Equal(t, int64(1), aws.ToInt64(d.Table.GlobalSecondaryIndexes[0].ItemCount))
}

func TestServeStopsWithContext(t *testing.T) {
	e, err := dynamo.Open(t.TempDir(), dynamo.Options{NoSync: true, TTLInterval: -1})
	require.NoError(t, err)
	t.Cleanup(func() { _ = e.Close() })
	ctx, cancel := context.WithCancel(context.Background())
	endpoint, err := dynamo.Serve(ctx, "127.0.0.1:0", e)
	require.NoError(t, err)
	c := dynamotest.Client(endpoint)
	_, err = c.ListTables(context.Background(), &dynamodb.ListTablesInput{})
	require.NoError(t, err)
	cancel()
	require.Eventually(t, func() bool {
		_, err := c.ListTables(context.Background(), &dynamodb.ListTablesInput{})
		return err != nil
	}, 2*time.Second, 5*time.Millisecond)
}
