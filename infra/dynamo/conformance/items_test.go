package conformance

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPutGetAllTypes(t *testing.T) {
	table := createTable(t, tableSpec{hash: "pk:S", rng: "sk:N"})
	full := item{
		"pk":   s("p"),
		"sk":   n("1"),
		"s":    s("héllo"),
		"n":    n("-12.5"),
		"big":  n("12345678901234567890123456789012345678"),
		"b":    b([]byte{0, 1, 2}),
		"t":    boolean(true),
		"null": &types.AttributeValueMemberNULL{Value: true},
		"m":    &types.AttributeValueMemberM{Value: item{"x": s("y"), "deep": &types.AttributeValueMemberL{Value: []types.AttributeValue{n("1"), s("two")}}}},
		"l":    &types.AttributeValueMemberL{Value: []types.AttributeValue{s("a"), n("2"), boolean(false)}},
		"ss":   &types.AttributeValueMemberSS{Value: []string{"a", "b"}},
		"ns":   &types.AttributeValueMemberNS{Value: []string{"1", "2.5"}},
		"bs":   &types.AttributeValueMemberBS{Value: [][]byte{{1}, {2}}},
	}
	put(t, table, full)
	got := get(t, table, item{"pk": s("p"), "sk": n("1")})
	assert.Equal(t, full, got)

	// Numbers come back in DynamoDB's canonical form.
	put(t, table, item{"pk": s("p"), "sk": n("2"), "n": n("1.50"), "e": n("1E2")})
	got = get(t, table, item{"pk": s("p"), "sk": n("2.0")})
	assert.Equal(t, n("1.5"), got["n"])
	assert.Equal(t, n("100"), got["e"])

	// Projection, with a nested path and a name placeholder.
	out, err := client.GetItem(context.Background(), &dynamodb.GetItemInput{
		TableName: aws.String(table), Key: item{"pk": s("p"), "sk": n("1")},
		ProjectionExpression:     aws.String("#s, m.x, l[1]"),
		ExpressionAttributeNames: map[string]string{"#s": "s"},
	})
	require.NoError(t, err)
	assert.Equal(t, item{"s": s("héllo"), "m": &types.AttributeValueMemberM{Value: item{"x": s("y")}}, "l": &types.AttributeValueMemberL{Value: []types.AttributeValue{n("2")}}}, out.Item)

	// A missing item is no Item, not an error.
	assert.Nil(t, get(t, table, item{"pk": s("none"), "sk": n("1")}))
}

func TestItemValidation(t *testing.T) {
	table := createTable(t, tableSpec{hash: "pk:S", rng: "sk:N"})
	put(t, table, item{"pk": s("keep"), "sk": n("1")})
	ctx := context.Background()
	big := strings.Repeat("x", 400*1024)
	cases := []struct {
		name string
		call func() error
		code string
		msg  string
	}{
		{"missing key", func() error {
			_, err := client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: item{"pk": s("a")}})
			return err
		}, "ValidationException", "Missing the key sk"},
		{"wrong key type", func() error {
			_, err := client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: item{"pk": s("a"), "sk": s("1")}})
			return err
		}, "ValidationException", "Type mismatch for key"},
		{"empty string key", func() error {
			_, err := client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: item{"pk": s(""), "sk": n("1")}})
			return err
		}, "ValidationException", "empty string"},
		{"oversized item", func() error {
			_, err := client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: item{"pk": s("a"), "sk": n("1"), "data": s(big)}})
			return err
		}, "ValidationException", "Item size has exceeded the maximum allowed size"},
		{"get with partial key", func() error {
			_, err := client.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(table), Key: item{"pk": s("a")}})
			return err
		}, "ValidationException", "The provided key element does not match the schema"},
		{"get with extra attribute", func() error {
			_, err := client.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(table), Key: item{"pk": s("a"), "sk": n("1"), "x": s("y")}})
			return err
		}, "ValidationException", "The provided key element does not match the schema"},
		{"number with 39 digits", func() error {
			_, err := client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: item{"pk": s("a"), "sk": n("1"), "x": n("123456789012345678901234567890123456789")}})
			return err
		}, "ValidationException", "significant digits"},
		{"empty set", func() error {
			_, err := client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: item{"pk": s("a"), "sk": n("1"), "x": &types.AttributeValueMemberSS{Value: []string{}}}})
			return err
		}, "ValidationException", ""},
		{"duplicate set members", func() error {
			_, err := client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: item{"pk": s("a"), "sk": n("1"), "x": &types.AttributeValueMemberSS{Value: []string{"a", "a"}}}})
			return err
		}, "ValidationException", "duplicates"},
		{"missing table", func() error {
			_, err := client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table + "-nope"), Item: item{"pk": s("a"), "sk": n("1")}})
			return err
		}, "ResourceNotFoundException", ""},
		{"update key attribute", func() error {
			_, err := client.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String(table), Key: item{"pk": s("keep"), "sk": n("1")},
				UpdateExpression: aws.String("SET sk = :v"), ExpressionAttributeValues: item{":v": n("2")}})
			return err
		}, "ValidationException", "This attribute is part of the key"},
		{"unused value", func() error {
			_, err := client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: item{"pk": s("a"), "sk": n("1")},
				ConditionExpression: aws.String("attribute_not_exists(pk)"), ExpressionAttributeValues: item{":unused": s("x")}})
			return err
		}, "ValidationException", "unused in expressions"},
		{"unused name", func() error {
			_, err := client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: item{"pk": s("a"), "sk": n("1")},
				ConditionExpression: aws.String("attribute_not_exists(pk)"), ExpressionAttributeNames: map[string]string{"#x": "x"}})
			return err
		}, "ValidationException", "unused in expressions"},
		{"undefined value", func() error {
			_, err := client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: item{"pk": s("a"), "sk": n("1")},
				ConditionExpression: aws.String("x = :missing")})
			return err
		}, "ValidationException", ":missing"},
		{"undefined name", func() error {
			_, err := client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: item{"pk": s("a"), "sk": n("1")},
				ConditionExpression: aws.String("attribute_exists(#missing)")})
			return err
		}, "ValidationException", "#missing"},
		{"syntax error", func() error {
			_, err := client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: item{"pk": s("a"), "sk": n("1")},
				ConditionExpression: aws.String("attribute_exists(")})
			return err
		}, "ValidationException", "Invalid ConditionExpression"},
		{"values without expressions", func() error {
			_, err := client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: item{"pk": s("a"), "sk": n("1")}, ExpressionAttributeValues: item{":v": s("x")}})
			return err
		}, "ValidationException", "ExpressionAttributeValues can only be specified when using expressions: ConditionExpression is null"},
		{"names without expressions", func() error {
			_, err := client.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(table), Key: item{"pk": s("a"), "sk": n("1")}, ExpressionAttributeNames: map[string]string{"#a": "a"}})
			return err
		}, "ValidationException", "ExpressionAttributeNames can only be specified when using expressions"},
		{"bad return values", func() error {
			_, err := client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: item{"pk": s("a"), "sk": n("1")}, ReturnValues: types.ReturnValueAllNew})
			return err
		}, "ValidationException", "ReturnValues can only be ALL_OLD or NONE"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			requireAPIError(t, tc.call(), tc.code, tc.msg)
		})
	}
	// No bad request wrote anything.
	assert.Equal(t, int32(1), scanCount(t, table))
	assert.Equal(t, item{"pk": s("keep"), "sk": n("1")}, get(t, table, item{"pk": s("keep"), "sk": n("1")}))
}

func TestConditionalWrites(t *testing.T) {
	table := createTable(t, tableSpec{hash: "pk:S"})
	ctx := context.Background()
	key := item{"pk": s("a")}
	put(t, table, item{"pk": s("a"), "v": n("1")})

	_, err := client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: item{"pk": s("a"), "v": n("2")}, ConditionExpression: aws.String("attribute_not_exists(pk)")})
	requireAPIError(t, err, "ConditionalCheckFailedException", "The conditional request failed")

	_, err = client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: item{"pk": s("a"), "v": n("2")},
		ConditionExpression: aws.String("attribute_not_exists(pk)"), ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld})
	var ccf *types.ConditionalCheckFailedException
	require.ErrorAs(t, err, &ccf)
	assert.Equal(t, item{"pk": s("a"), "v": n("1")}, ccf.Item)

	_, err = client.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(table), Key: key, ConditionExpression: aws.String("v > :x"), ExpressionAttributeValues: item{":x": n("5")}})
	requireAPIError(t, err, "ConditionalCheckFailedException", "")
	_, err = client.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String(table), Key: key, UpdateExpression: aws.String("SET v = :x"),
		ConditionExpression: aws.String("v = :x"), ExpressionAttributeValues: item{":x": n("5")}})
	requireAPIError(t, err, "ConditionalCheckFailedException", "")
	assert.Equal(t, item{"pk": s("a"), "v": n("1")}, get(t, table, key))

	// Conditions on a missing item see every attribute absent.
	_, err = client.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String(table), Key: item{"pk": s("new")}, UpdateExpression: aws.String("SET v = :x"),
		ConditionExpression: aws.String("attribute_exists(pk)"), ExpressionAttributeValues: item{":x": n("5")}})
	requireAPIError(t, err, "ConditionalCheckFailedException", "")
	assert.Nil(t, get(t, table, item{"pk": s("new")}))

	out, err := client.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(table), Key: key, ConditionExpression: aws.String("v = :x"),
		ExpressionAttributeValues: item{":x": n("1")}, ReturnValues: types.ReturnValueAllOld})
	require.NoError(t, err)
	assert.Equal(t, item{"pk": s("a"), "v": n("1")}, out.Attributes)
	assert.Nil(t, get(t, table, key))
}

func TestUpdateItemReturnValues(t *testing.T) {
	table := createTable(t, tableSpec{hash: "pk:S"})
	base := item{"pk": s("a"), "x": n("1"), "y": s("keep"), "gone": s("bye"), "m": &types.AttributeValueMemberM{Value: item{"in": n("1"), "other": n("9")}}}
	cases := []struct {
		rv   types.ReturnValue
		want item
	}{
		{types.ReturnValueNone, nil},
		{types.ReturnValueAllOld, base},
		{types.ReturnValueUpdatedOld, item{"x": n("1"), "gone": s("bye"), "m": &types.AttributeValueMemberM{Value: item{"in": n("1")}}}},
		{types.ReturnValueAllNew, item{"pk": s("a"), "x": n("3"), "y": s("keep"), "z": s("new"), "m": &types.AttributeValueMemberM{Value: item{"in": n("2"), "other": n("9")}}}},
		{types.ReturnValueUpdatedNew, item{"x": n("3"), "z": s("new"), "m": &types.AttributeValueMemberM{Value: item{"in": n("2")}}}},
	}
	for _, tc := range cases {
		t.Run(string(tc.rv), func(t *testing.T) {
			put(t, table, base)
			out, err := client.UpdateItem(context.Background(), &dynamodb.UpdateItemInput{
				TableName: aws.String(table), Key: item{"pk": s("a")},
				UpdateExpression:          aws.String("SET x = x + :two, z = :z, m.#in = m.#in + :one REMOVE gone"),
				ExpressionAttributeNames:  map[string]string{"#in": "in"},
				ExpressionAttributeValues: item{":two": n("2"), ":z": s("new"), ":one": n("1")},
				ReturnValues:              tc.rv,
			})
			require.NoError(t, err)
			if tc.want == nil {
				assert.Empty(t, out.Attributes)
			} else {
				assert.Equal(t, tc.want, out.Attributes)
			}
			assert.Equal(t, item{"pk": s("a"), "x": n("3"), "y": s("keep"), "z": s("new"), "m": &types.AttributeValueMemberM{Value: item{"in": n("2"), "other": n("9")}}}, get(t, table, item{"pk": s("a")}))
		})
	}
}

func TestUpdateItemActions(t *testing.T) {
	table := createTable(t, tableSpec{hash: "pk:S"})
	ctx := context.Background()
	key := item{"pk": s("u")}
	// UpdateItem on a missing item creates it from the key.
	_, err := client.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String(table), Key: key,
		UpdateExpression:          aws.String("SET l = list_append(if_not_exists(l, :empty), :one) ADD c :n, tags :t"),
		ExpressionAttributeValues: item{":empty": &types.AttributeValueMemberL{Value: []types.AttributeValue{}}, ":one": &types.AttributeValueMemberL{Value: []types.AttributeValue{s("a")}}, ":n": n("5"), ":t": &types.AttributeValueMemberSS{Value: []string{"x", "y"}}}})
	require.NoError(t, err)
	assert.Equal(t, item{"pk": s("u"), "l": &types.AttributeValueMemberL{Value: []types.AttributeValue{s("a")}}, "c": n("5"), "tags": &types.AttributeValueMemberSS{Value: []string{"x", "y"}}}, get(t, table, key))

	// Top-level REMOVE and DELETE from a set.
	_, err = client.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String(table), Key: key,
		UpdateExpression: aws.String("REMOVE l DELETE tags :x"), ExpressionAttributeValues: item{":x": &types.AttributeValueMemberSS{Value: []string{"x"}}}})
	require.NoError(t, err)
	assert.Equal(t, item{"pk": s("u"), "c": n("5"), "tags": &types.AttributeValueMemberSS{Value: []string{"y"}}}, get(t, table, key))

	// Arithmetic on a string is a ValidationException and changes nothing.
	_, err = client.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String(table), Key: key,
		UpdateExpression: aws.String("SET pk2 = c + :s"), ExpressionAttributeValues: item{":s": s("x")}})
	requireAPIError(t, err, "ValidationException", "")
	assert.Equal(t, item{"pk": s("u"), "c": n("5"), "tags": &types.AttributeValueMemberSS{Value: []string{"y"}}}, get(t, table, key))
}

func TestUpdateBeyondItemSizeLimit(t *testing.T) {
	table := createTable(t, tableSpec{hash: "pk:S"})
	half := strings.Repeat("x", 250*1024)
	put(t, table, item{"pk": s("a"), "one": s(half)})
	_, err := client.UpdateItem(context.Background(), &dynamodb.UpdateItemInput{TableName: aws.String(table), Key: item{"pk": s("a")},
		UpdateExpression: aws.String("SET two = :v"), ExpressionAttributeValues: item{":v": s(half)}})
	requireAPIError(t, err, "ValidationException", "Item size to update has exceeded the maximum allowed size")
	assert.Equal(t, item{"pk": s("a"), "one": s(half)}, get(t, table, item{"pk": s("a")}))
}

// nested is a value of levels levels (a map is one, its value the next; the leaf counts too).
func nested(levels int) types.AttributeValue {
	v := s("leaf")
	for i := 1; i < levels; i++ {
		v = &types.AttributeValueMemberM{Value: item{"n": v}}
	}
	return v
}

// DynamoDB nests documents 32 levels deep, the attribute being level 1: deeper is a
// ValidationException on PutItem, BatchWriteItem, and as the result of an UpdateItem
// (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html, "Nested
// attribute depth"; the message "Nesting Levels have exceeded supported limits" in
// https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html).
// A transaction's update past it is cancelled with a ValidationError reason. Found with the
// JavaScript SDK (test/node/aws-dynamodb.test.mjs): the engine took any depth, which would fail
// only on AWS.
func TestNestingDepthLimit(t *testing.T) {
	table := createTable(t, tableSpec{hash: "pk:S"})
	ctx := context.Background()
	put(t, table, item{"pk": s("deepest"), "d": nested(32)})
	assert.Equal(t, nested(32), get(t, table, item{"pk": s("deepest")})["d"])
	put(t, table, item{"pk": s("list"), "d": &types.AttributeValueMemberL{Value: []types.AttributeValue{nested(31)}}})

	_, err := client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: item{"pk": s("deep"), "d": nested(33)}})
	requireAPIError(t, err, "ValidationException", "Nesting Levels have exceeded supported limits")
	_, err = client.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{
		table: {{PutRequest: &types.PutRequest{Item: item{"pk": s("deep"), "d": nested(33)}}}}}})
	requireAPIError(t, err, "ValidationException", "Nesting Levels have exceeded supported limits")

	// A value of 32 levels set one level down makes 33.
	put(t, table, item{"pk": s("m"), "m": &types.AttributeValueMemberM{Value: item{}}})
	update := &dynamodb.UpdateItemInput{TableName: aws.String(table), Key: item{"pk": s("m")}, UpdateExpression: aws.String("SET m.x = :v"),
		ExpressionAttributeValues: item{":v": nested(32)}}
	_, err = client.UpdateItem(ctx, update)
	requireAPIError(t, err, "ValidationException", "Nesting Levels have exceeded supported limits")
	_, err = client.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{{Update: &types.Update{
		TableName: update.TableName, Key: update.Key, UpdateExpression: update.UpdateExpression, ExpressionAttributeValues: update.ExpressionAttributeValues}}}})
	var tc *types.TransactionCanceledException
	require.ErrorAs(t, err, &tc)
	require.Len(t, tc.CancellationReasons, 1)
	assert.Equal(t, "ValidationError", aws.ToString(tc.CancellationReasons[0].Code))
	assert.Contains(t, aws.ToString(tc.CancellationReasons[0].Message), "Nesting Levels have exceeded supported limits")
	assert.Equal(t, item{"pk": s("m"), "m": &types.AttributeValueMemberM{Value: item{}}}, get(t, table, item{"pk": s("m")}), "nothing written")
	update.ExpressionAttributeValues = item{":v": nested(31)}
	_, err = client.UpdateItem(ctx, update)
	require.NoError(t, err, "31 levels one level down is 32")

	// An expression's values are held to the same limit, also where nothing is written.
	for _, levels := range []int{32, 33} {
		_, err = client.Query(ctx, &dynamodb.QueryInput{TableName: aws.String(table), KeyConditionExpression: aws.String("pk = :p"),
			FilterExpression: aws.String("m = :v"), ExpressionAttributeValues: item{":p": s("m"), ":v": nested(levels)}})
		if levels <= 32 {
			require.NoError(t, err)
			continue
		}
		requireAPIError(t, err, "ValidationException", "Nesting Levels have exceeded supported limits")
		_, err = client.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(table), Key: item{"pk": s("m")},
			ConditionExpression: aws.String("m <> :v"), ExpressionAttributeValues: item{":v": nested(levels)}})
		requireAPIError(t, err, "ValidationException", "Nesting Levels have exceeded supported limits")
	}
}
