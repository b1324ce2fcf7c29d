package dynamo

import (
	"encoding/binary"
	"errors"
	"slices"

	"github.com/hapihub/hapihub/infra/dynamo/attr"
)

// Stored item format. Items and index entries used to be stored as wire JSON,
// which made decoding them (every Query, every conditional write) the engine's
// main cost. They are now stored in a compact binary form:
//
//	0x01 | uvarint item size (DynamoDB's arithmetic) | map body
//	map body:   uvarint count, then per attribute (names sorted): uvarint len, name, value
//	value:      kind byte, then S/N/B: uvarint len + bytes; BOOL: 0|1; NULL: nothing;
//	            SS/NS/BS: uvarint count, then uvarint len + bytes each; M: map body;
//	            L: uvarint count + values
//
// The size in the header lets COUNT queries and capacity arithmetic skip
// decoding; sorted names make equal items encode to equal bytes, so an index
// entry that did not change is recognised by comparing bytes. Values written
// by earlier versions start with '{' and are still read as JSON.
const storedV1 = 0x01

var errCorrupt = errors.New("corrupt stored item")

func encodeItem(item attr.Item) ([]byte, error) {
	size := attr.ItemSize(item)
	buf := make([]byte, 0, 16+size+4*len(item))
	buf = append(buf, storedV1)
	buf = binary.AppendUvarint(buf, uint64(size))
	return appendMap(buf, item), nil
}

func appendBytes(dst []byte, s string) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(s)))
	return append(dst, s...)
}

func appendMap(dst []byte, m map[string]attr.Value) []byte {
	var arr [32]string
	names := arr[:0]
	for k := range m {
		names = append(names, k)
	}
	slices.Sort(names)
	dst = binary.AppendUvarint(dst, uint64(len(names)))
	for _, k := range names {
		dst = appendBytes(dst, k)
		dst = appendValue(dst, m[k])
	}
	return dst
}

func appendValue(dst []byte, v attr.Value) []byte {
	dst = append(dst, byte(v.Kind))
	switch v.Kind {
	case attr.S, attr.N:
		dst = appendBytes(dst, v.Str)
	case attr.B:
		dst = binary.AppendUvarint(dst, uint64(len(v.Bin)))
		dst = append(dst, v.Bin...)
	case attr.BOOL:
		b := byte(0)
		if v.Bool {
			b = 1
		}
		dst = append(dst, b)
	case attr.SS, attr.NS:
		dst = binary.AppendUvarint(dst, uint64(len(v.Strs)))
		for _, s := range v.Strs {
			dst = appendBytes(dst, s)
		}
	case attr.BS:
		dst = binary.AppendUvarint(dst, uint64(len(v.Bins)))
		for _, b := range v.Bins {
			dst = binary.AppendUvarint(dst, uint64(len(b)))
			dst = append(dst, b...)
		}
	case attr.M:
		dst = appendMap(dst, v.Map)
	case attr.L:
		dst = binary.AppendUvarint(dst, uint64(len(v.List)))
		for _, e := range v.List {
			dst = appendValue(dst, e)
		}
	}
	return dst
}

// storedSize returns an encoded item's size without decoding it.
func storedSize(data []byte) (int, error) {
	if len(data) > 0 && (data[0] == storedV1 || data[0] == storedRef || data[0] == storedKeyless) {
		n, w := binary.Uvarint(data[1:])
		if w <= 0 {
			return 0, errCorrupt
		}
		return int(n), nil
	}
	it, err := decodeItem(data)
	if err != nil {
		return 0, err
	}
	return attr.ItemSize(it), nil
}

func decodeItem(data []byte) (attr.Item, error) {
	if len(data) == 0 || data[0] != storedV1 {
		return decodeLegacyItem(data)
	}
	return decodeBody(data)
}

// decodeBody decodes the map body after a stored value's format byte and size.
func decodeBody(data []byte) (attr.Item, error) {
	_, w := binary.Uvarint(data[1:])
	if w <= 0 {
		return nil, errCorrupt
	}
	// One string holds every name and string value: the bytes belong to bbolt
	// and must be copied anyway, and one copy is one allocation.
	d := decoder{s: string(data[1+w:])}
	m := d.readMap()
	if d.err != nil {
		return nil, d.err
	}
	return attr.Item(m), nil
}

type decoder struct {
	s   string
	off int
	err error
}

func (d *decoder) uvarint() int {
	var x uint64
	var shift uint
	for i := 0; d.off < len(d.s); i++ {
		b := d.s[d.off]
		d.off++
		if b < 0x80 {
			if i > 9 || i == 9 && b > 1 {
				break
			}
			return int(x | uint64(b)<<shift)
		}
		x |= uint64(b&0x7f) << shift
		shift += 7
	}
	d.err = errCorrupt
	return 0
}

func (d *decoder) str() string {
	n := d.uvarint()
	if d.err != nil || n < 0 || d.off+n > len(d.s) {
		d.err = errCorrupt
		return ""
	}
	s := d.s[d.off : d.off+n]
	d.off += n
	return s
}

func (d *decoder) readMap() map[string]attr.Value {
	n := d.uvarint()
	if d.err != nil || n > len(d.s) {
		d.err = errCorrupt
		return nil
	}
	m := make(map[string]attr.Value, n)
	for range n {
		k := d.str()
		v := d.value()
		if d.err != nil {
			return nil
		}
		m[k] = v
	}
	return m
}

func (d *decoder) count() int {
	n := d.uvarint()
	if d.err == nil && n > len(d.s) {
		d.err = errCorrupt
	}
	if d.err != nil {
		return 0
	}
	return n
}

func (d *decoder) value() attr.Value {
	if d.off >= len(d.s) {
		d.err = errCorrupt
		return attr.Value{}
	}
	k := attr.Kind(d.s[d.off])
	d.off++
	v := attr.Value{Kind: k}
	switch k {
	case attr.S, attr.N:
		v.Str = d.str()
	case attr.B:
		v.Bin = []byte(d.str())
	case attr.BOOL:
		if d.off >= len(d.s) {
			d.err = errCorrupt
			break
		}
		v.Bool = d.s[d.off] == 1
		d.off++
	case attr.NULL:
	case attr.SS, attr.NS:
		n := d.count()
		v.Strs = make([]string, n)
		for i := range n {
			v.Strs[i] = d.str()
		}
	case attr.BS:
		n := d.count()
		v.Bins = make([][]byte, n)
		for i := range n {
			v.Bins[i] = []byte(d.str())
		}
	case attr.M:
		v.Map = d.readMap()
	case attr.L:
		n := d.count()
		v.List = make([]attr.Value, n)
		for i := range n {
			v.List[i] = d.value()
		}
	default:
		d.err = errCorrupt
	}
	return v
}
