package conformance

import (
	"context"
	"fmt"
	"strconv"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sortKeys returns the "sk" numbers of items, in order.
func sortKeys(items []item) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it["sk"].(*memberN).Value
	}
	return out
}

func TestQueryKeyConditions(t *testing.T) {
	table := createTable(t, tableSpec{hash: "pk:S", rng: "sk:N"})
	for _, v := range []string{"-3", "1", "2", "10", "11", "100", "2.5"} {
		put(t, table, item{"pk": s("p"), "sk": n(v), "even": boolean(len(v)%2 == 0)})
	}
	put(t, table, item{"pk": s("other"), "sk": n("5")})
	cases := []struct {
		name    string
		cond    string
		values  item
		forward bool
		want    []string
	}{
		{"all ascending (numeric, not text)", "pk = :p", nil, true, []string{"-3", "1", "2", "2.5", "10", "11", "100"}},
		{"all descending", "pk = :p", nil, false, []string{"100", "11", "10", "2.5", "2", "1", "-3"}},
		{"equal", "pk = :p AND sk = :a", item{":a": n("10")}, true, []string{"10"}},
		{"less than", "pk = :p AND sk < :a", item{":a": n("10")}, true, []string{"-3", "1", "2", "2.5"}},
		{"less than descending", "pk = :p AND sk < :a", item{":a": n("10")}, false, []string{"2.5", "2", "1", "-3"}},
		{"at most", "pk = :p AND sk <= :a", item{":a": n("10")}, false, []string{"10", "2.5", "2", "1", "-3"}},
		{"greater than", "pk = :p AND sk > :a", item{":a": n("10")}, true, []string{"11", "100"}},
		{"greater than descending", "pk = :p AND sk > :a", item{":a": n("2")}, false, []string{"100", "11", "10", "2.5"}},
		{"at least", "pk = :p AND sk >= :a", item{":a": n("10")}, true, []string{"10", "11", "100"}},
		{"between", "pk = :p AND sk BETWEEN :a AND :b", item{":a": n("1"), ":b": n("10")}, true, []string{"1", "2", "2.5", "10"}},
		{"between descending", "pk = :p AND sk BETWEEN :a AND :b", item{":a": n("1"), ":b": n("10")}, false, []string{"10", "2.5", "2", "1"}},
		{"value first", ":a < sk AND pk = :p", item{":a": n("11")}, true, []string{"100"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			values := item{":p": s("p")}
			for k, v := range tc.values {
				values[k] = v
			}
			out, err := client.Query(context.Background(), &dynamodb.QueryInput{
				TableName: aws.String(table), KeyConditionExpression: aws.String(tc.cond),
				ExpressionAttributeValues: values, ScanIndexForward: aws.Bool(tc.forward),
			})
			require.NoError(t, err)
			assert.Equal(t, tc.want, sortKeys(out.Items))
			assert.Equal(t, int32(len(tc.want)), out.Count)
			assert.Nil(t, out.LastEvaluatedKey)
		})
	}
}

func TestQueryBeginsWith(t *testing.T) {
	table := createTable(t, tableSpec{hash: "pk:S", rng: "sk:S"})
	for _, v := range []string{"a", "ab", "abc", "abd", "ac", "b"} {
		put(t, table, item{"pk": s("p"), "sk": s(v)})
	}
	for _, forward := range []bool{true, false} {
		out, err := client.Query(context.Background(), &dynamodb.QueryInput{
			TableName: aws.String(table), KeyConditionExpression: aws.String("pk = :p AND begins_with(sk, :x)"),
			ExpressionAttributeValues: item{":p": s("p"), ":x": s("ab")}, ScanIndexForward: aws.Bool(forward),
		})
		require.NoError(t, err)
		var got []string
		for _, it := range out.Items {
			got = append(got, it["sk"].(*types.AttributeValueMemberS).Value)
		}
		want := []string{"ab", "abc", "abd"}
		if !forward {
			want = []string{"abd", "abc", "ab"}
		}
		assert.Equal(t, want, got)
	}
}

func TestQueryLimitFilterAndPages(t *testing.T) {
	table := createTable(t, tableSpec{hash: "pk:S", rng: "sk:N"})
	for i := 1; i <= 10; i++ {
		put(t, table, item{"pk": s("p"), "sk": n(strconv.Itoa(i)), "odd": boolean(i%2 == 1), "pad": s("x")})
	}
	ctx := context.Background()
	// Limit counts items read, before the filter.
	out, err := client.Query(ctx, &dynamodb.QueryInput{
		TableName: aws.String(table), KeyConditionExpression: aws.String("pk = :p"), FilterExpression: aws.String("odd = :t"),
		ExpressionAttributeValues: item{":p": s("p"), ":t": boolean(true)}, Limit: aws.Int32(4),
	})
	require.NoError(t, err)
	assert.Equal(t, int32(4), out.ScannedCount)
	assert.Equal(t, int32(2), out.Count)
	assert.Equal(t, []string{"1", "3"}, sortKeys(out.Items))
	assert.Equal(t, item{"pk": s("p"), "sk": n("4")}, out.LastEvaluatedKey)

	// Following LastEvaluatedKey yields every item exactly once.
	var all []item
	pages := 0
	p := dynamodb.NewQueryPaginator(client, &dynamodb.QueryInput{
		TableName: aws.String(table), KeyConditionExpression: aws.String("pk = :p"),
		ExpressionAttributeValues: item{":p": s("p")}, Limit: aws.Int32(3), ScanIndexForward: aws.Bool(false),
	})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		require.NoError(t, err)
		all = append(all, out.Items...)
		pages++
	}
	assert.Equal(t, []string{"10", "9", "8", "7", "6", "5", "4", "3", "2", "1"}, sortKeys(all))
	assert.GreaterOrEqual(t, pages, 4)

	// Select COUNT returns no items; projection returns only the paths asked.
	out, err = client.Query(ctx, &dynamodb.QueryInput{TableName: aws.String(table), KeyConditionExpression: aws.String("pk = :p"),
		ExpressionAttributeValues: item{":p": s("p")}, Select: types.SelectCount})
	require.NoError(t, err)
	assert.Equal(t, int32(10), out.Count)
	assert.Empty(t, out.Items)
	out, err = client.Query(ctx, &dynamodb.QueryInput{TableName: aws.String(table), KeyConditionExpression: aws.String("pk = :p AND sk = :one"),
		ExpressionAttributeValues: item{":p": s("p"), ":one": n("1")}, ProjectionExpression: aws.String("odd")})
	require.NoError(t, err)
	assert.Equal(t, []item{{"odd": boolean(true)}}, out.Items)
}

func TestQueryPageLimitOneMegabyte(t *testing.T) {
	table := createTable(t, tableSpec{hash: "pk:S", rng: "sk:N"})
	blob := make([]byte, 100*1024)
	var reqs []types.WriteRequest
	for i := range 15 {
		reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: item{"pk": s("p"), "sk": n(strconv.Itoa(i)), "blob": b(blob)}}})
	}
	batchWrite(t, table, reqs)
	out, err := client.Query(context.Background(), &dynamodb.QueryInput{TableName: aws.String(table), KeyConditionExpression: aws.String("pk = :p"),
		ExpressionAttributeValues: item{":p": s("p")}, Select: types.SelectCount})
	require.NoError(t, err)
	assert.Less(t, out.ScannedCount, int32(15))
	assert.Greater(t, out.ScannedCount, int32(8))
	assert.NotNil(t, out.LastEvaluatedKey)
}

func TestQueryErrors(t *testing.T) {
	table := createTable(t, tableSpec{hash: "pk:S", rng: "sk:N", gsis: []gsiSpec{{name: "gix", hash: "gk:S", projection: types.ProjectionTypeKeysOnly}}})
	ctx := context.Background()
	cases := []struct {
		name string
		in   dynamodb.QueryInput
		msg  string
	}{
		{"no key condition", dynamodb.QueryInput{}, "KeyConditionExpression"},
		{"missing partition key", dynamodb.QueryInput{KeyConditionExpression: aws.String("sk = :a"), ExpressionAttributeValues: item{":a": n("1")}}, "Query condition missed key schema element"},
		{"range on partition key", dynamodb.QueryInput{KeyConditionExpression: aws.String("pk > :a"), ExpressionAttributeValues: item{":a": s("1")}}, ""},
		{"non-key attribute", dynamodb.QueryInput{KeyConditionExpression: aws.String("pk = :a AND attr1 = :b"), ExpressionAttributeValues: item{":a": s("1"), ":b": s("x")}}, ""},
		{"OR in key condition", dynamodb.QueryInput{KeyConditionExpression: aws.String("pk = :a OR sk = :b"), ExpressionAttributeValues: item{":a": s("1"), ":b": n("1")}}, ""},
		{"wrong value type", dynamodb.QueryInput{KeyConditionExpression: aws.String("pk = :a"), ExpressionAttributeValues: item{":a": n("1")}}, ""},
		{"unknown index", dynamodb.QueryInput{IndexName: aws.String("nope"), KeyConditionExpression: aws.String("gk = :a"), ExpressionAttributeValues: item{":a": s("1")}}, "does not have the specified index"},
		{"consistent read on GSI", dynamodb.QueryInput{IndexName: aws.String("gix"), ConsistentRead: aws.Bool(true), KeyConditionExpression: aws.String("gk = :a"), ExpressionAttributeValues: item{":a": s("1")}}, "Consistent reads are not supported on global secondary indexes"},
		{"ALL_ATTRIBUTES on KEYS_ONLY GSI", dynamodb.QueryInput{IndexName: aws.String("gix"), Select: types.SelectAllAttributes, KeyConditionExpression: aws.String("gk = :a"), ExpressionAttributeValues: item{":a": s("1")}}, ""},
		{"filter on a key attribute", dynamodb.QueryInput{KeyConditionExpression: aws.String("pk = :a"), FilterExpression: aws.String("attribute_exists(sk)"), ExpressionAttributeValues: item{":a": s("1")}}, "Filter Expression can only contain non-primary key attributes: Primary key attribute: sk"},
		{"limit zero", dynamodb.QueryInput{Limit: aws.Int32(0), KeyConditionExpression: aws.String("pk = :a"), ExpressionAttributeValues: item{":a": s("1")}}, ""},
		{"bad start key", dynamodb.QueryInput{KeyConditionExpression: aws.String("pk = :a"), ExpressionAttributeValues: item{":a": s("1")}, ExclusiveStartKey: item{"pk": s("1")}}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.in.TableName = aws.String(table)
			_, err := client.Query(ctx, &tc.in)
			requireAPIError(t, err, "ValidationException", tc.msg)
		})
	}
}

func TestGlobalSecondaryIndex(t *testing.T) {
	table := createTable(t, tableSpec{hash: "pk:S", rng: "sk:S", gsis: []gsiSpec{
		{name: "byStatus", hash: "status:S", rng: "at:N", projection: types.ProjectionTypeAll},
		{name: "keys", hash: "status:S", projection: types.ProjectionTypeKeysOnly},
	}})
	ctx := context.Background()
	queryStatus := func(t *testing.T, status string) []item {
		t.Helper()
		out, err := client.Query(ctx, &dynamodb.QueryInput{TableName: aws.String(table), IndexName: aws.String("byStatus"),
			KeyConditionExpression: aws.String("#s = :s"), ExpressionAttributeNames: map[string]string{"#s": "status"},
			ExpressionAttributeValues: item{":s": s(status)}})
		require.NoError(t, err)
		return out.Items
	}
	put(t, table, item{"pk": s("a"), "sk": s("1"), "status": s("open"), "at": n("20")})
	put(t, table, item{"pk": s("b"), "sk": s("1"), "status": s("open"), "at": n("3")})
	put(t, table, item{"pk": s("c"), "sk": s("1"), "at": n("1")}) // sparse: no status
	got := queryStatus(t, "open")
	require.Len(t, got, 2)
	assert.Equal(t, s("b"), got[0]["pk"], "sorted by the index sort key, numerically")
	assert.Equal(t, s("a"), got[1]["pk"])

	// UpdateItem that adds, changes and removes the index key moves the item.
	_, err := client.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String(table), Key: item{"pk": s("c"), "sk": s("1")},
		UpdateExpression: aws.String("SET #s = :s"), ExpressionAttributeNames: map[string]string{"#s": "status"}, ExpressionAttributeValues: item{":s": s("open")}})
	require.NoError(t, err)
	assert.Len(t, queryStatus(t, "open"), 3)
	_, err = client.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String(table), Key: item{"pk": s("a"), "sk": s("1")},
		UpdateExpression: aws.String("SET #s = :s"), ExpressionAttributeNames: map[string]string{"#s": "status"}, ExpressionAttributeValues: item{":s": s("closed")}})
	require.NoError(t, err)
	assert.Len(t, queryStatus(t, "open"), 2)
	assert.Len(t, queryStatus(t, "closed"), 1)
	_, err = client.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String(table), Key: item{"pk": s("a"), "sk": s("1")},
		UpdateExpression: aws.String("REMOVE #s"), ExpressionAttributeNames: map[string]string{"#s": "status"}})
	require.NoError(t, err)
	assert.Empty(t, queryStatus(t, "closed"))
	_, err = client.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(table), Key: item{"pk": s("b"), "sk": s("1")}})
	require.NoError(t, err)
	assert.Len(t, queryStatus(t, "open"), 1)

	// A wrong-typed index key is rejected and writes nothing.
	_, err = client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: item{"pk": s("d"), "sk": s("1"), "status": n("5")}})
	requireAPIError(t, err, "ValidationException", "Type mismatch for Index Key")
	assert.Nil(t, get(t, table, item{"pk": s("d"), "sk": s("1")}))

	// KEYS_ONLY returns table and index keys only.
	put(t, table, item{"pk": s("e"), "sk": s("1"), "status": s("k"), "at": n("1"), "extra": s("x")})
	out, err := client.Query(ctx, &dynamodb.QueryInput{TableName: aws.String(table), IndexName: aws.String("keys"),
		KeyConditionExpression: aws.String("#s = :s"), ExpressionAttributeNames: map[string]string{"#s": "status"}, ExpressionAttributeValues: item{":s": s("k")}})
	require.NoError(t, err)
	assert.Equal(t, []item{{"pk": s("e"), "sk": s("1"), "status": s("k")}}, out.Items)
}

func TestIndexPagination(t *testing.T) {
	table := createTable(t, tableSpec{hash: "pk:S", gsis: []gsiSpec{{name: "gix", hash: "gk:S", rng: "gs:N", projection: types.ProjectionTypeAll}}})
	ctx := context.Background()
	for i := range 7 {
		// Items share index sort key values, so the table key breaks ties.
		put(t, table, item{"pk": s(fmt.Sprintf("p%d", i)), "gk": s("g"), "gs": n(strconv.Itoa(i / 2))})
	}
	out, err := client.Query(ctx, &dynamodb.QueryInput{TableName: aws.String(table), IndexName: aws.String("gix"), Limit: aws.Int32(3),
		KeyConditionExpression: aws.String("gk = :g"), ExpressionAttributeValues: item{":g": s("g")}})
	require.NoError(t, err)
	require.NotNil(t, out.LastEvaluatedKey)
	assert.ElementsMatch(t, []string{"pk", "gk", "gs"}, keysOf(out.LastEvaluatedKey))
	seen := map[string]bool{}
	p := dynamodb.NewQueryPaginator(client, &dynamodb.QueryInput{TableName: aws.String(table), IndexName: aws.String("gix"), Limit: aws.Int32(2),
		KeyConditionExpression: aws.String("gk = :g"), ExpressionAttributeValues: item{":g": s("g")}})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		require.NoError(t, err)
		for _, it := range page.Items {
			k := it["pk"].(*types.AttributeValueMemberS).Value
			assert.False(t, seen[k], "%s returned twice", k)
			seen[k] = true
		}
	}
	assert.Len(t, seen, 7)

	// A Scan of the index pages the same way.
	scanned := 0
	sp := dynamodb.NewScanPaginator(client, &dynamodb.ScanInput{TableName: aws.String(table), IndexName: aws.String("gix"), Limit: aws.Int32(3)})
	for sp.HasMorePages() {
		page, err := sp.NextPage(ctx)
		require.NoError(t, err)
		scanned += len(page.Items)
	}
	assert.Equal(t, 7, scanned)
}

func keysOf(m item) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestScanSegments(t *testing.T) {
	table := createTable(t, tableSpec{hash: "pk:S"})
	var reqs []types.WriteRequest
	for i := range 60 {
		reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: item{"pk": s(fmt.Sprintf("item-%02d", i))}}})
	}
	batchWrite(t, table, reqs)
	seen := map[string]int{}
	const total = 4
	for seg := range total {
		p := dynamodb.NewScanPaginator(client, &dynamodb.ScanInput{TableName: aws.String(table), Segment: aws.Int32(int32(seg)), TotalSegments: aws.Int32(total), Limit: aws.Int32(7)})
		for p.HasMorePages() {
			out, err := p.NextPage(context.Background())
			require.NoError(t, err)
			for _, it := range out.Items {
				seen[it["pk"].(*types.AttributeValueMemberS).Value]++
			}
		}
	}
	assert.Len(t, seen, 60)
	for k, c := range seen {
		assert.Equal(t, 1, c, "%s seen %d times", k, c)
	}
	_, err := client.Scan(context.Background(), &dynamodb.ScanInput{TableName: aws.String(table), Segment: aws.Int32(4), TotalSegments: aws.Int32(4)})
	requireAPIError(t, err, "ValidationException", "Segment")

	out, err := client.Scan(context.Background(), &dynamodb.ScanInput{TableName: aws.String(table), FilterExpression: aws.String("begins_with(pk, :p)"),
		ExpressionAttributeValues: item{":p": s("item-1")}})
	require.NoError(t, err)
	assert.Equal(t, int32(10), out.Count)
	assert.Equal(t, int32(60), out.ScannedCount)
}

// batchWrite writes requests in chunks of 25, retrying unprocessed items.
func batchWrite(t *testing.T, table string, reqs []types.WriteRequest) {
	t.Helper()
	for len(reqs) > 0 {
		chunk := reqs[:min(25, len(reqs))]
		reqs = reqs[len(chunk):]
		pending := map[string][]types.WriteRequest{table: chunk}
		for len(pending) > 0 {
			out, err := client.BatchWriteItem(context.Background(), &dynamodb.BatchWriteItemInput{RequestItems: pending})
			require.NoError(t, err)
			pending = out.UnprocessedItems
		}
	}
}

// A Query's ExclusiveStartKey must lie inside its key condition: another partition is "outside
// query boundaries", a sort key the condition excludes "does not match the range key predicate",
// both ValidationException, as DynamoDB answers (and DynamoDB Local; the Query page asks for the
// LastEvaluatedKey of the same query: https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_Query.html#DDB-Query-request-ExclusiveStartKey).
// A start key inside the condition resumes after it, forward and backward. Found with the
// JavaScript SDK (test/node/aws-dynamodb.test.mjs): the engine read on from an excluded start key.
func TestQueryStartKeyOutsideTheKeyCondition(t *testing.T) {
	table := createTable(t, tableSpec{hash: "pk:S", rng: "sk:N"})
	for i := 0; i < 6; i++ {
		put(t, table, item{"pk": s("a"), "sk": n(strconv.Itoa(i))})
	}
	ctx := context.Background()
	query := func(cond string, vals item, start string, forward bool) ([]string, error) {
		vals[":p"] = s("a")
		out, err := client.Query(ctx, &dynamodb.QueryInput{TableName: aws.String(table), KeyConditionExpression: aws.String("pk = :p" + cond),
			ExpressionAttributeValues: vals, ExclusiveStartKey: item{"pk": s("a"), "sk": n(start)}, ScanIndexForward: aws.Bool(forward)})
		if err != nil {
			return nil, err
		}
		return sortKeys(out.Items), nil
	}
	for _, tc := range []struct {
		name, cond string
		vals       item
		start      string
		forward    bool
		want       []string // nil: refused
	}{
		{"inside >", " AND sk > :n", item{":n": n("2")}, "3", true, []string{"4", "5"}},
		{"inside <, backward", " AND sk < :n", item{":n": n("4")}, "2", false, []string{"1", "0"}},
		{"inside BETWEEN", " AND sk BETWEEN :lo AND :hi", item{":lo": n("1"), ":hi": n("4")}, "1", true, []string{"2", "3", "4"}},
		{"no sort condition", "", item{}, "4", true, []string{"5"}},
		{"below >", " AND sk > :n", item{":n": n("2")}, "0", true, nil},
		{"the bound of >", " AND sk > :n", item{":n": n("2")}, "2", true, nil},
		{"above <=, backward", " AND sk <= :n", item{":n": n("3")}, "5", false, nil},
		{"outside BETWEEN", " AND sk BETWEEN :lo AND :hi", item{":lo": n("1"), ":hi": n("4")}, "5", true, nil},
		{"not =", " AND sk = :n", item{":n": n("2")}, "3", true, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := query(tc.cond, tc.vals, tc.start, tc.forward)
			if tc.want == nil {
				requireAPIError(t, err, "ValidationException", "The provided starting key does not match the range key predicate")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
	_, err := client.Query(ctx, &dynamodb.QueryInput{TableName: aws.String(table), KeyConditionExpression: aws.String("pk = :p"),
		ExpressionAttributeValues: item{":p": s("a")}, ExclusiveStartKey: item{"pk": s("b"), "sk": n("1")}})
	requireAPIError(t, err, "ValidationException", "The provided starting key is outside query boundaries based on provided conditions")
}
