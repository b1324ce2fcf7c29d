package query

import (
	"strings"

	"github.com/hapihub/hapihub/shared/qs"
	"github.com/hapihub/hapihub/shared/schema"
)

// Cursor parameters (Stripe's starting_after / ending_before, in the guide's camelCase). They
// are ours, not Feathers': a Feathers client never sends them, so they cannot clash with a field.
const (
	ParamStartingAfter = "startingAfter"
	ParamEndingBefore  = "endingBefore"
)

// Cursor is a keyset position: the page holds the objects after (or, Before, before) the object
// ID in the list's order.
type Cursor struct {
	ID     string
	Before bool
	// Param is the parameter it came from, for messages.
	Param string
}

// KindAfter is a node matching the documents strictly after Anchor in the order Keys (then id,
// ties going by id in the direction of the last key): the exact keyset condition of a cursor.
// The planner reads it only through the range hints Seek adds beside it.
const KindAfter Kind = 100

// cursorParam compiles startingAfter / endingBefore (Feathers dialect).
func (c *compiler) cursorParam(q *Query, k string, v qs.Value) {
	s, ok := c.single(k, v)
	if !ok {
		return
	}
	if q.Cursor != nil {
		c.bad(k, "cannot be combined with %s: a page starts after one object or ends before one", q.Cursor.Param)
		return
	}
	want := c.res.Prefix + "_"
	if !strings.HasPrefix(s, want) || len(s) == len(want) || len(s) > 100 {
		c.bad(k, "must be the id of a %s (%s...)", c.res.Object, want)
		return
	}
	q.Cursor = &Cursor{ID: s, Before: k == ParamEndingBefore, Param: k}
}

// checkCursor refuses what a cursor cannot be combined with.
func (c *compiler) checkCursor(q *Query, obj qs.Object) {
	if q.Cursor == nil {
		return
	}
	if _, ok := obj.Get("$skip"); ok {
		c.bad(q.Cursor.Param, "cannot be combined with $skip: the cursor is the page's position")
	}
	if q.Search != nil && q.Search.SortByRelevance {
		c.bad(q.Cursor.Param, "cannot be combined with $search sortByRelevance: a text score is no stable position")
	}
}

// NeedsAnchor reports whether the cursor's object must be read (its sort values bound the page):
// in id order the id alone is the position, even once that object is deleted.
func (q *Query) NeedsAnchor() bool {
	if q.Cursor == nil {
		return false
	}
	for _, k := range q.Sort {
		if k.Field == "id" {
			return false
		}
		return true
	}
	return false
}

// Reverse flips the list's order (every sort key, and so the id tie-break), for endingBefore:
// the page is read backwards from the cursor and handed back in the list's order (ReversePage).
func (q *Query) Reverse() {
	if len(q.Sort) == 0 {
		q.Sort = []SortKey{{Field: "id", Desc: true}}
		return
	}
	out := make([]SortKey, len(q.Sort))
	for i, k := range q.Sort {
		out[i] = SortKey{Field: k.Field, Desc: !k.Desc}
	}
	q.Sort = out
}

// ReversePage reverses a page in place.
func ReversePage(docs []map[string]any) {
	for i, j := 0, len(docs)-1; i < j; i, j = i+1, j-1 {
		docs[i], docs[j] = docs[j], docs[i]
	}
}

// Seek bounds the query to the documents after anchor (the cursor's object; in id order only
// its id is needed) in the query's current order: the exact keyset condition, plus a range on
// the first sort key (or on id) that the planner reads from its index, starting at the anchor
// (Node.After lets it start past the anchor's own index key), so a deep page reads what page 1
// does.
func (q *Query) Seek(res *schema.Resource, anchor map[string]any) {
	id, _ := anchor["id"].(string)
	keys := q.effectiveSort()
	q.Where.Children = append(q.Where.Children, Node{Kind: KindAfter, Keys: keys, Value: anchor, Param: q.Cursor.Param})
	if len(keys) == 0 || keys[0].Field == "id" {
		op := OpGt
		if q.IDDesc() {
			op = OpLt
		}
		q.Where.Children = append(q.Where.Children, Node{Kind: KindCond, Field: "id", Op: op, Value: id, Param: q.Cursor.Param})
		return
	}
	first := keys[0]
	v, _ := Lookup(anchor, first.Field)
	f, ok := res.Field(first.Field)
	// Never null: required fields, and the timestamps every object carries.
	present := ok && (f.Required || first.Field == "createdAt" || first.Field == "updatedAt")
	if v == nil || !ok || (first.Desc && !present) {
		// Ascending from null, or descending where null (sorted first, read last) may follow:
		// no one-type range holds every later document; the exact condition alone decides.
		return
	}
	op := OpGte
	if first.Desc {
		op = OpLte
	}
	// When every key goes one way (ties too), an index ordered by those fields then id holds the
	// position as a key: the read starts just past it.
	var fields []string
	for _, k := range keys {
		if k.Field == "id" {
			break
		}
		if k.Desc != first.Desc {
			fields = nil
			break
		}
		fields = append(fields, k.Field)
	}
	after := ""
	if fields != nil && q.IDDesc() == first.Desc {
		after = id
	}
	q.Where.Children = append(q.Where.Children, Node{Kind: KindCond, Field: first.Field, Op: op, Value: v, Param: q.Cursor.Param,
		After: after, AfterFields: fields, Anchor: anchor})
}

// effectiveSort is the sort keys up to and including an id key (later keys never apply).
func (q *Query) effectiveSort() []SortKey {
	var out []SortKey
	for _, k := range q.Sort {
		out = append(out, k)
		if k.Field == "id" {
			break
		}
	}
	return out
}

// after reports whether doc comes strictly after anchor in keys' order (then id).
func after(keys []SortKey, doc, anchor map[string]any) bool {
	q := Query{Sort: keys}
	return q.Less(Scored{Doc: anchor}, Scored{Doc: doc})
}
