package dynamo

import (
	"github.com/hapihub/hapihub/infra/dynamo/attr"
	"github.com/hapihub/hapihub/shared/jsonenc"
)

// marshalResponse encodes an operation's output. encoding/json re-validates and
// compacts whatever a MarshalJSON method returns, which for a page of items
// cost as much as the read itself; items are therefore written directly, and
// only the small rest goes through encoding/json. Keys are sorted, as
// encoding/json sorts them.
func marshalResponse(out any) ([]byte, error) {
	return appendResponse(make([]byte, 0, 512), out)
}

func appendResponse(dst []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case map[string]any:
		return jsonenc.AppendObject(dst, x, appendResponse)
	case attr.Item:
		return appendItem(dst, x)
	case []attr.Item:
		return jsonenc.AppendList(dst, x, appendItem)
	case map[string][]attr.Item:
		return jsonenc.AppendObject(dst, x, func(dst []byte, items []attr.Item) ([]byte, error) {
			return jsonenc.AppendList(dst, items, appendItem)
		})
	}
	return jsonenc.Append(dst, v)
}

func appendItem(dst []byte, it attr.Item) ([]byte, error) {
	if it == nil {
		return append(dst, "null"...), nil
	}
	return it.AppendJSON(dst)
}
