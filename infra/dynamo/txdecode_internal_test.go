package dynamo

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestTransactWriteReaderAgreesWithDecode reads TransactWriteItems bodies with the one-pass
// reader and with decode (json.Unmarshal), and requires the same request or the same error:
// the shapes the SDKs send, and shapes only decode reads (other spellings, nulls, repeated
// members, unknown members, wrong types), which the reader must hand over rather than misread.
func TestTransactWriteReaderAgreesWithDecode(t *testing.T) {
	bodies := []string{
		`{"TransactItems":[{"Put":{"TableName":"t","Item":{"PK":{"S":"a"},"SK":{"S":"b"},"m":{"M":{"x":{"L":[{"N":"1"},{"S":"q\"uote"}]}}}},"ConditionExpression":"attribute_not_exists(PK)"}},{"Update":{"TableName":"t","Key":{"PK":{"S":"r"},"SK":{"S":"t00"}},"UpdateExpression":"ADD #ids :id, #n :one","ConditionExpression":"#n < :cap AND NOT contains(#ids, :x)","ExpressionAttributeNames":{"#ids":"ids","#n":"n"},"ExpressionAttributeValues":{":id":{"SS":["pat_1"]},":one":{"N":"1"},":cap":{"N":"31"},":x":{"S":"pat_1"}}}},{"Delete":{"TableName":"t","Key":{"PK":{"S":"d"},"SK":{"S":"e"}},"ReturnValuesOnConditionCheckFailure":"ALL_OLD"}},{"ConditionCheck":{"TableName":"t","Key":{"PK":{"S":"c"},"SK":{"S":"c"}},"ConditionExpression":"attribute_exists(PK)"}}],"ClientRequestToken":"tok-1","ReturnConsumedCapacity":"INDEXES","ReturnItemCollectionMetrics":"NONE"}`,
		` { "TransactItems" : [ { "Put" : { "TableName" : "t" , "Item" : { "PK" : { "S" : "a" } , "SK" : { "S" : "\u00e9" } } } } ] } `,
		`{"TransactItems":[]}`,
		`{}`,
		`{"transactItems":[{"Put":{"TableName":"t","Item":{"PK":{"S":"a"},"SK":{"S":"b"}}}}]}`,
		`{"TransactItems":[{"put":{"tableName":"t","item":{"PK":{"S":"a"},"SK":{"S":"b"}}}}]}`,
		`{"TransactItems":null}`,
		`{"TransactItems":[{"Put":null}]}`,
		`{"TransactItems":[{"Put":{"TableName":"t","Item":null}}]}`,
		`{"TransactItems":[{"Put":{"TableName":"t","Item":{"PK":{"S":"a"}},"ConditionExpression":null}}]}`,
		`{"TransactItems":[{"Put":{"TableName":"t","Item":{"PK":{"S":"a"}}},"Put":{"TableName":"u","Item":{"SK":{"S":"b"}}}}]}`,
		`{"TransactItems":[{"Put":{"TableName":"t","Item":{"PK":{"S":"a"}}},"Delete":{"TableName":"t","Key":{"PK":{"S":"a"}}}}]}`,
		`{"TransactItems":[{"Update":{"TableName":"t","Key":{"PK":{"S":"a"}},"ExpressionAttributeNames":{"#a":"x","#a":"y"}}}]}`,
		`{"TransactItems":[{"Update":{"TableName":"t","Key":{"PK":{"S":"a"}},"ExpressionAttributeValues":{":a":{"N":"1"},":a":{"N":"2"}}}}]}`,
		`{"TransactItems":[{"Put":{"TableName":"t","Item":{"PK":{"S":"a"}},"Extra":1}}]}`,
		`{"TransactItems":[{"Put":{"TableName":7,"Item":{"PK":{"S":"a"}}}}]}`,
		`{"TransactItems":[{"Put":{"TableName":"t","Item":{"PK":{"N":"x1"}}}}]}`,
		`{"TransactItems":[{"Put":{"TableName":"t","Item":{"PK":{"S":"a","N":"1"}}}}]}`,
		`{"TransactItems":[{"Put":{"TableName":"t","Item":["PK"]}}]}`,
		`{"TransactItems":[{"Update":{"TableName":"t","Key":{"PK":{"S":"a"}},"ExpressionAttributeValues":{":a":{"SS":[]}}}}]}`,
		`{"TransactItems":[{"Update":{"TableName":"t","Key":{"PK":{"S":"a"}},"ExpressionAttributeNames":{"#a":1}}}]}`,
		`{"TransactItems":{"Put":{}}}`,
		`{"TransactItems":[{"Put":{"TableName":"t","Item":{"PK":{"S":"a"}}}}],"TransactItems":[]}`,
		`{"TransactItems":[{"Put":{"TableName":"t\\u0041","Item":{"PK":{"S":"a\nb"}}}}],"ClientRequestToken":"x"}`,
		`[]`,
	}
	for _, body := range bodies {
		t.Run(body, func(t *testing.T) {
			var fast transactWriteRequest
			ferr := decodeTransactWrite([]byte(body), &fast)
			fastTxDecode = false
			defer func() { fastTxDecode = true }()
			var slow transactWriteRequest
			serr := decodeTransactWrite([]byte(body), &slow)
			require.Equal(t, serr, ferr)
			require.Equal(t, slow, fast)
		})
	}
	var in transactWriteRequest
	require.True(t, readTransactWrite([]byte(bodies[0]), &in), "the SDK's shape is read in one pass")
	require.Len(t, in.TransactItems, 4)
	require.False(t, readTransactWrite([]byte(bodies[4]), &in), "another spelling is left to decode")
}
