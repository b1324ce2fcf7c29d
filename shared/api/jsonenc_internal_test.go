package api

import (
	"encoding/json"
	"math"
	"testing"
)

// Response bodies are written by appendJSON; every shape must come out exactly as
// encoding/json writes it (clients and stored idempotent replays compare bodies).
func TestAppendJSONMatchesEncodingJSON(t *testing.T) {
	type view struct {
		ID   string  `json:"id"`
		Cost float64 `json:"cost"`
	}
	var nilMap map[string]any
	var nilList []any
	var nilStrings []string
	bodies := []any{
		nil, "", "plain", "<script>&\"quote\"\\", "tab\t\n\x00", "Léa ✓ 🙂", "\u2028", "bad \xff",
		true, false, 0, -1, int64(math.MaxInt64), int64(math.MinInt64), 1.5, 1e21, 1e-7, json.Number("12.50"),
		nilMap, nilList, nilStrings, []string{}, []string{"b", "<a>"}, []any{}, map[string]any{},
		map[string]any{"object": "list", "data": []any{
			map[string]any{"id": "pat_1", "lastName": "O'Brien", "tags": []any{"a", "b"}, "metadata": map[string]any{"z": 1, "a": nil},
				"dateOfBirth": int64(-4861728000000), "deleted": true, "address": map[string]any{"line1": "Diagon <Alley> 1"}},
		}, "total": 3, "limit": 10, "skip": 0, "hasMore": false, "weird key \u00e9": "x", "": "empty key"},
		view{ID: "x", Cost: 2.25}, []any{view{ID: "y"}, map[string]any{"nested": []any{nil, []string{"s"}}}},
		map[string]string{"b": "1", "a": "2"},
	}
	for i, b := range bodies {
		want, werr := json.Marshal(b)
		got, gerr := appendJSON([]byte("x"), b)
		if (werr != nil) != (gerr != nil) {
			t.Fatalf("body %d: errors differ: %v / %v", i, werr, gerr)
		}
		if werr == nil && string(got) != "x"+string(want) {
			t.Errorf("body %d:\n got %s\nwant x%s", i, got, want)
		}
	}
	// A value encoding/json refuses is refused too.
	if _, err := appendJSON(nil, map[string]any{"f": math.NaN()}); err == nil {
		t.Error("NaN must fail as it does in encoding/json")
	}
}
