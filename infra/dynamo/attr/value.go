// Package attr is the embedded engine's model of DynamoDB attribute values: the wire
// JSON form ({"S":"x"}, {"N":"1.5"}, {"B":"<base64>"}, ...), DynamoDB's ordering of
// key values and its item-size arithmetic.
package attr

// Kind is a DynamoDB data type descriptor.
type Kind uint8

const (
	KindInvalid Kind = iota
	S
	N
	B
	BOOL
	NULL
	M
	L
	SS
	NS
	BS
)

// String returns the wire descriptor ("S", "N", ...), as used in JSON and in
// attribute_type().
func (k Kind) String() string {
	switch k {
	case S:
		return "S"
	case N:
		return "N"
	case B:
		return "B"
	case BOOL:
		return "BOOL"
	case NULL:
		return "NULL"
	case M:
		return "M"
	case L:
		return "L"
	case SS:
		return "SS"
	case NS:
		return "NS"
	case BS:
		return "BS"
	}
	return "INVALID"
}

// Value is one attribute value. Kind says which field holds it:
// S and N use Str (N in its original decimal text; compare with Compare, never as text),
// B uses Bin, BOOL uses Bool, NULL has no payload, M uses Map, L uses List,
// SS and NS use Strs, BS uses Bins.
type Value struct {
	Kind Kind
	Str  string
	Bin  []byte
	Bool bool
	Map  map[string]Value
	List []Value
	Strs []string
	Bins [][]byte
}

// Item is a whole item: attribute name to value.
type Item map[string]Value

// Convenience constructors.
func Str(s string) Value           { return Value{Kind: S, Str: s} }
func Num(n string) Value           { return Value{Kind: N, Str: n} }
func Bin(b []byte) Value           { return Value{Kind: B, Bin: b} }
func Boolean(b bool) Value         { return Value{Kind: BOOL, Bool: b} }
func Null() Value                  { return Value{Kind: NULL} }
func Map(m map[string]Value) Value { return Value{Kind: M, Map: m} }
func List(l []Value) Value         { return Value{Kind: L, List: l} }
