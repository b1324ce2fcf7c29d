package attr

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestUnmarshalValid(t *testing.T) {
	tests := []struct {
		in   string
		want Value
		out  string
	}{
		{`{"S":"x"}`, Str("x"), `{"S":"x"}`},
		{`{"S":""}`, Str(""), `{"S":""}`},
		{`{"N":"1.50"}`, Num("1.5"), `{"N":"1.5"}`},
		{`{"N":"-0"}`, Num("0"), `{"N":"0"}`},
		{`{"N":"1e2"}`, Num("100"), `{"N":"100"}`},
		{`{"N":".5"}`, Num("0.5"), `{"N":"0.5"}`},
		{`{"N":"+7"}`, Num("7"), `{"N":"7"}`},
		{`{"B":"AAE="}`, Bin([]byte{0, 1}), `{"B":"AAE="}`},
		{`{"BOOL":false}`, Boolean(false), `{"BOOL":false}`},
		{`{"NULL":true}`, Null(), `{"NULL":true}`},
		{`{"M":{"b":{"N":"2"},"a":{"S":"1"}}}`, Map(map[string]Value{"a": Str("1"), "b": Num("2")}), `{"M":{"a":{"S":"1"},"b":{"N":"2"}}}`},
		{`{"L":[{"S":"a"},{"L":[]}]}`, List([]Value{Str("a"), List([]Value{})}), `{"L":[{"S":"a"},{"L":[]}]}`},
		{`{"SS":["a","b"]}`, StrSet("a", "b"), `{"SS":["a","b"]}`},
		{`{"NS":["1.0","2"]}`, NumSet("1", "2"), `{"NS":["1","2"]}`},
		{`{"BS":["AQ==","Ag=="]}`, BinSet([]byte{1}, []byte{2}), `{"BS":["AQ==","Ag=="]}`},
		{`{"S":"x","N":null}`, Str("x"), `{"S":"x"}`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			var v Value
			require.NoError(t, json.Unmarshal([]byte(tt.in), &v))
			assert.True(t, Equal(tt.want, v), "got %+v", v)
			out, err := json.Marshal(v)
			require.NoError(t, err)
			assert.JSONEq(t, tt.out, string(out))
		})
	}
}

func TestUnmarshalErrors(t *testing.T) {
	tests := []struct {
		in, msg string
		serial  bool
	}{
		{`{}`, "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes", false},
		{`{"S":null}`, "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes", false},
		{`{"S":"a","N":"1"}`, "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes", false},
		{`{"N":""}`, "The parameter cannot be converted to a numeric value", false},
		{`{"N":"abc"}`, "The parameter cannot be converted to a numeric value: abc", false},
		{`{"N":"NaN"}`, "The parameter cannot be converted to a numeric value: NaN", false},
		{`{"N":"1e"}`, "The parameter cannot be converted to a numeric value: 1e", false},
		{`{"N":"1e126"}`, "Number overflow. Attempting to store a number with magnitude larger than supported range", false},
		{`{"N":"-1e126"}`, "Number overflow. Attempting to store a number with magnitude larger than supported range", false},
		{`{"N":"1e-131"}`, "Number underflow. Attempting to store a number with magnitude smaller than supported range", false},
		{`{"N":"1234567890123456789012345678901234567891"}`, "Attempting to store more than 38 significant digits in a Number", false},
		{`{"NULL":false}`, "One or more parameter values were invalid: Null attribute value types must have the value of true", false},
		{`{"SS":[]}`, "One or more parameter values were invalid: An string set  may not be empty", false},
		{`{"NS":[]}`, "One or more parameter values were invalid: An number set  may not be empty", false},
		{`{"BS":[]}`, "One or more parameter values were invalid: Binary sets should not be empty", false},
		{`{"SS":["a","a"]}`, "One or more parameter values were invalid: Input collection [a, a] contains duplicates.", false},
		{`{"NS":["1","1.0"]}`, "Input collection contains duplicates", false},
		{`{"BS":["AQ==","AQ=="]}`, "One or more parameter values were invalid: Input collection [AQ==, AQ==]of type BS contains duplicates.", false},
		{`{"M":{"a":{}}}`, "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes", false},
		{`{"L":[{"N":"x"}]}`, "The parameter cannot be converted to a numeric value: x", false},
		{`{"S":1}`, "Unexpected value type for S", true},
		{`{"B":"!!"}`, "Base64 encoded length is expected a multiple of 4 bytes but found: 2", true},
		{`{"X":"1"}`, "Unrecognized field X", true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			var v Value
			err := json.Unmarshal([]byte(tt.in), &v)
			require.Error(t, err)
			if tt.serial {
				var se *SerializationError
				require.True(t, errors.As(err, &se), "%T %v", err, err)
				assert.Equal(t, tt.msg, se.Msg)
				return
			}
			var ve *ValidationError
			require.True(t, errors.As(err, &ve), "%T %v", err, err)
			assert.Equal(t, tt.msg, ve.Msg)
		})
	}
}

func TestItemJSON(t *testing.T) {
	var it Item
	require.NoError(t, json.Unmarshal([]byte(`{"pk":{"S":"a"},"n":{"N":"01"}}`), &it))
	assert.Equal(t, Item{"pk": Str("a"), "n": Num("1")}, it)
	out, err := json.Marshal(it)
	require.NoError(t, err)
	assert.Equal(t, `{"n":{"N":"1"},"pk":{"S":"a"}}`, string(out))
	var bad Item
	err = json.Unmarshal([]byte(`{"a":{"NULL":false}}`), &bad)
	var ve *ValidationError
	assert.True(t, errors.As(err, &ve))
}

func TestCanonicalNumber(t *testing.T) {
	tests := map[string]string{
		"0": "0", "-0.000": "0", "00012.3400": "12.34", "1E+2": "100", "1.5e-3": "0.0015",
		"-12e-1": "-1.2", "9.9999999999999999999999999999999999999E+125": "99999999999999999999999999999999999999" + strings.Repeat("0", 88),
		"1E-130": "0." + strings.Repeat("0", 129) + "1", "123.": "123",
	}
	for in, want := range tests {
		got, err := CanonicalNumber(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
}

func TestCompare(t *testing.T) {
	tests := []struct {
		a, b Value
		want int
	}{
		{Str("a"), Str("b"), -1},
		{Str("é"), Str("z"), 1}, // UTF-8 bytes, not code points of UTF-16
		{Str("ab"), Str("a"), 1},
		{Num("1.0"), Num("1"), 0},
		{Num("-0.001"), Num("0"), -1},
		{Num("1e125"), Num("99999"), 1},
		{Num("-10"), Num("-9"), -1},
		{Num("0.1"), Num("0.09"), 1},
		{Bin([]byte{0xFF}), Bin([]byte{0x01, 0x02}), 1},
	}
	for _, tt := range tests {
		got, err := Compare(tt.a, tt.b)
		require.NoError(t, err)
		assert.Equal(t, tt.want, got, "%v vs %v", tt.a, tt.b)
	}
	_, err := Compare(Str("1"), Num("1"))
	assert.Error(t, err)
	_, err = Compare(Boolean(true), Boolean(true))
	assert.Error(t, err)
}

func TestEqual(t *testing.T) {
	assert.True(t, Equal(NumSet("1", "2.0"), NumSet("2", "1")))
	assert.False(t, Equal(NumSet("1", "3"), NumSet("2", "1")))
	assert.True(t, Equal(StrSet("a", "b"), StrSet("b", "a")))
	assert.True(t, Equal(Map(map[string]Value{"a": List([]Value{Num("1")})}), Map(map[string]Value{"a": List([]Value{Num("1.00")})})))
	assert.False(t, Equal(List([]Value{Num("1"), Num("2")}), List([]Value{Num("2"), Num("1")})))
	assert.False(t, Equal(Str("1"), Num("1")))
	assert.True(t, Equal(Null(), Null()))
	assert.False(t, Equal(Boolean(true), Boolean(false)))
}

func TestSize(t *testing.T) {
	tests := []struct {
		v    Value
		want int
	}{
		{Str("héllo"), 6},
		{Bin([]byte{1, 2, 3}), 3},
		{Boolean(true), 1},
		{Null(), 1},
		{Num("0"), 1},
		{Num("1"), 2},
		{Num("12"), 2},
		{Num("123"), 3},
		{Num("1.2"), 3},
		{Num("-1"), 3},
		{Num(strings.Repeat("9", 38)), 20},
		{StrSet("ab", "c"), 3},
		{List([]Value{}), 3},
		{List([]Value{Str("ab"), Num("1")}), 3 + 1 + 2 + 1 + 2},
		{Map(map[string]Value{"k": Str("v")}), 3 + 1 + 1 + 1},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, Size(tt.v), "%+v", tt.v)
	}
	assert.Equal(t, 2+1+3+2, ItemSize(Item{"pk": Str("a"), "num": Num("5")}))
}

func TestClone(t *testing.T) {
	orig := Map(map[string]Value{"l": List([]Value{Bin([]byte{1}), StrSet("a")})})
	c := Clone(orig)
	c.Map["l"].List[0].Bin[0] = 9
	c.Map["l"].List[1].Strs[0] = "z"
	c.Map["x"] = Null()
	assert.Equal(t, byte(1), orig.Map["l"].List[0].Bin[0])
	assert.Equal(t, "a", orig.Map["l"].List[1].Strs[0])
	assert.NotContains(t, orig.Map, "x")
}

func randNumber(r *rand.Rand) string {
	switch r.IntN(6) {
	case 0:
		return "0"
	case 1:
		return fmt.Sprintf("%de%d", r.IntN(200)-100, r.IntN(250)-125)
	case 2: // extremes
		picks := []string{"1e125", "-1e125", "9.9999999999999999999999999999999999999E+125", "1e-130", "-1e-130", "-9.9999999999999999999999999999999999999E+125"}
		return picks[r.IntN(len(picks))]
	}
	n := 1 + r.IntN(38)
	var b strings.Builder
	if r.IntN(2) == 0 {
		b.WriteByte('-')
	}
	for i := 0; i < n; i++ {
		b.WriteByte(byte('0' + r.IntN(10)))
	}
	return fmt.Sprintf("%se%d", b.String(), r.IntN(160)-130)
}

func randValue(r *rand.Rand, k Kind) Value {
	switch k {
	case N:
		for {
			s := randNumber(r)
			if c, err := CanonicalNumber(s); err == nil {
				return Num(c)
			}
		}
	case S:
		alphabet := []string{"", "a", "b", "\x00", "\xff", "é", "z", "aa"}
		var b strings.Builder
		for i := r.IntN(4); i > 0; i-- {
			b.WriteString(alphabet[r.IntN(len(alphabet))])
		}
		return Str(b.String())
	}
	bs := make([]byte, r.IntN(4))
	for i := range bs {
		bs[i] = []byte{0, 1, 0xFF, 0x7F}[r.IntN(4)]
	}
	return Bin(bs)
}

func sign(x int) int {
	switch {
	case x < 0:
		return -1
	case x > 0:
		return 1
	}
	return 0
}

func TestEncodeKeyOrder(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, k := range []Kind{S, N, B} {
		for i := 0; i < 5000; i++ {
			a, b := randValue(r, k), randValue(r, k)
			want, err := Compare(a, b)
			require.NoError(t, err)
			ea, eb := EncodeKey(a), EncodeKey(b)
			require.Equal(t, want, sign(bytes.Compare(ea, eb)), "%v vs %v", a, b)
			// Concatenated (partition, sort) keys sort by first then second.
			s1, s2 := randValue(r, N), randValue(r, N)
			c1, c2 := append(append([]byte{}, ea...), EncodeKey(s1)...), append(append([]byte{}, eb...), EncodeKey(s2)...)
			if want == 0 {
				want, err = Compare(s1, s2)
				require.NoError(t, err)
			}
			require.Equal(t, want, sign(bytes.Compare(c1, c2)))
			// Round trip.
			got, rest, err := DecodeKey(c1, k)
			require.NoError(t, err)
			require.True(t, Equal(a, got), "%v -> %v", a, got)
			if k == N {
				require.Equal(t, a.Str, got.Str)
			}
			got2, rest2, err := DecodeKey(rest, N)
			require.NoError(t, err)
			require.Equal(t, s1.Str, got2.Str)
			require.Empty(t, rest2)
		}
	}
}

func TestEncodeKeyCompositeTies(t *testing.T) {
	pk := Str("p")
	a := append(EncodeKey(pk), EncodeKey(Num("-5"))...)
	b := append(EncodeKey(pk), EncodeKey(Num("3"))...)
	c := append(EncodeKey(Str("p\x00")), EncodeKey(Num("-100"))...)
	assert.Equal(t, -1, bytes.Compare(a, b))
	assert.Equal(t, -1, bytes.Compare(b, c))
}

func TestEncodeKeyExamples(t *testing.T) {
	ordered := []string{"-1e125", "-99999", "-1", "-0.001", "-1e-130", "0", "1e-130", "0.001", "0.1", "0.11", "1", "1.5", "10", "99999", "1e125", "9.9999999999999999999999999999999999999E+125"}
	for i := 1; i < len(ordered); i++ {
		a, b := EncodeKey(Num(ordered[i-1])), EncodeKey(Num(ordered[i]))
		assert.Equal(t, -1, bytes.Compare(a, b), "%s < %s", ordered[i-1], ordered[i])
	}
	_, _, err := DecodeKey([]byte{'a'}, S)
	assert.Error(t, err)
	_, _, err = DecodeKey(nil, N)
	assert.Error(t, err)
	_, _, err = DecodeKey([]byte{0}, BOOL)
	assert.Error(t, err)
	v, rest, err := DecodeKey(append(EncodeKey(Bin([]byte{})), 7), B)
	require.NoError(t, err)
	assert.Equal(t, []byte{}, v.Bin)
	assert.Equal(t, []byte{7}, rest)
}

func FuzzEncodeKeyNumber(f *testing.F) {
	f.Add("1", "2")
	f.Add("-0.001", "0")
	f.Add("1e125", "99999")
	f.Fuzz(func(t *testing.T, a, b string) {
		ca, err1 := CanonicalNumber(a)
		cb, err2 := CanonicalNumber(b)
		if err1 != nil || err2 != nil {
			return
		}
		want, err := CompareNumbers(ca, cb)
		require.NoError(t, err)
		require.Equal(t, want, sign(bytes.Compare(EncodeKey(Num(ca)), EncodeKey(Num(cb)))))
		got, rest, err := DecodeKey(EncodeKey(Num(ca)), N)
		require.NoError(t, err)
		require.Empty(t, rest)
		require.Equal(t, ca, got.Str)
	})
}

func FuzzUnmarshal(f *testing.F) {
	f.Add([]byte(`{"M":{"a":{"L":[{"NS":["1"]}]}}}`))
	f.Add([]byte(`{"N":"1e5"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var v Value
		if json.Unmarshal(data, &v) != nil {
			return
		}
		out, err := json.Marshal(v)
		require.NoError(t, err)
		var v2 Value
		require.NoError(t, json.Unmarshal(out, &v2))
		require.True(t, Equal(v, v2))
	})
}

func TestValidate(t *testing.T) {
	tests := []struct {
		v    Value
		want string
	}{
		{Str(""), ""},
		{Map(map[string]Value{"a": List([]Value{NumSet("1", "2")})}), ""},
		{Value{}, "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"},
		{Num("1e200"), msgNumOverflow},
		{List([]Value{StrSet()}), "One or more parameter values were invalid: An string set  may not be empty"},
		{Map(map[string]Value{"a": NumSet("1", "1.0")}), "Input collection contains duplicates"},
	}
	for _, tt := range tests {
		err := Validate(tt.v)
		if tt.want == "" {
			assert.NoError(t, err)
			continue
		}
		var ve *ValidationError
		require.True(t, errors.As(err, &ve), "%v", err)
		assert.Equal(t, tt.want, ve.Msg)
	}
}
