package dynamo

import (
	"encoding/binary"
	"slices"

	"github.com/hapihub/hapihub/infra/dynamo/attr"
)

// A table's item is stored under its primary key, and used to hold its key attributes again
// inside the value: ~80 bytes of every item of a single-table design (PK and SK strings of
// ~25-60 bytes, their names, their encoding). Items of a table whose partition key is a string
// or binary are now stored without their string or binary key attributes, which are read back
// from the storage key (attr.AppendKey's encoding: the bytes, 0x00 escaped as 0x00 0xFF, then
// 0x00 0x01):
//
//	0x03 | uvarint item size (with the key attributes) | map body without them
//
// Index entries that are projected copies (KEYS_ONLY, INCLUDE) stay storedV1: their key is the
// index's. Items stored as storedV1 or JSON by earlier versions are still read.
const storedKeyless = 0x03

// keylessNames returns the key attributes a table's items are stored without (nil: none).
func keylessNames(t *tableMeta) []string {
	if !stringish(t.Hash.kind()) {
		return nil
	}
	names := []string{t.Hash.Name}
	if t.Range.Name != "" && stringish(t.Range.kind()) {
		names = append(names, t.Range.Name)
	}
	return names
}

func stringish(k attr.Kind) bool { return k == attr.S || k == attr.B }

// storedFormat is the first byte encodeStored writes for t's items.
func storedFormat(t *tableMeta) byte {
	if keylessNames(t) == nil {
		return storedV1
	}
	return storedKeyless
}

// encodeStored encodes a table item for the items bucket.
func encodeStored(t *tableMeta, item attr.Item) ([]byte, error) {
	names := keylessNames(t)
	if names == nil {
		return encodeItem(item)
	}
	rest := make(attr.Item, len(item))
	for k, v := range item {
		if !slices.Contains(names, k) {
			rest[k] = v
		}
	}
	size := attr.ItemSize(item)
	buf := make([]byte, 0, 16+size+4*len(rest))
	buf = append(buf, storedKeyless)
	buf = binary.AppendUvarint(buf, uint64(size))
	return appendMap(buf, rest), nil
}

// decodeStored decodes a value of the items bucket stored under key.
func decodeStored(t *tableMeta, key, data []byte) (attr.Item, error) {
	if len(data) == 0 || data[0] != storedKeyless {
		return decodeItem(data)
	}
	m, err := decodeBody(data)
	if err != nil {
		return nil, err
	}
	rest := key
	for _, n := range keylessNames(t) {
		var raw []byte
		var ok bool
		if raw, rest, ok = unescapeKey(rest); !ok {
			return nil, errCorrupt
		}
		kd := t.Hash
		if n != t.Hash.Name {
			kd = t.Range
		}
		if kd.kind() == attr.S {
			m[n] = attr.Value{Kind: attr.S, Str: string(raw)}
		} else {
			m[n] = attr.Value{Kind: attr.B, Bin: raw}
		}
	}
	return m, nil
}

// unescapeKey reads one string or binary component of an encoded key.
func unescapeKey(b []byte) (val, rest []byte, ok bool) {
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		if b[i] != 0 {
			out = append(out, b[i])
			continue
		}
		if i+1 >= len(b) {
			return nil, nil, false
		}
		switch b[i+1] {
		case 0xFF:
			out = append(out, 0)
			i++
		case 0x01:
			return out, b[i+2:], true
		default:
			return nil, nil, false
		}
	}
	return nil, nil, false
}
