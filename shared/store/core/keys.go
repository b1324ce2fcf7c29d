package core

import (
	"encoding/json"
	"strconv"
	"strings"
)

// The order-preserving key encoding of values in index sort keys (the search planner's slots
// and rank lists share it).

// keySep ends an encoded value in a slot sort key; it sorts below every encoded byte.
const keySep = "\x01"

// Type tags, in BSON order.
const (
	tagNull   = "0"
	tagNumber = "1"
	tagString = "2"
	tagBool   = "5"
)

// encodeValue is the order-preserving string encoding of a scalar: a type tag, then for
// numbers 16 hex digits of the int64 with its sign bit flipped, for strings the bytes with
// \x00-\x02 escaped (\x02 + one byte) so keySep stays the smallest byte, for booleans 0 or 1.
func encodeValue(v any) string {
	switch x := v.(type) {
	case nil:
		return tagNull
	case bool:
		if x {
			return tagBool + "1"
		}
		return tagBool + "0"
	case string:
		return tagString + escapeKey(x)
	case int64:
		return tagNumber + encodeInt(x)
	case int:
		return tagNumber + encodeInt(int64(x))
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return tagNumber + encodeInt(i)
		}
		f, _ := x.Float64()
		return tagNumber + encodeInt(int64(f))
	case float64:
		return tagNumber + encodeInt(int64(x))
	}
	// Objects and arrays are not slot-indexed; they sort after strings in BSON order.
	return "3"
}

func encodeInt(i int64) string {
	s := strconv.FormatUint(uint64(i)^(1<<63), 16)
	return strings.Repeat("0", 16-len(s)) + s
}

func escapeKey(s string) string {
	if !strings.ContainsAny(s, "\x00\x01\x02") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= 2 {
			b.WriteByte(2)
			b.WriteByte(c + 3)
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
