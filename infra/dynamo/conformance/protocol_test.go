package conformance

import (
	"context"
	"encoding/json"
	"hash/crc32"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestProtocolErrors(t *testing.T) {
	table := createTable(t, tableSpec{hash: "pk:S"})
	put(t, table, item{"pk": s("keep")})
	cases := []struct {
		name, target, body, code string
		status                   int
	}{
		{"malformed JSON", "DynamoDB_20120810.PutItem", `{"TableName": "` + table + `", "Item": {`, "SerializationException", 400},
		{"unknown operation", "DynamoDB_20120810.FlyToTheMoon", `{"TableName": "` + table + `"}`, "UnknownOperationException", 400},
		{"wrong JSON type", "DynamoDB_20120810.PutItem", `{"TableName": "` + table + `", "Item": {"pk": {"S": 5}}}`, "SerializationException", 400},
		{"missing table", "DynamoDB_20120810.GetItem", `{"TableName": "nope-` + table + `", "Key": {"pk": {"S": "x"}}}`, "ResourceNotFoundException", 400},
		{"empty attribute value", "DynamoDB_20120810.PutItem", `{"TableName": "` + table + `", "Item": {"pk": {"S": "y"}, "a": {}}}`, "ValidationException", 400},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := rawCall(t, tc.target, []byte(tc.body))
			assert.Equal(t, tc.status, resp.StatusCode, string(body))
			var e struct {
				Type    string `json:"__type"`
				Message string `json:"message"`
			}
			require.NoError(t, json.Unmarshal(body, &e), string(body))
			assert.True(t, strings.HasSuffix(e.Type, "#"+tc.code), "type %q, want %s", e.Type, tc.code)
			assert.Equal(t, strconv.FormatUint(uint64(crc32.ChecksumIEEE(body)), 10), resp.Header.Get("X-Amz-Crc32"))
			assert.NotEmpty(t, resp.Header.Get("x-amzn-RequestId"))
		})
	}
	// None of the bad requests changed anything.
	assert.Equal(t, int32(1), scanCount(t, table))
}

func TestProtocolSuccessHeaders(t *testing.T) {
	resp, body := rawCall(t, "DynamoDB_20120810.ListTables", []byte(`{"Limit": 1}`))
	require.Equal(t, 200, resp.StatusCode, string(body))
	assert.Equal(t, "application/x-amz-json-1.0", resp.Header.Get("Content-Type"))
	assert.Equal(t, strconv.FormatUint(uint64(crc32.ChecksumIEEE(body)), 10), resp.Header.Get("X-Amz-Crc32"))
	assert.NotEmpty(t, resp.Header.Get("x-amzn-RequestId"))
	var out map[string]any
	require.NoError(t, json.Unmarshal(body, &out))
	assert.Contains(t, out, "TableNames")
}

func TestConcurrentConditionalIncrement(t *testing.T) {
	table := createTable(t, tableSpec{hash: "pk:S"})
	ctx := context.Background()
	key := item{"pk": s("counter")}
	put(t, table, item{"pk": s("counter"), "n": n("0")})
	const workers = 50
	errs := make(chan error, workers)
	for range workers {
		go func() {
			for {
				cur, err := client.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(table), Key: key, ConsistentRead: aws.Bool(true)})
				if err != nil {
					errs <- err
					return
				}
				v := cur.Item["n"].(*memberN).Value
				next := mustInc(v)
				_, err = client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
					TableName: aws.String(table), Key: key,
					UpdateExpression:          aws.String("SET n = :next"),
					ConditionExpression:       aws.String("n = :cur"),
					ExpressionAttributeValues: item{":next": n(next), ":cur": n(v)},
				})
				if apiCode(err) == "ConditionalCheckFailedException" {
					continue
				}
				errs <- err
				return
			}
		}()
	}
	for range workers {
		require.NoError(t, <-errs)
	}
	assert.Equal(t, n("50"), get(t, table, key)["n"])
}

func mustInc(v string) string {
	i, err := strconv.Atoi(v)
	if err != nil {
		panic(err)
	}
	return strconv.Itoa(i + 1)
}
