package attr

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestScalarFastPathAgreesWithGeneralPath checks that the fast reader of
// one-scalar values answers what encoding/json + decodeRaw answer, values and
// errors alike, and declines every shape it does not handle.
func TestScalarFastPathAgreesWithGeneralPath(t *testing.T) {
	cases := []struct {
		in   string
		fast bool
	}{
		{`{"S":"hello"}`, true},
		{`{"S":""}`, true},
		{`{"S":"héllo"}`, true},
		{`{"N":"1.50"}`, true},
		{`{"N":"-0"}`, true},
		{`{"N":"abc"}`, true},
		{`{"N":""}`, true},
		{`{"BOOL":true}`, true},
		{`{"BOOL":false}`, true},
		{`{"NULL":true}`, true},
		{`{"NULL":false}`, true},
		{`{"S":"a\"b"}`, false},
		{`{"S":"a\\b"}`, false},
		{`{"S":"\u00e9"}`, false},
		{`{"S": "spaced"}`, false},
		{`{"S":"a","N":"1"}`, false},
		{`{"S":1}`, false},
		{`{"B":"AAEC"}`, false},
		{`{"X":"y"}`, false},
		{`{"BOOL":"true"}`, false},
		{`{"SS":["a"]}`, false},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			fv, ok, ferr := decodeScalarFast([]byte(c.in))
			require.Equal(t, c.fast, ok)
			var raw map[string]json.RawMessage
			require.NoError(t, json.Unmarshal([]byte(c.in), &raw))
			gv, gerr := decodeRaw(raw)
			if ok {
				require.Equal(t, gerr, ferr)
				require.Equal(t, gv, fv)
			}
			var v Value
			err := v.UnmarshalJSON([]byte(c.in))
			require.Equal(t, gerr, err)
			if err == nil {
				require.Equal(t, gv, v)
			}
		})
	}
}
