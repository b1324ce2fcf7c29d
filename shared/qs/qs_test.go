package qs

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type goldenCase struct {
	Input    string `json:"input"`
	Expected string `json:"expected"`
}

// decodeOrdered reads JSON into the package's tree, keeping key order, so a
// golden file and a parse result can be compared order included.
func decodeOrdered(dec *json.Decoder) (Value, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			o := Object{values: map[string]Value{}}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				k, _ := kt.(string)
				v, err := decodeOrdered(dec)
				if err != nil {
					return nil, err
				}
				o.keys = append(o.keys, k)
				o.values[k] = v
			}
			_, err := dec.Token()
			return o, err
		case '[':
			arr := []any{}
			for dec.More() {
				v, err := decodeOrdered(dec)
				if err != nil {
					return nil, err
				}
				arr = append(arr, v)
			}
			_, err := dec.Token()
			return arr, err
		}
	case string:
		return t, nil
	}
	return nil, fmt.Errorf("unexpected token %v", tok)
}

func canonical(t *testing.T, v Value) string {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	require.NoError(t, enc.Encode(v))
	return b.String()
}

func TestGolden(t *testing.T) {
	raw, err := os.ReadFile("testdata/golden.json")
	require.NoError(t, err)
	var cases []goldenCase
	require.NoError(t, json.Unmarshal(raw, &cases))
	require.Greater(t, len(cases), 150)
	for _, c := range cases {
		name := c.Input
		if len(name) > 60 {
			name = name[:60]
		}
		t.Run(name, func(t *testing.T) {
			dec := json.NewDecoder(strings.NewReader(c.Expected))
			want, err := decodeOrdered(dec)
			require.NoError(t, err)
			_, err = dec.Token()
			require.ErrorIs(t, err, io.EOF)
			got, _ := ParseInfo(c.Input)
			assert.Equal(t, canonical(t, want), canonical(t, got), "input %q", c.Input)
		})
	}
}

func TestParameterLimit(t *testing.T) {
	params := func(n int) string {
		parts := make([]string, n)
		for i := range parts {
			parts[i] = fmt.Sprintf("p%d=%d", i, i)
		}
		return strings.Join(parts, "&")
	}
	tests := []struct {
		name     string
		n        int
		exceeded bool
		keys     int
	}{
		{"under", 999, false, 999},
		{"at limit", 1000, false, 1000},
		{"one over", 1001, true, 1000},
		{"far over", 1500, true, 1000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			obj, err := Parse(params(tt.n))
			obj2, info := ParseInfo(params(tt.n))
			assert.Equal(t, tt.keys, obj.Len())
			assert.Equal(t, canonical(t, obj), canonical(t, obj2))
			assert.Equal(t, tt.exceeded, info.ParameterLimitExceeded)
			assert.Equal(t, tt.n, info.Parameters)
			if tt.exceeded {
				require.Error(t, err)
				assert.True(t, errors.Is(err, ErrParameterLimit))
				assert.Contains(t, err.Error(), fmt.Sprint(tt.n))
			} else {
				assert.NoError(t, err)
			}
		})
	}
}

func TestInfoFlags(t *testing.T) {
	tests := []struct {
		in    string
		depth bool
		array bool
	}{
		{"a[b][c][d][e][f]=g", false, false},
		{"a[b][c][d][e][f][g]=h", true, false},
		{"a[19]=b", false, false},
		// qs 6.17 builds arrays only for indices below arrayLimit.
		{"a[20]=b", false, true},
		{strings.Repeat("a=1&", 20) + "a=2", false, true},
		{strings.Repeat("a=1&", 19) + "a=2", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			_, info := ParseInfo(tt.in)
			assert.Equal(t, tt.depth, info.DepthExceeded)
			assert.Equal(t, tt.array, info.ArrayLimitExceeded)
		})
	}
}

func TestAccessors(t *testing.T) {
	obj, err := Parse("$or[0][archived][$ne]=true&$or[1][roomId]=2&$select[]=text&$sort[createdAt]=-1")
	require.NoError(t, err)
	assert.Equal(t, []string{"$or", "$select", "$sort"}, obj.Keys())

	v, ok := Lookup(obj, "$or", "0", "archived", "$ne")
	require.True(t, ok)
	s, ok := AsString(v)
	assert.True(t, ok)
	assert.Equal(t, "true", s)

	v, ok = Lookup(obj, "$or", "1", "roomId")
	require.True(t, ok)
	assert.Equal(t, "2", v)

	_, ok = Lookup(obj, "$or", "2")
	assert.False(t, ok)
	_, ok = Lookup(obj, "$or", "x")
	assert.False(t, ok)
	_, ok = Lookup(obj, "$select", "0", "deeper")
	assert.False(t, ok)

	sel, _ := obj.Get("$select")
	arr, ok := AsArray(sel)
	require.True(t, ok)
	assert.Equal(t, []any{"text"}, arr)

	sortV, _ := obj.Get("$sort")
	sortObj, ok := AsObject(sortV)
	require.True(t, ok)
	var seen []string
	for k, v := range sortObj.All() {
		seen = append(seen, k+"="+v.(string))
	}
	assert.Equal(t, []string{"createdAt=-1"}, seen)

	var zero Object
	assert.Equal(t, 0, zero.Len())
	b, err := json.Marshal(zero)
	require.NoError(t, err)
	assert.Equal(t, "{}", string(b))
}

func TestJSHelpers(t *testing.T) {
	tests := []struct {
		in    string
		canon bool
	}{
		{"0", true}, {"20", true}, {"-1", true}, {"-0", false}, {"01", false},
		{"1e3", false}, {" 1", false}, {"+1", false}, {"9007199254740993", false},
		{"100000000000000000000", true}, {"1000000000000000000000", false}, {"x", false},
	}
	for _, tt := range tests {
		_, ok := canonicalInt(tt.in)
		assert.Equal(t, tt.canon, ok, tt.in)
	}
	assert.Equal(t, "1e+21", jsNumberString(1e21))
	assert.Equal(t, "1.5e-7", jsNumberString(1.5e-7))
	assert.Equal(t, "NaN", jsNumberString(jsParseInt("abc")))
	assert.Equal(t, "12", jsNumberString(jsParseInt("12abc")))
}

func FuzzParse(f *testing.F) {
	raw, err := os.ReadFile("testdata/golden.json")
	require.NoError(f, err)
	var cases []goldenCase
	require.NoError(f, json.Unmarshal(raw, &cases))
	for _, c := range cases {
		if len(c.Input) < 300 {
			f.Add(c.Input)
		}
	}
	f.Fuzz(func(t *testing.T, in string) {
		obj, info := ParseInfo(in)
		if _, err := json.Marshal(obj); err != nil {
			t.Fatalf("marshal %q: %v", in, err)
		}
		if info.Parameters > 0 && in == "" {
			t.Fatalf("parameters counted for empty input")
		}
	})
}
