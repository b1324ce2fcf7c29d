package dynamo

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/infra/dynamo/attr"
)

func TestStoredCodecRoundTrip(t *testing.T) {
	items := map[string]attr.Item{
		"empty": {},
		"scalars": {
			"s": attr.Str("héllo"), "n": attr.Num("-12.5"), "b": attr.Bin([]byte{0, 1, 255}),
			"t": attr.Boolean(true), "f": attr.Boolean(false), "null": attr.Null(),
		},
		"sets": {"ss": attr.StrSet("a", "b"), "ns": attr.NumSet("1", "2.5"), "bs": attr.BinSet([]byte("x"), []byte{})},
		"documents": {
			"m": attr.Map(map[string]attr.Value{"inner": attr.List([]attr.Value{attr.Str("x"), attr.Map(map[string]attr.Value{})})}),
			"l": attr.List(nil),
		},
	}
	for name, it := range items {
		t.Run(name, func(t *testing.T) {
			data, err := encodeItem(it)
			require.NoError(t, err)
			got, err := decodeItem(data)
			require.NoError(t, err)
			require.Len(t, got, len(it))
			for k, v := range it {
				require.Truef(t, attr.Equal(v, got[k]), "attribute %s: %#v != %#v", k, v, got[k])
			}
			size, err := storedSize(data)
			require.NoError(t, err)
			require.Equal(t, attr.ItemSize(it), size)
			again, err := encodeItem(got)
			require.NoError(t, err)
			require.Equal(t, data, again, "equal items encode to equal bytes")
		})
	}
}

func TestStoredCodecReadsLegacyJSONAndRejectsCorrupt(t *testing.T) {
	legacy := []byte(`{"pk":{"S":"a"},"n":{"N":"3"}}`)
	got, err := decodeItem(legacy)
	require.NoError(t, err)
	require.Equal(t, "a", got["pk"].Str)
	size, err := storedSize(legacy)
	require.NoError(t, err)
	require.Equal(t, attr.ItemSize(got), size)

	data, err := encodeItem(attr.Item{"pk": attr.Str("abcdef")})
	require.NoError(t, err)
	for cut := 2; cut < len(data); cut++ {
		_, err := decodeItem(data[:cut])
		require.Errorf(t, err, "truncated at %d", cut)
	}
	_, err = decodeItem([]byte{storedV1, 1, 1, 1, 'x', 99})
	require.Error(t, err, "unknown kind")
}
