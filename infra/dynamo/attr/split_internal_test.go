package attr

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestSplittersAgreeWithGeneralPath decodes items through encoding/json (which validates the
// body first, as the engine's request decoding does) with the one-pass splitters and with the
// general json.Unmarshal path, and requires the same item or the same error.
func TestSplittersAgreeWithGeneralPath(t *testing.T) {
	cases := []string{
		`{"Item":{"PK":{"S":"a"},"n":{"N":"01.50"},"m":{"M":{"x":{"L":[{"S":"y"},{"N":"2"},{"M":{}},{"L":[]}]},"b":{"BOOL":true}}}}}`,
		`{"Item": { "PK" : { "S" : "spaced" } , "l" : { "L" : [ { "S" : "a" } , { "NULL" : true } ] } } }`,
		`{"Item":{"k":{"S":"esc \"q\" \\ \u00e9 \n"},"k\u00e9y":{"S":"x"}}}`,
		`{"Item":{"dup":{"S":"first"},"dup":{"S":"second"}}}`,
		`{"Item":{"dup":{"N":"bad"},"dup":{"S":"second"}}}`,
		`{"Item":{"m":{"M":{"d":{"S":"1"},"d":{"N":"2"}}}}}`,
		`{"Item":{"ss":{"SS":["a","b","c\"d"]},"ns":{"NS":["1","1.0"]},"bs":{"BS":["AAE="]}}}`,
		`{"Item":{"ss":{"SS":["a","a"]}}}`,
		`{"Item":{"ss":{"SS":[]}}}`,
		`{"Item":{"ss":{"SS":["a",null]}}}`,
		`{"Item":{"x":{"S":"a","N":"1"}}}`,
		`{"Item":{"x":{"S":null}}}`,
		`{"Item":{"x":{"S":null,"N":"3"}}}`,
		`{"Item":{"x":{}}}`,
		`{"Item":{"x":{"Q":"1"}}}`,
		`{"Item":{"x":{"M":"nope"}}}`,
		`{"Item":{"x":{"L":{"S":"a"}}}}`,
		`{"Item":{"x":{"L":[null]}}}`,
		`{"Item":{"x":{"L":["str"]}}}`,
		`{"Item":{"x":{"M":{"y":[1]}}}}`,
		`{"Item":{"x":{"NULL":false}}}`,
		`{"Item":{"x":{"BOOL":"yes"}}}`,
		`{"Item":{"x":{"B":"AAEC"},"y":{"B":"A"}}}`,
		`{"Item":{"x":{"N":1}}}`,
		`{"Item":{"x":"plain"}}`,
		`{"Item":[]}`,
		`{"Item":null}`,
		`{"Item":{}}`,
		`{"Item":{"x":{"M":{"a":{"M":{"b":{"M":{"c":{"L":[{"L":[{"S":"deep}]{["}]}]}}}}}}}}}`,
	}
	type req struct {
		Item Item
	}
	decode := func(in string) (Item, string) {
		var r req
		if err := json.Unmarshal([]byte(in), &r); err != nil {
			return nil, err.Error()
		}
		return r.Item, ""
	}
	for _, in := range cases {
		t.Run(in, func(t *testing.T) {
			fast, ferr := decode(in)
			splitting = false
			defer func() { splitting = true }()
			slow, serr := decode(in)
			require.Equal(t, serr, ferr)
			require.Equal(t, slow, fast)
		})
	}
}

// TestSplittersDeclineWhatTheyDoNotRead: malformed shapes are left to the general path.
func TestSplittersDeclineWhatTheyDoNotRead(t *testing.T) {
	for _, in := range []string{``, `{`, `{"a"}`, `{"a":}`, `{"a":1,}`, `{"a":1} x`, `{"a":"unterminated}`, `[1,`, `{"a":[1,2}`} {
		_, ok := splitObject([]byte(in))
		require.False(t, ok, in)
	}
	for _, in := range []string{``, `[`, `[1,]`, `[1 2]`, `[1] x`, `{}`} {
		_, ok := splitArray([]byte(in))
		require.False(t, ok, in)
	}
	f, ok := splitObject([]byte(` { "a" : [ 1 , { "b" : "}" } ] , "c\"" : "d" } `))
	require.True(t, ok)
	require.Equal(t, []Member{{"a", []byte(`[ 1 , { "b" : "}" } ]`)}, {`c"`, []byte(`"d"`)}}, f)
}
