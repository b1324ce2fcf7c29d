package dynamo

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/infra/dynamo/attr"
)

// TestKeylessItemsRoundTrip: items are stored without their string and binary key attributes
// and read back whole from the storage key, whatever bytes the keys hold (0x00, 0x01, 0xFF);
// the stored size is the whole item's; a number partition key keeps the item whole; items
// stored whole by earlier versions still read.
func TestKeylessItemsRoundTrip(t *testing.T) {
	tables := []*tableMeta{
		{Name: "hs", Hash: keyDef{Name: "PK", Type: "S"}},
		{Name: "hsrs", Hash: keyDef{Name: "PK", Type: "S"}, Range: keyDef{Name: "SK", Type: "S"}},
		{Name: "hbrn", Hash: keyDef{Name: "PK", Type: "B"}, Range: keyDef{Name: "SK", Type: "N"}},
		{Name: "hnrs", Hash: keyDef{Name: "PK", Type: "N"}, Range: keyDef{Name: "SK", Type: "S"}},
	}
	vals := map[string][]attr.Value{
		"S": {attr.Str("a"), attr.Str("A#acct#test#O#org#patients#term#x"), attr.Str("a\x00b\x00\x01c\xff"), attr.Str("\x00")},
		"B": {{Kind: attr.B, Bin: []byte{0}}, {Kind: attr.B, Bin: []byte{0, 1, 0xFF, 0, 0}}, {Kind: attr.B, Bin: []byte("x")}},
		"N": {attr.Num("0"), attr.Num("-1.5"), attr.Num("12345678901234567890")},
	}
	for _, tm := range tables {
		for _, hv := range vals[tm.Hash.Type] {
			rvs := []attr.Value{{}}
			if tm.Range.Name != "" {
				rvs = vals[tm.Range.Type]
			}
			for _, rv := range rvs {
				item := attr.Item{"PK": hv, "data": attr.Str("payload"), "n": attr.Num("7")}
				if tm.Range.Name != "" {
					item["SK"] = rv
				}
				key, err := keyFromItem(tm, item)
				require.NoError(t, err)
				data, err := encodeStored(tm, item)
				require.NoError(t, err)
				require.Equal(t, storedFormat(tm), data[0], tm.Name)
				size, err := storedSize(data)
				require.NoError(t, err)
				require.Equal(t, attr.ItemSize(item), size, tm.Name)
				got, err := decodeStored(tm, key, data)
				require.NoError(t, err)
				require.Equal(t, item, got, "%s %v %v", tm.Name, hv, rv)
				whole, err := encodeItem(item)
				require.NoError(t, err)
				if tm.Hash.Type != "N" {
					require.Less(t, len(data), len(whole), "%s: stored without its key", tm.Name)
				}
				legacy, err := decodeStored(tm, key, whole)
				require.NoError(t, err)
				require.Equal(t, item, legacy)
			}
		}
	}
	_, err := decodeStored(tables[1], []byte("no terminator"), []byte{storedKeyless, 1, 0})
	require.ErrorIs(t, err, errCorrupt)
}
