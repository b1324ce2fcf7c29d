package conformance

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sized returns an item of exactly size bytes in DynamoDB's arithmetic
// (attribute names plus values), keyed pk=key.
func sized(key string, size int) item {
	// "pk" + key + "data" + payload
	pad := size - 2 - len(key) - 4
	return item{"pk": s(key), "data": s(strings.Repeat("x", pad))}
}

func units(c *types.ConsumedCapacity) float64 {
	if c == nil {
		return -1
	}
	return aws.ToFloat64(c.CapacityUnits)
}

func TestConsumedCapacityReads(t *testing.T) {
	table := createTable(t, tableSpec{hash: "pk:S"})
	put(t, table, sized("small", 1000))
	put(t, table, sized("exact", 4096))
	put(t, table, sized("big", 4097))
	ctx := context.Background()
	cases := []struct {
		key        string
		consistent bool
		want       float64
	}{
		{"small", true, 1}, {"small", false, 0.5},
		{"exact", true, 1}, {"big", true, 2}, {"big", false, 1},
		{"missing", true, 1}, {"missing", false, 0.5},
	}
	for _, tc := range cases {
		t.Run(tc.key+"/"+strconv.FormatBool(tc.consistent), func(t *testing.T) {
			out, err := client.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(table), Key: item{"pk": s(tc.key)},
				ConsistentRead: aws.Bool(tc.consistent), ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal})
			require.NoError(t, err)
			assert.Equal(t, tc.want, units(out.ConsumedCapacity))
			assert.Equal(t, table, aws.ToString(out.ConsumedCapacity.TableName))
		})
	}
	// BatchGetItem rounds each item up separately: 3 items -> 1 + 1 + 2.
	out, err := client.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal,
		RequestItems: map[string]types.KeysAndAttributes{table: {ConsistentRead: aws.Bool(true), Keys: []item{{"pk": s("small")}, {"pk": s("exact")}, {"pk": s("big")}}}}})
	require.NoError(t, err)
	require.Len(t, out.ConsumedCapacity, 1)
	assert.Equal(t, 4.0, units(&out.ConsumedCapacity[0]))
	// TransactGetItems costs twice a strongly consistent read.
	tg, err := client.TransactGetItems(ctx, &dynamodb.TransactGetItemsInput{ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal,
		TransactItems: []types.TransactGetItem{{Get: &types.Get{TableName: aws.String(table), Key: item{"pk": s("small")}}}, {Get: &types.Get{TableName: aws.String(table), Key: item{"pk": s("big")}}}}})
	require.NoError(t, err)
	require.Len(t, tg.ConsumedCapacity, 1)
	assert.Equal(t, 6.0, units(&tg.ConsumedCapacity[0]))
}

func TestConsumedCapacityQueryAndScan(t *testing.T) {
	table := createTable(t, tableSpec{hash: "pk:S", rng: "sk:N"})
	// Ten items of 1000 bytes each: 10,000 bytes read is 3 units of 4 KB.
	for i := range 10 {
		sk := strconv.Itoa(i)
		put(t, table, item{"pk": s("p"), "sk": n(sk), "data": s(strings.Repeat("x", 1000-2-1-2-2-4))})
	}
	ctx := context.Background()
	q := func(consistent bool, filter *string, values item) *dynamodb.QueryOutput {
		vals := item{":p": s("p")}
		for k, v := range values {
			vals[k] = v
		}
		var names map[string]string
		if filter != nil {
			names = map[string]string{"#d": "data"}
		}
		out, err := client.Query(ctx, &dynamodb.QueryInput{TableName: aws.String(table), KeyConditionExpression: aws.String("pk = :p"),
			FilterExpression: filter, ExpressionAttributeNames: names, ExpressionAttributeValues: vals, ConsistentRead: aws.Bool(consistent), ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal})
		require.NoError(t, err)
		return out
	}
	assert.Equal(t, 3.0, units(q(true, nil, nil).ConsumedCapacity))
	assert.Equal(t, 1.5, units(q(false, nil, nil).ConsumedCapacity))
	// A filter does not reduce what was read.
	filtered := q(true, aws.String("#d = :none"), item{":none": s("nothing")})
	assert.Equal(t, int32(0), filtered.Count)
	assert.Equal(t, 3.0, units(filtered.ConsumedCapacity))
	scan, err := client.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String(table), ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal})
	require.NoError(t, err)
	assert.Equal(t, 1.5, units(scan.ConsumedCapacity))
}

func TestConsumedCapacityWrites(t *testing.T) {
	table := createTable(t, tableSpec{hash: "pk:S", gsis: []gsiSpec{{name: "byG", hash: "g:S", projection: types.ProjectionTypeKeysOnly}}})
	ctx := context.Background()
	putCap := func(it item) *types.ConsumedCapacity {
		out, err := client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: it, ReturnConsumedCapacity: types.ReturnConsumedCapacityIndexes})
		require.NoError(t, err)
		return out.ConsumedCapacity
	}
	c := putCap(sized("a", 1500))
	assert.Equal(t, 2.0, units(c), "1.5 KB is 2 write units")
	assert.Equal(t, 2.0, aws.ToFloat64(c.Table.CapacityUnits))
	assert.Empty(t, c.GlobalSecondaryIndexes, "item not in the sparse index")

	// Replacing a 3 KB item with a small one costs the larger of the two.
	putCap(sized("b", 3000))
	assert.Equal(t, 3.0, units(putCap(item{"pk": s("b")})))

	// An item entering the index costs one index write.
	withG := sized("c", 500)
	withG["g"] = s("one")
	c = putCap(withG)
	assert.Equal(t, 2.0, units(c))
	assert.Equal(t, 1.0, aws.ToFloat64(c.GlobalSecondaryIndexes["byG"].CapacityUnits))

	// Changing the index key is a delete and a put in the index.
	up, err := client.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String(table), Key: item{"pk": s("c")},
		UpdateExpression: aws.String("SET g = :g"), ExpressionAttributeValues: item{":g": s("two")}, ReturnConsumedCapacity: types.ReturnConsumedCapacityIndexes})
	require.NoError(t, err)
	assert.Equal(t, 1.0, aws.ToFloat64(up.ConsumedCapacity.Table.CapacityUnits))
	assert.Equal(t, 2.0, aws.ToFloat64(up.ConsumedCapacity.GlobalSecondaryIndexes["byG"].CapacityUnits))
	assert.Equal(t, 3.0, units(up.ConsumedCapacity))

	// A change to an attribute a KEYS_ONLY index does not hold writes nothing there.
	up, err = client.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String(table), Key: item{"pk": s("c")},
		UpdateExpression: aws.String("SET extra1 = :o"), ExpressionAttributeValues: item{":o": s("x")}, ReturnConsumedCapacity: types.ReturnConsumedCapacityIndexes})
	require.NoError(t, err)
	assert.Equal(t, 1.0, units(up.ConsumedCapacity))

	del, err := client.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(table), Key: item{"pk": s("c")}, ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal})
	require.NoError(t, err)
	assert.Equal(t, 2.0, units(del.ConsumedCapacity), "table write plus index delete")

	// Transactional writes cost double.
	tw, err := client.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal,
		TransactItems: []types.TransactWriteItem{{Put: &types.Put{TableName: aws.String(table), Item: sized("t", 1500)}}}})
	require.NoError(t, err)
	require.Len(t, tw.ConsumedCapacity, 1)
	assert.Equal(t, 4.0, units(&tw.ConsumedCapacity[0]))

	// The transactional factor applies to the table's write only: the index's write costs what
	// it costs outside a transaction (as measured against DynamoDB in
	// github.com/nubo-db/dynoxide/pull/188).
	inIndex := sized("t3", 500)
	inIndex["g"] = s("three")
	tw, err = client.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{ReturnConsumedCapacity: types.ReturnConsumedCapacityIndexes,
		TransactItems: []types.TransactWriteItem{{Put: &types.Put{TableName: aws.String(table), Item: inIndex}}}})
	require.NoError(t, err)
	require.Len(t, tw.ConsumedCapacity, 1)
	assert.Equal(t, 2.0, aws.ToFloat64(tw.ConsumedCapacity[0].Table.CapacityUnits))
	assert.Equal(t, 1.0, aws.ToFloat64(tw.ConsumedCapacity[0].GlobalSecondaryIndexes["byG"].CapacityUnits))
	assert.Equal(t, 3.0, units(&tw.ConsumedCapacity[0]))

	// A condition check is a transactional read of the item, reported as read units.
	tw, err = client.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal,
		TransactItems: []types.TransactWriteItem{
			{Put: &types.Put{TableName: aws.String(table), Item: sized("t2", 1500)}},
			{ConditionCheck: &types.ConditionCheck{TableName: aws.String(table), Key: item{"pk": s("a")}, ConditionExpression: aws.String("attribute_exists(pk)")}},
		}})
	require.NoError(t, err)
	require.Len(t, tw.ConsumedCapacity, 1)
	assert.Equal(t, 6.0, units(&tw.ConsumedCapacity[0]))
	assert.Equal(t, 4.0, aws.ToFloat64(tw.ConsumedCapacity[0].WriteCapacityUnits))
	assert.Equal(t, 2.0, aws.ToFloat64(tw.ConsumedCapacity[0].ReadCapacityUnits))
}
