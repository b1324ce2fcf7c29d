package attr

import (
	"bytes"
	"fmt"
	"strings"
	"unicode/utf16"
)

// Compare orders two key-type values of the same kind as DynamoDB does: S by the
// bytes of their UTF-8 encoding, N by numeric value, B as unsigned bytes.
func Compare(a, b Value) (int, error) {
	if a.Kind != b.Kind {
		return 0, fmt.Errorf("attr: compare %s with %s", a.Kind, b.Kind)
	}
	switch a.Kind {
	case S:
		return strings.Compare(a.Str, b.Str), nil
	case N:
		return CompareNumbers(a.Str, b.Str)
	case B:
		return bytes.Compare(a.Bin, b.Bin), nil
	}
	return 0, fmt.Errorf("attr: compare of non-key type %s", a.Kind)
}

// numEqual compares numbers by value; unparsable text falls back to exact text.
func numEqual(a, b string) bool {
	c, err := CompareNumbers(a, b)
	if err != nil {
		return a == b
	}
	return c == 0
}

// Equal is deep equality as DynamoDB's "=" sees it: same kind, numbers by value,
// sets as unordered collections, lists in order, maps by key.
func Equal(a, b Value) bool {
	if a.Kind != b.Kind {
		return false
	}
	switch a.Kind {
	case S:
		return a.Str == b.Str
	case N:
		return numEqual(a.Str, b.Str)
	case B:
		return bytes.Equal(a.Bin, b.Bin)
	case BOOL:
		return a.Bool == b.Bool
	case NULL:
		return true
	case M:
		if len(a.Map) != len(b.Map) {
			return false
		}
		for k, av := range a.Map {
			bv, ok := b.Map[k]
			if !ok || !Equal(av, bv) {
				return false
			}
		}
		return true
	case L:
		if len(a.List) != len(b.List) {
			return false
		}
		for i := range a.List {
			if !Equal(a.List[i], b.List[i]) {
				return false
			}
		}
		return true
	case SS:
		return sameMembers(len(a.Strs), len(b.Strs), func(i int) bool { return containsStr(b.Strs, a.Strs[i]) })
	case NS:
		return sameMembers(len(a.Strs), len(b.Strs), func(i int) bool { return containsNum(b.Strs, a.Strs[i]) })
	case BS:
		return sameMembers(len(a.Bins), len(b.Bins), func(i int) bool { return containsBin(b.Bins, a.Bins[i]) })
	}
	return false
}

// sameMembers relies on sets holding no duplicates.
func sameMembers(la, lb int, inB func(i int) bool) bool {
	if la != lb {
		return false
	}
	for i := 0; i < la; i++ {
		if !inB(i) {
			return false
		}
	}
	return true
}

func containsStr(set []string, s string) bool {
	for _, x := range set {
		if x == s {
			return true
		}
	}
	return false
}

func containsNum(set []string, n string) bool {
	for _, x := range set {
		if numEqual(x, n) {
			return true
		}
	}
	return false
}

func containsBin(set [][]byte, b []byte) bool {
	for _, x := range set {
		if bytes.Equal(x, b) {
			return true
		}
	}
	return false
}

// SetContains reports whether set (SS, NS or BS) holds member (S, N or B).
func SetContains(set, member Value) bool {
	switch {
	case set.Kind == SS && member.Kind == S:
		return containsStr(set.Strs, member.Str)
	case set.Kind == NS && member.Kind == N:
		return containsNum(set.Strs, member.Str)
	case set.Kind == BS && member.Kind == B:
		return containsBin(set.Bins, member.Bin)
	}
	return false
}

// SetLen is the number of members of a set value.
func SetLen(v Value) int {
	if v.Kind == BS {
		return len(v.Bins)
	}
	return len(v.Strs)
}

// UTF16Len is the length DynamoDB's size() reports for a string: UTF-16 code units.
func UTF16Len(s string) int {
	n := 0
	for _, r := range s {
		n += len(utf16.Encode([]rune{r}))
	}
	return n
}

// Clone deep-copies a value, so updates never alias stored items.
func Clone(v Value) Value {
	out := Value{Kind: v.Kind, Str: v.Str, Bool: v.Bool}
	if v.Bin != nil {
		out.Bin = append([]byte(nil), v.Bin...)
	}
	if v.Map != nil {
		out.Map = make(map[string]Value, len(v.Map))
		for k, e := range v.Map {
			out.Map[k] = Clone(e)
		}
	}
	if v.List != nil {
		out.List = make([]Value, len(v.List))
		for i, e := range v.List {
			out.List[i] = Clone(e)
		}
	}
	if v.Strs != nil {
		out.Strs = append([]string(nil), v.Strs...)
	}
	if v.Bins != nil {
		out.Bins = make([][]byte, len(v.Bins))
		for i, b := range v.Bins {
			out.Bins[i] = append([]byte(nil), b...)
		}
	}
	return out
}

// CloneItem deep-copies an item.
func CloneItem(it Item) Item {
	if it == nil {
		return nil
	}
	out := make(Item, len(it))
	for k, v := range it {
		out[k] = Clone(v)
	}
	return out
}
