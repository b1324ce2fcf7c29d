package attr

import (
	"encoding/json"
	"testing"
)

// An item's wire form is the same whether marshalled on its own or appended to a buffer, and it
// reads back as the item.
func TestItemAppendJSONRoundTrip(t *testing.T) {
	it := Item{"PK": Str("A#1"), "n": Num("12.5"), "b": {Kind: B, Bin: []byte{0, 1, 0xff}}, "ok": {Kind: BOOL, Bool: true},
		"nul": Null(), "l": {Kind: L, List: []Value{Str("<x>"), Num("1")}}, "ss": StrSet("a", "b"),
		"ns": NumSet("1", "2"), "bs": BinSet([]byte("x")), "m": {Kind: M, Map: map[string]Value{"z": Str("é"), "a": Str("")}}}
	whole, err := it.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	appended, err := it.AppendJSON([]byte("prefix"))
	if err != nil {
		t.Fatal(err)
	}
	if string(appended) != "prefix"+string(whole) {
		t.Fatalf("AppendJSON differs from MarshalJSON:\n%s\n%s", appended, whole)
	}
	var back Item
	if err := json.Unmarshal(whole, &back); err != nil {
		t.Fatal(err)
	}
	again, _ := back.MarshalJSON()
	if string(again) != string(whole) {
		t.Fatalf("round trip changed the item:\n%s\n%s", whole, again)
	}
}
