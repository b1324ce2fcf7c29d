package query

import "slices"

// Ids begin with their object's creation time, and createdAt is that instant (docs/query.md,
// "createdAt order is id order"): the planner then reads createdAt order and createdAt ranges as
// id order and id ranges. These are the pure parts of that rewrite.

// TimeOrdered says whether keys (the order left once equality has fixed some fields) are
// createdAt alone with ties going by id the same way: then the order is id order.
func TimeOrdered(keys []SortKey, idDesc bool) bool {
	return len(keys) == 1 && keys[0].Field == "createdAt" && keys[0].Desc == idDesc
}

// IDBounds is conds with every non-null range on createdAt replaced by the id bound it is (n
// counts them); idPrefix(ms) is the smallest id created at ms. Whole milliseconds:
// createdAt > t is >= t+1, <= t is < t+1, and no id equals a bare prefix, so the bounds are
// exact. A cursor's bound (Seek: After set) becomes its anchor's id. ok is false for a bound
// that is not an integer (the compiler makes timestamps int64).
func IDBounds(conds []Node, idPrefix func(ms int64) string) (out []Node, n int, ok bool) {
	out = make([]Node, 0, len(conds))
	for _, c := range conds {
		if c.Kind != KindCond || c.Field != "createdAt" || c.Value == nil ||
			(c.Op != OpGt && c.Op != OpGte && c.Op != OpLt && c.Op != OpLte) {
			out = append(out, c)
			continue
		}
		ms, isInt := c.Value.(int64)
		if !isInt {
			return nil, 0, false
		}
		b := Node{Kind: KindCond, Field: "id", Param: c.Param}
		switch {
		case c.After != "" && slices.Equal(c.AfterFields, []string{"createdAt"}):
			b.Op, b.Value = OpGt, c.After
			if c.Op == OpLte {
				b.Op = OpLt
			}
		case c.Op == OpGte:
			b.Op, b.Value = OpGte, idPrefix(ms)
		case c.Op == OpGt:
			b.Op, b.Value = OpGte, idPrefix(ms+1)
		case c.Op == OpLt:
			b.Op, b.Value = OpLt, idPrefix(ms)
		default:
			b.Op, b.Value = OpLt, idPrefix(ms+1)
		}
		out = append(out, b)
		n++
	}
	return out, n, true
}

// IDRange is the tightest range of the id bounds among conds as inclusive bounds (a key
// condition's BETWEEN), "" where there is none: > x starts at x+"\x00"; < x ends at the largest
// string below x of characters under \x7f (ids are ASCII), or at x itself when x ends otherwise
// (the in-memory check then drops x).
func IDRange(conds []Node) (lo, hi string) {
	for _, c := range conds {
		x, ok := c.Value.(string)
		if c.Kind != KindCond || c.Field != "id" || !ok || x == "" {
			continue
		}
		switch c.Op {
		case OpGt:
			x += "\x00"
		case OpLt:
			if last := x[len(x)-1]; last > 0 && last <= 0x7f {
				x = x[:len(x)-1] + string([]byte{last - 1}) + "\x7f"
			}
		}
		switch c.Op {
		case OpGt, OpGte:
			lo = max(lo, x)
		case OpLt, OpLte:
			if hi == "" || x < hi {
				hi = x
			}
		}
	}
	return lo, hi
}
