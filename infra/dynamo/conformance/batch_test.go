package conformance

import (
	"context"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestBatchWriteAndGet(t *testing.T) {
	t1 := createTable(t, tableSpec{hash: "pk:S"})
	t2 := createTable(t, tableSpec{hash: "id:N"})
	ctx := context.Background()
	put(t, t1, item{"pk": s("gone")})
	out, err := client.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{
		t1: {
			{PutRequest: &types.PutRequest{Item: item{"pk": s("a"), "v": n("1")}}},
			{PutRequest: &types.PutRequest{Item: item{"pk": s("b"), "v": n("2")}}},
			{DeleteRequest: &types.DeleteRequest{Key: item{"pk": s("gone")}}},
		},
		t2: {{PutRequest: &types.PutRequest{Item: item{"id": n("7")}}}},
	}})
	require.NoError(t, err)
	assert.Empty(t, out.UnprocessedItems)
	assert.Nil(t, get(t, t1, item{"pk": s("gone")}))

	got, err := client.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{
		t1: {Keys: []item{{"pk": s("a")}, {"pk": s("b")}, {"pk": s("missing")}}, ProjectionExpression: aws.String("v")},
		t2: {Keys: []item{{"id": n("7.0")}}, ConsistentRead: aws.Bool(true)},
	}})
	require.NoError(t, err)
	assert.Empty(t, got.UnprocessedKeys)
	assert.ElementsMatch(t, []item{{"v": n("1")}, {"v": n("2")}}, got.Responses[t1])
	assert.Equal(t, []item{{"id": n("7")}}, got.Responses[t2])
}

func TestBatchErrors(t *testing.T) {
	table := createTable(t, tableSpec{hash: "pk:S"})
	ctx := context.Background()
	puts := func(k int) []types.WriteRequest {
		var out []types.WriteRequest
		for i := range k {
			out = append(out, types.WriteRequest{PutRequest: &types.PutRequest{Item: item{"pk": s(fmt.Sprint(i))}}})
		}
		return out
	}
	keys := func(k int) []item {
		var out []item
		for i := range k {
			out = append(out, item{"pk": s(fmt.Sprint(i))})
		}
		return out
	}
	cases := []struct {
		name string
		call func() error
		code string
		msg  string
	}{
		{"26 writes", func() error {
			_, err := client.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{table: puts(26)}})
			return err
		}, "ValidationException", ""},
		{"duplicate write keys", func() error {
			_, err := client.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{table: append(puts(2), puts(1)...)}})
			return err
		}, "ValidationException", "duplicates"},
		{"101 gets", func() error {
			_, err := client.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{table: {Keys: keys(101)}}})
			return err
		}, "ValidationException", ""},
		{"duplicate get keys", func() error {
			_, err := client.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{table: {Keys: append(keys(2), keys(1)...)}}})
			return err
		}, "ValidationException", "duplicates"},
		{"missing table", func() error {
			_, err := client.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{table + "-nope": puts(1)}})
			return err
		}, "ResourceNotFoundException", ""},
		{"bad key in one request", func() error {
			reqs := append(puts(3), types.WriteRequest{PutRequest: &types.PutRequest{Item: item{"pk": n("1")}}})
			_, err := client.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{table: reqs}})
			return err
		}, "ValidationException", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			requireAPIError(t, tc.call(), tc.code, tc.msg)
		})
	}
	assert.Equal(t, int32(0), scanCount(t, table), "rejected batches write nothing")
}

func TestTransactWriteItems(t *testing.T) {
	table := createTable(t, tableSpec{hash: "pk:S"})
	ctx := context.Background()
	put(t, table, item{"pk": s("balance"), "v": n("10")})
	put(t, table, item{"pk": s("gone"), "v": n("1")})
	_, err := client.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: &types.Put{TableName: aws.String(table), Item: item{"pk": s("new"), "v": n("1")}, ConditionExpression: aws.String("attribute_not_exists(pk)")}},
		{Update: &types.Update{TableName: aws.String(table), Key: item{"pk": s("balance")}, UpdateExpression: aws.String("SET v = v - :one"),
			ConditionExpression: aws.String("v >= :one"), ExpressionAttributeValues: item{":one": n("1")}}},
		{Delete: &types.Delete{TableName: aws.String(table), Key: item{"pk": s("gone")}}},
		{ConditionCheck: &types.ConditionCheck{TableName: aws.String(table), Key: item{"pk": s("absent")}, ConditionExpression: aws.String("attribute_not_exists(pk)")}},
	}})
	require.NoError(t, err)
	assert.Equal(t, n("9"), get(t, table, item{"pk": s("balance")})["v"])
	assert.NotNil(t, get(t, table, item{"pk": s("new")}))
	assert.Nil(t, get(t, table, item{"pk": s("gone")}))

	// One failed condition cancels everything; reasons come in request order.
	_, err = client.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: &types.Put{TableName: aws.String(table), Item: item{"pk": s("other"), "v": n("1")}}},
		{Update: &types.Update{TableName: aws.String(table), Key: item{"pk": s("balance")}, UpdateExpression: aws.String("SET v = :z"),
			ConditionExpression: aws.String("v > :big"), ExpressionAttributeValues: item{":z": n("0"), ":big": n("100")},
			ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld}},
		{ConditionCheck: &types.ConditionCheck{TableName: aws.String(table), Key: item{"pk": s("new")}, ConditionExpression: aws.String("attribute_not_exists(pk)")}},
	}})
	var tce *types.TransactionCanceledException
	require.ErrorAs(t, err, &tce)
	require.Len(t, tce.CancellationReasons, 3)
	assert.Equal(t, "None", aws.ToString(tce.CancellationReasons[0].Code))
	assert.Equal(t, "ConditionalCheckFailed", aws.ToString(tce.CancellationReasons[1].Code))
	assert.Equal(t, item{"pk": s("balance"), "v": n("9")}, tce.CancellationReasons[1].Item)
	assert.Equal(t, "ConditionalCheckFailed", aws.ToString(tce.CancellationReasons[2].Code))
	assert.Nil(t, tce.CancellationReasons[2].Item)
	assert.Nil(t, get(t, table, item{"pk": s("other")}))
	assert.Equal(t, n("9"), get(t, table, item{"pk": s("balance")})["v"])
}

func TestTransactWriteErrors(t *testing.T) {
	table := createTable(t, tableSpec{hash: "pk:S"})
	ctx := context.Background()
	var many []types.TransactWriteItem
	for i := range 101 {
		many = append(many, types.TransactWriteItem{Put: &types.Put{TableName: aws.String(table), Item: item{"pk": s(fmt.Sprint(i))}}})
	}
	_, err := client.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: many})
	requireAPIError(t, err, "ValidationException", "100")

	_, err = client.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: &types.Put{TableName: aws.String(table), Item: item{"pk": s("x")}}},
		{Delete: &types.Delete{TableName: aws.String(table), Key: item{"pk": s("x")}}},
	}})
	requireAPIError(t, err, "ValidationException", "multiple operations on one item")
	assert.Equal(t, int32(0), scanCount(t, table))

	// The 100-action maximum itself is accepted.
	_, err = client.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: many[:100]})
	require.NoError(t, err)
	assert.Equal(t, int32(100), scanCount(t, table))
}

func TestTransactIdempotency(t *testing.T) {
	table := createTable(t, tableSpec{hash: "pk:S"})
	ctx := context.Background()
	in := func(v string) *dynamodb.TransactWriteItemsInput {
		return &dynamodb.TransactWriteItemsInput{ClientRequestToken: aws.String("token-" + table), TransactItems: []types.TransactWriteItem{
			{Update: &types.Update{TableName: aws.String(table), Key: item{"pk": s("c")}, UpdateExpression: aws.String("ADD n :v"), ExpressionAttributeValues: item{":v": n(v)}}},
		}}
	}
	_, err := client.TransactWriteItems(ctx, in("1"))
	require.NoError(t, err)
	_, err = client.TransactWriteItems(ctx, in("1"))
	require.NoError(t, err)
	assert.Equal(t, n("1"), get(t, table, item{"pk": s("c")})["n"], "a replay with the same token is not applied twice")
	_, err = client.TransactWriteItems(ctx, in("2"))
	requireAPIError(t, err, "IdempotentParameterMismatchException", "")
	assert.Equal(t, n("1"), get(t, table, item{"pk": s("c")})["n"])
}

func TestTransactGetItems(t *testing.T) {
	table := createTable(t, tableSpec{hash: "pk:S"})
	put(t, table, item{"pk": s("a"), "x": n("1"), "y": n("2")})
	out, err := client.TransactGetItems(context.Background(), &dynamodb.TransactGetItemsInput{TransactItems: []types.TransactGetItem{
		{Get: &types.Get{TableName: aws.String(table), Key: item{"pk": s("a")}, ProjectionExpression: aws.String("y")}},
		{Get: &types.Get{TableName: aws.String(table), Key: item{"pk": s("missing")}}},
	}})
	require.NoError(t, err)
	require.Len(t, out.Responses, 2)
	assert.Equal(t, item{"y": n("2")}, out.Responses[0].Item)
	assert.Nil(t, out.Responses[1].Item)
	_, err = client.TransactGetItems(context.Background(), &dynamodb.TransactGetItemsInput{TransactItems: []types.TransactGetItem{
		{Get: &types.Get{TableName: aws.String(table), Key: item{"pk": s("a")}}},
		{Get: &types.Get{TableName: aws.String(table), Key: item{"pk": s("a")}}},
	}})
	requireAPIError(t, err, "ValidationException", "")
}

func TestBatchGetReturnsUnprocessedKeysPast16MB(t *testing.T) {
	table := createTable(t, tableSpec{hash: "pk:S"})
	ctx := context.Background()
	blob := make([]byte, 390*1024)
	var keys []item
	for i := range 60 { // about 23 MB in all
		k := fmt.Sprintf("k%02d", i)
		put(t, table, item{"pk": s(k), "blob": b(blob)})
		keys = append(keys, item{"pk": s(k)})
	}
	got := map[string]bool{}
	pending := map[string]types.KeysAndAttributes{table: {Keys: keys, ConsistentRead: aws.Bool(true)}}
	rounds := 0
	for len(pending) > 0 {
		out, err := client.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: pending})
		require.NoError(t, err)
		for _, it := range out.Responses[table] {
			k := it["pk"].(*types.AttributeValueMemberS).Value
			assert.False(t, got[k], "%s returned twice", k)
			got[k] = true
		}
		pending = out.UnprocessedKeys
		rounds++
		require.Less(t, rounds, 10)
	}
	assert.Len(t, got, 60)
	assert.GreaterOrEqual(t, rounds, 2, "16 MB cannot hold 60 items of 390 KB")
}
