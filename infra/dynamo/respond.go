package dynamo

import (
	"encoding/json"
	"slices"

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
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		dst = append(dst, '{')
		for i, k := range keys {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = append(jsonenc.AppendString(dst, k), ':')
			var err error
			if dst, err = appendResponse(dst, x[k]); err != nil {
				return nil, err
			}
		}
		return append(dst, '}'), nil
	case attr.Item:
		if x == nil {
			return append(dst, "null"...), nil
		}
		return x.AppendJSON(dst)
	case []attr.Item:
		if x == nil {
			return append(dst, "null"...), nil
		}
		dst = append(dst, '[')
		for i, it := range x {
			if i > 0 {
				dst = append(dst, ',')
			}
			var err error
			if dst, err = appendResponse(dst, it); err != nil {
				return nil, err
			}
		}
		return append(dst, ']'), nil
	case map[string][]attr.Item:
		m := make(map[string]any, len(x))
		for k, items := range x {
			m[k] = items
		}
		return appendResponse(dst, m)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return append(dst, b...), nil
}
