package dynamo

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/infra/dynamo/attr"
)

// TestMarshalResponseMatchesEncodingJSON checks the direct item writer against
// encoding/json on the shapes operations return.
func TestMarshalResponseMatchesEncodingJSON(t *testing.T) {
	it := attr.Item{"pk": attr.Str("a<b>&\"c\""), "n": attr.Num("1.5"), "m": attr.Map(map[string]attr.Value{"l": attr.List([]attr.Value{attr.Null()})})}
	outs := []any{
		map[string]any{"Items": []attr.Item{it, {}}, "Count": 2, "ScannedCount": 3, "LastEvaluatedKey": attr.Item{"pk": attr.Str("a")}},
		map[string]any{"Items": []attr.Item{}, "ConsumedCapacity": map[string]any{"CapacityUnits": 0.5, "TableName": "t"}},
		map[string]any{"Item": it},
		map[string]any{"Responses": map[string][]attr.Item{"t": {it}, "u": {}}, "UnprocessedKeys": map[string]any{}},
		map[string]any{},
	}
	for i, out := range outs {
		want, err := json.Marshal(out)
		require.NoError(t, err)
		got, err := marshalResponse(out)
		require.NoError(t, err)
		require.JSONEqf(t, string(want), string(got), "output %d", i)
		require.Truef(t, json.Valid(got), "output %d is valid JSON", i)
	}
}
