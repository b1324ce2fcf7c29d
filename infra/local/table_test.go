package local

import (
	"context"
	"maps"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
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
}

// A data dir made with an older template: EnsureTable brings the indexes in line with the
// template, and the items already there can be found through the indexes it added.
func TestEnsureTableUpdatesIndexes(t *testing.T) {
	src, err := os.ReadFile("../../template.yaml")
	require.NoError(t, err)
	tpl, err := template.Parse(src)
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(tpl.Table.GlobalSecondaryIndexes), 3)

	cases := []struct {
		name string
		old  func(in *dynamodb.CreateTableInput) // turns the template's table into the old one
	}{
		{"indexes added since", func(in *dynamodb.CreateTableInput) {
			in.GlobalSecondaryIndexes = in.GlobalSecondaryIndexes[:2]
		}},
		{"index removed since", func(in *dynamodb.CreateTableInput) {
			in.AttributeDefinitions = append(in.AttributeDefinitions, types.AttributeDefinition{AttributeName: aws.String("OldPK"), AttributeType: types.ScalarAttributeTypeN})
			in.GlobalSecondaryIndexes = append(in.GlobalSecondaryIndexes, types.GlobalSecondaryIndex{IndexName: aws.String("Old"),
				KeySchema:  []types.KeySchemaElement{{AttributeName: aws.String("OldPK"), KeyType: types.KeyTypeHash}},
				Projection: &types.Projection{ProjectionType: types.ProjectionTypeKeysOnly}})
		}},
		{"projection changed since", func(in *dynamodb.CreateTableInput) {
			in.GlobalSecondaryIndexes[0].Projection = &types.Projection{ProjectionType: types.ProjectionTypeKeysOnly}
		}},
		{"slot indexes keyed by their own partition attribute (before issue 18)", func(in *dynamodb.CreateTableInput) {
			// GSI2.. were keyed by GSI<n>PK; they are keyed by the table's PK now (docs/query.md).
			for i, g := range in.GlobalSecondaryIndexes {
				if aws.ToString(g.KeySchema[0].AttributeName) != "PK" {
					continue
				}
				old := strings.TrimSuffix(aws.ToString(g.KeySchema[1].AttributeName), "SK") + "PK"
				ks := slices.Clone(g.KeySchema)
				ks[0].AttributeName = aws.String(old)
				in.GlobalSecondaryIndexes[i].KeySchema = ks
				in.AttributeDefinitions = append(in.AttributeDefinitions, types.AttributeDefinition{AttributeName: aws.String(old), AttributeType: types.ScalarAttributeTypeS})
			}
		}},
		{"key type changed since", func(in *dynamodb.CreateTableInput) {
			// The first index's sort key was a number; no other index uses it.
			sk := aws.ToString(in.GlobalSecondaryIndexes[0].KeySchema[len(in.GlobalSecondaryIndexes[0].KeySchema)-1].AttributeName)
			for i, d := range in.AttributeDefinitions {
				if aws.ToString(d.AttributeName) == sk {
					in.AttributeDefinitions[i].AttributeType = types.ScalarAttributeTypeN
				}
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			db := dynamotest.New(t)
			in := tpl.Table.CreateTableInput("local-old")
			tc.old(in)
			in.AttributeDefinitions = usedDefinitions(in)
			_, err := db.CreateTable(ctx, in)
			require.NoError(t, err)

			// One item carrying a value for every key attribute, typed as the template says.
			it := map[string]types.AttributeValue{}
			for _, d := range tpl.Table.AttributeDefinitions {
				v := types.AttributeValue(&types.AttributeValueMemberS{Value: "v-" + aws.ToString(d.AttributeName)})
				if d.AttributeType == types.ScalarAttributeTypeN {
					v = &types.AttributeValueMemberN{Value: "1"}
				}
				it[aws.ToString(d.AttributeName)] = v
			}
			it["Body"] = &types.AttributeValueMemberS{Value: "kept"}
			// The old table refuses values of the template's type for a key it typed otherwise.
			before := maps.Clone(it)
			for _, d := range in.AttributeDefinitions {
				if an := aws.ToString(d.AttributeName); it[an] != nil && d.AttributeType != templateType(tpl.Table, an) {
					delete(before, an)
				}
			}
			_, err = db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("local-old"), Item: before})
			require.NoError(t, err)

			require.NoError(t, EnsureTable(ctx, db, tpl.Table, "local-old"))
			if len(before) < len(it) {
				_, err = db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("local-old"), Item: it})
				require.NoError(t, err, "the index now types its key as the template does")
			}

			out, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("local-old")})
			require.NoError(t, err)
			got := map[string]types.GlobalSecondaryIndexDescription{}
			for _, g := range out.Table.GlobalSecondaryIndexes {
				got[aws.ToString(g.IndexName)] = g
			}
			require.Len(t, got, len(tpl.Table.GlobalSecondaryIndexes))
			for _, g := range tpl.Table.GlobalSecondaryIndexes {
				gn := aws.ToString(g.IndexName)
				require.Contains(t, got, gn)
				assert.Equal(t, types.IndexStatusActive, got[gn].IndexStatus)
				assert.Equal(t, g.KeySchema, got[gn].KeySchema)
				assert.Equal(t, g.Projection.ProjectionType, got[gn].Projection.ProjectionType)

				hash := aws.ToString(g.KeySchema[0].AttributeName)
				q, err := db.Query(ctx, &dynamodb.QueryInput{TableName: aws.String("local-old"), IndexName: g.IndexName,
					KeyConditionExpression:    aws.String("#h = :h"),
					ExpressionAttributeNames:  map[string]string{"#h": hash},
					ExpressionAttributeValues: map[string]types.AttributeValue{":h": it[hash]}})
				require.NoError(t, err, "index %s", gn)
				require.Len(t, q.Items, 1, "index %s holds the item written before it existed", gn)
				if g.Projection.ProjectionType == types.ProjectionTypeAll {
					assert.Equal(t, it, q.Items[0], "index %s", gn)
				}
			}
			require.NoError(t, EnsureTable(ctx, db, tpl.Table, "local-old"), "a table in line with the template is left as it is")
		})
	}
}

func templateType(tbl *template.Table, name string) types.ScalarAttributeType {
	for _, d := range tbl.AttributeDefinitions {
		if aws.ToString(d.AttributeName) == name {
			return d.AttributeType
		}
	}
	return ""
}

// usedDefinitions keeps the attribute definitions some key of in uses, as CreateTable requires.
func usedDefinitions(in *dynamodb.CreateTableInput) []types.AttributeDefinition {
	used := map[string]bool{}
	for _, k := range in.KeySchema {
		used[aws.ToString(k.AttributeName)] = true
	}
	for _, g := range in.GlobalSecondaryIndexes {
		for _, k := range g.KeySchema {
			used[aws.ToString(k.AttributeName)] = true
		}
	}
	var out []types.AttributeDefinition
	for _, d := range in.AttributeDefinitions {
		if used[aws.ToString(d.AttributeName)] {
			out = append(out, d)
		}
	}
	return out
}
