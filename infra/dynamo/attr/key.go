package attr

import (
	"errors"
	"fmt"
	"strings"
)

// Key encoding. Strings and binaries: bytes with 0x00 escaped as 0x00 0xFF and a
// 0x00 0x01 terminator. Numbers: a sign byte (negative, zero, positive), then for
// non-zero values the decimal exponent in one byte and the significant digits in
// base-100 pairs, with a terminator; negatives complement exponent and digits so
// larger magnitudes sort first. Every encoding is prefix-free, so a concatenation
// (partition key, sort key) sorts by the first value, then the second.
const (
	numNeg  = 0x40
	numZero = 0x80
	numPos  = 0xC0
)

// EncodeKey returns the order-preserving encoding of an S, N or B value:
// bytes.Compare of two encodings has the sign of Compare. Numbers must be
// valid (as UnmarshalJSON guarantees). Other kinds encode to nil.
func EncodeKey(v Value) []byte {
	return AppendKey(nil, v)
}

// AppendKey appends EncodeKey(v) to dst.
func AppendKey(dst []byte, v Value) []byte {
	switch v.Kind {
	case S:
		return appendEscaped(dst, []byte(v.Str))
	case B:
		return appendEscaped(dst, v.Bin)
	case N:
		return appendNumber(dst, v.Str)
	}
	return dst
}

func appendEscaped(dst, b []byte) []byte {
	for _, c := range b {
		if c == 0 {
			dst = append(dst, 0, 0xFF)
			continue
		}
		dst = append(dst, c)
	}
	return append(dst, 0, 1)
}

func appendNumber(dst []byte, s string) []byte {
	d, ok := parseDecimal(s)
	if !ok || d.isZero() {
		return append(dst, numZero)
	}
	e := d.exp - MinExponent
	e = max(0, min(255, e))
	digits := d.digits
	if len(digits)%2 == 1 {
		digits += "0"
	}
	if d.neg {
		dst = append(dst, numNeg, byte(255-e))
	} else {
		dst = append(dst, numPos, byte(e))
	}
	for i := 0; i < len(digits); i += 2 {
		p := int(digits[i]-'0')*10 + int(digits[i+1]-'0')
		if d.neg {
			dst = append(dst, byte(100-p))
		} else {
			dst = append(dst, byte(p+1))
		}
	}
	if d.neg {
		return append(dst, 0xFF)
	}
	return append(dst, 0)
}

var errShortKey = errors.New("attr: truncated key encoding")

// DecodeKey reads one encoded value of the given kind from the front of b and
// returns it with the remaining bytes. Numbers come back in canonical form.
func DecodeKey(b []byte, kind Kind) (Value, []byte, error) {
	switch kind {
	case S, B:
		var out []byte
		for i := 0; i < len(b); i++ {
			if b[i] != 0 {
				out = append(out, b[i])
				continue
			}
			if i+1 >= len(b) {
				return Value{}, nil, errShortKey
			}
			switch b[i+1] {
			case 0xFF:
				out = append(out, 0)
				i++
			case 1:
				if kind == S {
					return Str(string(out)), b[i+2:], nil
				}
				if out == nil {
					out = []byte{}
				}
				return Bin(out), b[i+2:], nil
			default:
				return Value{}, nil, fmt.Errorf("attr: bad escape 0x%02x in key", b[i+1])
			}
		}
		return Value{}, nil, errShortKey
	case N:
		return decodeNumber(b)
	}
	return Value{}, nil, fmt.Errorf("attr: %s is not a key type", kind)
}

func decodeNumber(b []byte) (Value, []byte, error) {
	if len(b) == 0 {
		return Value{}, nil, errShortKey
	}
	switch b[0] {
	case numZero:
		return Num("0"), b[1:], nil
	case numNeg, numPos:
	default:
		return Value{}, nil, fmt.Errorf("attr: bad number sign byte 0x%02x", b[0])
	}
	neg := b[0] == numNeg
	if len(b) < 2 {
		return Value{}, nil, errShortKey
	}
	e := int(b[1])
	if neg {
		e = 255 - e
	}
	var digits strings.Builder
	for i := 2; i < len(b); i++ {
		c := int(b[i])
		if (!neg && c == 0) || (neg && c == 0xFF) {
			ds := strings.TrimRight(digits.String(), "0")
			if ds == "" {
				return Value{}, nil, errors.New("attr: number key without digits")
			}
			d := decimal{neg: neg, digits: ds, exp: e + MinExponent}
			return Num(d.String()), b[i+1:], nil
		}
		p := c - 1
		if neg {
			p = 100 - c
		}
		if p < 0 || p > 99 {
			return Value{}, nil, fmt.Errorf("attr: bad number digit byte 0x%02x", c)
		}
		digits.WriteByte(byte('0' + p/10))
		digits.WriteByte(byte('0' + p%10))
	}
	return Value{}, nil, errShortKey
}
