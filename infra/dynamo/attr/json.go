package attr

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/hapihub/hapihub/shared/jsonenc"
)

// StrSet, NumSet and BinSet build set values.
func StrSet(s ...string) Value  { return Value{Kind: SS, Strs: s} }
func NumSet(n ...string) Value  { return Value{Kind: NS, Strs: n} }
func BinSet(b ...[]byte) Value  { return Value{Kind: BS, Bins: b} }
func (k Kind) IsSet() bool      { return k == SS || k == NS || k == BS }
func (k Kind) IsKeyType() bool  { return k == S || k == N || k == B }
func (k Kind) IsDocument() bool { return k == M || k == L }

// KindFromString maps a wire descriptor ("S", "NS", ...) to its Kind, or KindInvalid.
func KindFromString(s string) Kind {
	for k := S; k <= BS; k++ {
		if k.String() == s {
			return k
		}
	}
	return KindInvalid
}

// MarshalJSON writes the DynamoDB wire form. Map keys come out sorted so the
// output is deterministic.
func (v Value) MarshalJSON() ([]byte, error) {
	return v.appendJSON(nil)
}

func (v Value) appendJSON(dst []byte) ([]byte, error) {
	dst = append(dst, `{"`...)
	dst = append(dst, v.Kind.String()...)
	dst = append(dst, `":`...)
	var err error
	switch v.Kind {
	case S, N:
		dst = jsonenc.AppendString(dst, v.Str)
	case B:
		dst = appendBase64(dst, v.Bin)
	case BOOL:
		dst = strconv.AppendBool(dst, v.Bool)
	case NULL:
		dst = append(dst, "true"...)
	case M:
		if dst, err = appendMap(dst, v.Map); err != nil {
			return nil, err
		}
	case L:
		dst = append(dst, '[')
		for i, e := range v.List {
			if i > 0 {
				dst = append(dst, ',')
			}
			if dst, err = e.appendJSON(dst); err != nil {
				return nil, err
			}
		}
		dst = append(dst, ']')
	case SS, NS:
		dst = append(dst, '[')
		for i, s := range v.Strs {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = jsonenc.AppendString(dst, s)
		}
		dst = append(dst, ']')
	case BS:
		dst = append(dst, '[')
		for i, b := range v.Bins {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendBase64(dst, b)
		}
		dst = append(dst, ']')
	default:
		return nil, fmt.Errorf("attr: marshal value of invalid kind %d", v.Kind)
	}
	return append(dst, '}'), nil
}

// appendBase64 appends b as a JSON string of its standard base64 (which needs no escaping).
func appendBase64(dst, b []byte) []byte {
	dst = append(dst, '"')
	dst = base64.StdEncoding.AppendEncode(dst, b)
	return append(dst, '"')
}

func appendMap(dst []byte, m map[string]Value) ([]byte, error) {
	var small [24]string // most maps are small: sort their keys without a heap slice
	keys := small[:0]
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	dst = append(dst, '{')
	var err error
	for i, k := range keys {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = jsonenc.AppendString(dst, k)
		dst = append(dst, ':')
		if dst, err = m[k].appendJSON(dst); err != nil {
			return nil, fmt.Errorf("attribute %q: %w", k, err)
		}
	}
	return append(dst, '}'), nil
}

// MarshalJSON writes the item as a JSON object of wire values.
func (it Item) MarshalJSON() ([]byte, error) {
	return appendMap(nil, it)
}

// AppendJSON appends the item's wire form (MarshalJSON's bytes) to dst.
func (it Item) AppendJSON(dst []byte) ([]byte, error) {
	return appendMap(dst, it)
}

// UnmarshalJSON reads and validates the wire form with DynamoDB's checks and
// messages (*ValidationError, or *SerializationError for malformed JSON shapes).
// Numbers are stored in canonical form, as DynamoDB returns them.
func (v *Value) UnmarshalJSON(data []byte) error {
	val, ok, err := decodeValue(data)
	if !ok {
		return &SerializationError{Msg: "Unexpected value type in payload"}
	}
	if err != nil {
		return err
	}
	*v = val
	return nil
}

// decodeValue reads one wire value; ok is false when data is not a JSON object.
// The common one-scalar shapes ({"S":"..."} without escapes, {"N":"..."},
// {"BOOL":true}, {"NULL":true}) are read without encoding/json, which
// otherwise dominated the cost of every write request.
func decodeValue(data []byte) (Value, bool, error) {
	if v, ok, err := decodeScalarFast(data); ok {
		return v, true, err
	}
	if fields, ok := splitObject(data); ok && len(fields) == 1 && !isNull(fields[0].Val) {
		// One member, the shape every SDK writes: decodeRaw's checks for that case.
		kind := KindFromString(fields[0].Name)
		if kind == KindInvalid {
			return Value{}, true, &SerializationError{Msg: "Unrecognized field " + fields[0].Name}
		}
		v, err := decodeOne(kind, fields[0].Val)
		return v, true, err
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return Value{}, false, nil
	}
	v, err := decodeRaw(raw)
	return v, true, err
}

// decodeScalarFast recognises {"K":"text"} (text without backslash, quote or
// control bytes, valid UTF-8) for K in S and N, and {"BOOL":true|false} and
// {"NULL":true|false}, exactly as written by the SDKs (no whitespace). Anything
// else reports ok false and takes the general path.
func decodeScalarFast(data []byte) (Value, bool, error) {
	if len(data) < 7 || data[0] != '{' || data[1] != '"' || data[len(data)-1] != '}' {
		return Value{}, false, nil
	}
	end := bytes.IndexByte(data[2:], '"')
	if end < 0 || end+4 > len(data)-1 || data[2+end+1] != ':' {
		return Value{}, false, nil
	}
	kind, rest := string(data[2:2+end]), data[2+end+2:len(data)-1]
	switch kind {
	case "S", "N":
		if len(rest) < 2 || rest[0] != '"' || rest[len(rest)-1] != '"' {
			return Value{}, false, nil
		}
		text := rest[1 : len(rest)-1]
		for _, c := range text {
			if c < 0x20 || c == '"' || c == '\\' {
				return Value{}, false, nil
			}
		}
		if !utf8.Valid(text) {
			return Value{}, false, nil
		}
		if kind == "S" {
			return Str(string(text)), true, nil
		}
		c, err := CanonicalNumber(string(text))
		if err != nil {
			return Value{}, true, err
		}
		return Num(c), true, nil
	case "BOOL", "NULL":
		var b bool
		switch string(rest) {
		case "true":
			b = true
		case "false":
		default:
			return Value{}, false, nil
		}
		if kind == "BOOL" {
			return Boolean(b), true, nil
		}
		if !b {
			return Value{}, true, invalid("One or more parameter values were invalid: Null attribute value types must have the value of true")
		}
		return Null(), true, nil
	}
	return Value{}, false, nil
}

// UnmarshalJSON reads an item (object of attribute name to wire value).
func (it *Item) UnmarshalJSON(data []byte) error {
	if fields, ok := splitObject(data); ok {
		out := make(Item, len(fields))
		for i := len(fields) - 1; i >= 0; i-- { // backwards: the last of duplicate names wins, as in a map
			f := fields[i]
			if _, dup := out[f.Name]; dup {
				continue
			}
			var v Value
			if err := v.UnmarshalJSON(f.Val); err != nil {
				return err
			}
			out[f.Name] = v
		}
		*it = out
		return nil
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return &SerializationError{Msg: "Unexpected value type in payload"}
	}
	out := make(Item, len(raw))
	for k, r := range raw {
		var v Value
		if err := v.UnmarshalJSON(r); err != nil {
			return err
		}
		out[k] = v
	}
	*it = out
	return nil
}

func isNull(r json.RawMessage) bool { return len(r) == 0 || string(r) == "null" }

func decodeRaw(raw map[string]json.RawMessage) (Value, error) {
	var present []string
	for k, r := range raw {
		if isNull(r) {
			continue // the SDKs never send nulls; DynamoDB treats them as absent
		}
		if KindFromString(k) == KindInvalid {
			return Value{}, &SerializationError{Msg: "Unrecognized field " + k}
		}
		present = append(present, k)
	}
	if len(present) == 0 {
		return Value{}, invalid("Supplied AttributeValue is empty, must contain exactly one of the supported datatypes")
	}
	slices.Sort(present)
	var out Value
	for _, k := range present {
		v, err := decodeOne(KindFromString(k), raw[k])
		if err != nil {
			return Value{}, err
		}
		out = v
	}
	if len(present) > 1 {
		return Value{}, invalid("Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes")
	}
	return out, nil
}

func serr(kind Kind) error {
	return &SerializationError{Msg: "Unexpected value type for " + kind.String()}
}

func decodeBase64(s string) ([]byte, error) {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, &SerializationError{Msg: "Base64 encoded length is expected a multiple of 4 bytes but found: " + fmt.Sprint(len(s))}
	}
	return b, nil
}

func decodeOne(kind Kind, r json.RawMessage) (Value, error) {
	switch kind {
	case S:
		var s string
		if json.Unmarshal(r, &s) != nil {
			return Value{}, serr(kind)
		}
		return Str(s), nil
	case N:
		var s string
		if json.Unmarshal(r, &s) != nil {
			return Value{}, serr(kind)
		}
		c, err := CanonicalNumber(s)
		if err != nil {
			return Value{}, err
		}
		return Num(c), nil
	case B:
		var s string
		if json.Unmarshal(r, &s) != nil {
			return Value{}, serr(kind)
		}
		b, err := decodeBase64(s)
		if err != nil {
			return Value{}, err
		}
		return Bin(b), nil
	case BOOL:
		var b bool
		if json.Unmarshal(r, &b) != nil {
			return Value{}, serr(kind)
		}
		return Boolean(b), nil
	case NULL:
		var b bool
		if json.Unmarshal(r, &b) != nil {
			return Value{}, serr(kind)
		}
		if !b {
			return Value{}, invalid("One or more parameter values were invalid: Null attribute value types must have the value of true")
		}
		return Null(), nil
	case M:
		return decodeMap(r)
	case L:
		return decodeList(r)
	case SS, NS, BS:
		return decodeSet(kind, r)
	}
	return Value{}, serr(kind)
}

func decodeMap(r json.RawMessage) (Value, error) {
	if fields, ok := splitObject(r); ok {
		out := make(map[string]Value, len(fields))
		for i := len(fields) - 1; i >= 0; i-- { // the last of duplicate names wins, as in a map
			f := fields[i]
			if _, dup := out[f.Name]; dup {
				continue
			}
			v, ok, err := decodeValue(f.Val)
			if !ok {
				return Value{}, serr(M)
			}
			if err != nil {
				return Value{}, err
			}
			out[f.Name] = v
		}
		return Map(out), nil
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(r, &m) != nil {
		return Value{}, serr(M)
	}
	out := make(map[string]Value, len(m))
	for k, e := range m {
		v, ok, err := decodeValue(e)
		if !ok {
			return Value{}, serr(M)
		}
		if err != nil {
			return Value{}, err
		}
		out[k] = v
	}
	return Map(out), nil
}

func decodeList(r json.RawMessage) (Value, error) {
	l, ok := splitArray(r)
	if !ok {
		var raw []json.RawMessage
		if json.Unmarshal(r, &raw) != nil {
			return Value{}, serr(L)
		}
		l = make([][]byte, len(raw))
		for i, e := range raw {
			l[i] = e
		}
	}
	out := make([]Value, 0, len(l))
	for _, e := range l {
		v, ok, err := decodeValue(e)
		if !ok {
			return Value{}, serr(L)
		}
		if err != nil {
			return Value{}, err
		}
		out = append(out, v)
	}
	return List(out), nil
}

func decodeSet(kind Kind, r json.RawMessage) (Value, error) {
	l, ok := splitStrings(r)
	if !ok && json.Unmarshal(r, &l) != nil {
		return Value{}, serr(kind)
	}
	v := Value{Kind: kind}
	if kind == BS {
		for _, s := range l {
			b, err := decodeBase64(s)
			if err != nil {
				return Value{}, err
			}
			v.Bins = append(v.Bins, b)
		}
	} else {
		v.Strs = l
	}
	if err := ValidateSet(&v); err != nil {
		return Value{}, err
	}
	return v, nil
}

// ValidateSet checks a set for emptiness and duplicates with DynamoDB's messages,
// and canonicalises NS members in place.
func ValidateSet(v *Value) error {
	switch v.Kind {
	case SS:
		if len(v.Strs) == 0 {
			return invalid("One or more parameter values were invalid: An string set  may not be empty")
		}
		seen := make(map[string]bool, len(v.Strs))
		for _, s := range v.Strs {
			if seen[s] {
				return invalid("One or more parameter values were invalid: Input collection [" + strings.Join(v.Strs, ", ") + "] contains duplicates.")
			}
			seen[s] = true
		}
	case NS:
		if len(v.Strs) == 0 {
			return invalid("One or more parameter values were invalid: An number set  may not be empty")
		}
		seen := make(map[string]bool, len(v.Strs))
		canon := make([]string, len(v.Strs))
		for i, s := range v.Strs {
			c, err := CanonicalNumber(s)
			if err != nil {
				return err
			}
			if seen[c] {
				return invalid("Input collection contains duplicates")
			}
			seen[c] = true
			canon[i] = c
		}
		v.Strs = canon
	case BS:
		if len(v.Bins) == 0 {
			return invalid("One or more parameter values were invalid: Binary sets should not be empty")
		}
		seen := make(map[string]bool, len(v.Bins))
		for _, b := range v.Bins {
			if seen[string(b)] {
				parts := make([]string, len(v.Bins))
				for i, x := range v.Bins {
					parts[i] = base64.StdEncoding.EncodeToString(x)
				}
				return invalid("One or more parameter values were invalid: Input collection [" + strings.Join(parts, ", ") + "]of type BS contains duplicates.")
			}
			seen[string(b)] = true
		}
	}
	return nil
}

// Validate applies UnmarshalJSON's checks to a value built in code, returning
// the same *ValidationError messages.
func Validate(v Value) error {
	switch v.Kind {
	case S, B, BOOL, NULL:
		return nil
	case N:
		_, err := parseNumber(v.Str)
		return err
	case SS, NS, BS:
		c := Clone(v)
		return ValidateSet(&c)
	case M:
		for _, e := range v.Map {
			if err := Validate(e); err != nil {
				return err
			}
		}
		return nil
	case L:
		for _, e := range v.List {
			if err := Validate(e); err != nil {
				return err
			}
		}
		return nil
	}
	return invalid("Supplied AttributeValue is empty, must contain exactly one of the supported datatypes")
}
