package dynamo

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/require"
	bolt "go.etcd.io/bbolt"

	"github.com/hapihub/hapihub/shared/sdkhttp"
)

// TestAllIndexEntriesAreReferences: an ALL index stores a reference to the table's item, not a
// copy, and still answers queries with the item as it is now (after updates that keep or move
// its index key), with the item's size in the capacity arithmetic; an entry stored as a full
// copy by an earlier version is still read.
func TestAllIndexEntriesAreReferences(t *testing.T) {
	e, err := Open(t.TempDir(), Options{NoSync: true, TTLInterval: -1})
	require.NoError(t, err)
	srv := httptest.NewServer(e.Handler())
	t.Cleanup(func() { srv.Close(); _ = e.Close() })
	c := dynamodb.New(dynamodb.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), HTTPClient: sdkhttp.New(),
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""), RetryMaxAttempts: 1})
	ctx := context.Background()
	sv := func(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
	_, err = c.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName: aws.String("refs"), BillingMode: types.BillingModePayPerRequest,
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}},
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS}, {AttributeName: aws.String("g"), AttributeType: types.ScalarAttributeTypeS}},
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{{IndexName: aws.String("byG"),
			KeySchema:  []types.KeySchemaElement{{AttributeName: aws.String("g"), KeyType: types.KeyTypeHash}},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll}}},
	})
	require.NoError(t, err)
	body := strings.Repeat("x", 3000)
	put := func(pk, g, v string) {
		_, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("refs"), Item: map[string]types.AttributeValue{"pk": sv(pk), "g": sv(g), "v": sv(v), "body": sv(body)}})
		require.NoError(t, err)
	}
	query := func(g string) []string {
		out, err := c.Query(ctx, &dynamodb.QueryInput{TableName: aws.String("refs"), IndexName: aws.String("byG"),
			KeyConditionExpression: aws.String("g = :g"), ExpressionAttributeValues: map[string]types.AttributeValue{":g": sv(g)},
			ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal})
		require.NoError(t, err)
		// One item of ~3 KB, eventually consistent: 0.5 units, as for a copy.
		if len(out.Items) > 0 {
			require.InDelta(t, 0.5*float64(len(out.Items)), aws.ToFloat64(out.ConsumedCapacity.CapacityUnits), 0.01)
		}
		var vs []string
		for _, it := range out.Items {
			require.Equal(t, body, it["body"].(*types.AttributeValueMemberS).Value)
			vs = append(vs, it["pk"].(*types.AttributeValueMemberS).Value+"="+it["v"].(*types.AttributeValueMemberS).Value)
		}
		return vs
	}
	put("a", "g1", "1")
	put("b", "g1", "1")
	put("a", "g1", "2") // same index key, new content
	put("b", "g2", "3") // index key moved
	require.Equal(t, []string{"a=2"}, query("g1"))
	require.Equal(t, []string{"b=3"}, query("g2"))

	// What the index bucket holds: references, far smaller than the items.
	var entries int
	require.NoError(t, e.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(indexBucket("refs", "byG")).ForEach(func(_, v []byte) error {
			entries++
			require.Equal(t, byte(storedRef), v[0])
			require.Less(t, len(v), 64)
			size, err := storedSize(v)
			require.NoError(t, err)
			require.Greater(t, size, 3000)
			return nil
		})
	}))
	require.Equal(t, 2, entries)

	// An entry stored as a copy (as before references) is read as the item it holds.
	require.NoError(t, e.db.Update(func(tx *bolt.Tx) error {
		ib := tx.Bucket(indexBucket("refs", "byG"))
		c := ib.Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			tk, err := refKey(v)
			require.NoError(t, err)
			tm := &tableMeta{Name: "refs", Hash: keyDef{Name: "pk", Type: "S"}}
			item, err := decodeStored(tm, tk, tx.Bucket(itemsBucket("refs")).Get(tk))
			require.NoError(t, err)
			full, err := encodeItem(item) // as earlier versions stored an ALL entry
			require.NoError(t, err)
			if err := ib.Put(append([]byte(nil), k...), full); err != nil {
				return err
			}
		}
		return nil
	}))
	require.Equal(t, []string{"a=2"}, query("g1"))
	require.Equal(t, []string{"b=3"}, query("g2"))
	put("a", "g2", "4") // rewrites a copy-holding entry as a reference
	require.Equal(t, []string{"a=4", "b=3"}, query("g2"))
	require.Empty(t, query("g1"))
}
