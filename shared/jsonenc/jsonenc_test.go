package jsonenc

import (
	"encoding/json"
	"math"
	"testing"
)

// Response bodies are written by Append; every shape must come out exactly as
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
		got, gerr := Append([]byte("x"), b)
		if (werr != nil) != (gerr != nil) {
			t.Fatalf("body %d: errors differ: %v / %v", i, werr, gerr)
		}
		if werr == nil && string(got) != "x"+string(want) {
			t.Errorf("body %d:\n got %s\nwant x%s", i, got, want)
		}
	}
	// A value encoding/json refuses is refused too.
	if _, err := Append(nil, map[string]any{"f": math.NaN()}); err == nil {
		t.Error("NaN must fail as it does in encoding/json")
	}
}

// AppendString must write exactly what encoding/json writes (the SDK and the conformance tests
// read the engine's answers byte for byte as DynamoDB's JSON), fast path or not.
func TestAppendStringMatchesEncodingJSON(t *testing.T) {
	for _, s := range []string{"", "plain", "A#acct_1#test#O#org_1#patients", "with space ~", `quote"`, `back\slash`,
		"<b>&amp;</b>", "tab\there", "nl\n", "\x00\x1f\x7f", "Léa Chloé", "björk ✓", "\u2028\u2029", "bad \xff utf8", "emoji 🙂"} {
		want, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := AppendString([]byte("x"), s); string(got) != "x"+string(want) {
			t.Errorf("AppendString(%q) = %s, want x%s", s, got, want)
		}
	}
}
