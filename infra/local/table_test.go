package local

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/infra/dynamo/dynamotest"
	"github.com/hapihub/hapihub/infra/template"
)

func TestEnsureTable(t *testing.T) {
	ctx := context.Background()
	db := dynamotest.New(t)
	src, err := os.ReadFile("../../template.yaml")
	require.NoError(t, err)
	tpl, err := template.Parse(src)
	require.NoError(t, err)

	require.NoError(t, EnsureTable(ctx, db, tpl.Table, "local-t1"))
	out, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("local-t1")})
	require.NoError(t, err)
	want := tpl.Table.CreateTableInput("local-t1")
	assert.Equal(t, want.KeySchema, out.Table.KeySchema)
	require.Len(t, out.Table.GlobalSecondaryIndexes, len(want.GlobalSecondaryIndexes))
	for i, g := range want.GlobalSecondaryIndexes {
		assert.Equal(t, aws.ToString(g.IndexName), aws.ToString(out.Table.GlobalSecondaryIndexes[i].IndexName))
		assert.Equal(t, g.KeySchema, out.Table.GlobalSecondaryIndexes[i].KeySchema)
	}
	if tpl.Table.TTLAttribute != "" {
		ttl, err := db.DescribeTimeToLive(ctx, &dynamodb.DescribeTimeToLiveInput{TableName: aws.String("local-t1")})
		require.NoError(t, err)
		assert.Equal(t, tpl.Table.TTLAttribute, aws.ToString(ttl.TimeToLiveDescription.AttributeName))
	}
	require.NoError(t, EnsureTable(ctx, db, tpl.Table, "local-t1"), "an existing table is left as it is")

	// The template gains an index: the runner adds it, or says how to start afresh.
	grown := strings.Replace(string(src), "      GlobalSecondaryIndexes:\n", "      GlobalSecondaryIndexes:\n        - IndexName: Extra\n          KeySchema: [{AttributeName: SK, KeyType: HASH}]\n          Projection: {ProjectionType: KEYS_ONLY}\n", 1)
	require.NotEqual(t, string(src), grown)
	tpl2, err := template.Parse([]byte(grown))
	require.NoError(t, err)
	err = EnsureTable(ctx, db, tpl2.Table, "local-t1")
	if err != nil {
		assert.ErrorContains(t, err, "lacks index Extra")
		assert.ErrorContains(t, err, "delete the data dir")
	} else {
		out, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("local-t1")})
		require.NoError(t, err)
		assert.Len(t, out.Table.GlobalSecondaryIndexes, len(want.GlobalSecondaryIndexes)+1)
	}
}
