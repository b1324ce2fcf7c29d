// Package jsonenc writes JSON byte for byte as encoding/json does, without its reflection, for
// the shapes our response bodies are made of. Both the API's responses (shared/api) and the
// embedded DynamoDB's (infra/dynamo) are written with it: encoding/json's reflection and per-map
// key sorting were most of the time spent rendering a page of objects.
package jsonenc

import (
	"encoding/json"
	"slices"
	"strconv"
)

// Append appends v's JSON, byte for byte what encoding/json writes (keys sorted, HTML
// characters escaped), for the shapes response bodies are made of: maps, lists, strings,
// integers, booleans and null. Those are written directly, without encoding/json's reflection
// and per-map key sorting through reflect.Values, which made up most of rendering a page of
// objects; any other value (floats, json.Number, structs) goes through encoding/json.
func Append(dst []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(dst, "null"...), nil
	case string:
		return AppendString(dst, x), nil
	case bool:
		return strconv.AppendBool(dst, x), nil
	case int:
		return strconv.AppendInt(dst, int64(x), 10), nil
	case int64:
		return strconv.AppendInt(dst, x, 10), nil
	case map[string]any:
		return AppendObject(dst, x, Append)
	case []any:
		return AppendList(dst, x, Append)
	case []string:
		return AppendList(dst, x, appendStringElem)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return append(dst, b...), nil
}

// AppendObject appends m as a JSON object, keys sorted as encoding/json sorts them, each value
// written by elem (Append, or a caller's writer that knows more types and falls back to Append).
func AppendObject[V any](dst []byte, m map[string]V, elem func([]byte, V) ([]byte, error)) ([]byte, error) {
	if m == nil {
		return append(dst, "null"...), nil
	}
	var small [32]string // objects have a few dozen fields at most: sort their keys on the stack
	keys := small[:0]
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	dst = append(dst, '{')
	for i, k := range keys {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(AppendString(dst, k), ':')
		var err error
		if dst, err = elem(dst, m[k]); err != nil {
			return nil, err
		}
	}
	return append(dst, '}'), nil
}

// AppendList appends xs as a JSON array (null when nil, as encoding/json writes a nil slice),
// each element written by elem.
func AppendList[E any](dst []byte, xs []E, elem func([]byte, E) ([]byte, error)) ([]byte, error) {
	if xs == nil {
		return append(dst, "null"...), nil
	}
	dst = append(dst, '[')
	for i, e := range xs {
		if i > 0 {
			dst = append(dst, ',')
		}
		var err error
		if dst, err = elem(dst, e); err != nil {
			return nil, err
		}
	}
	return append(dst, ']'), nil
}

func appendStringElem(dst []byte, s string) ([]byte, error) { return AppendString(dst, s), nil }

// AppendString appends s as a JSON string, as encoding/json writes it (HTML characters escaped):
// printable ASCII without HTML characters, nearly every name and value, is copied as it is; every
// other string goes to encoding/json (escapes, invalid UTF-8, U+2028).
func AppendString(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			b, _ := json.Marshal(s) // a string always marshals
			return append(dst, b...)
		}
	}
	dst = append(dst, '"')
	dst = append(dst, s...)
	return append(dst, '"')
}
