package hapihub

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Query is a find query in HAPI Hub's (Feathers') query language: filters, sort, select, paging,
// total and text search. Build one with Where and chain the rest; a nil *Query is an empty query.
//
//	q := hapihub.Where(hapihub.Eq("status", "active"), hapihub.Gte("dateOfBirth", born)).
//		Sort("lastName", hapihub.Asc).Select("id", "lastName").Limit(20).WithTotal()
//
// Encode renders it as the Node qs library renders the same query object (what Feathers clients
// send), so the server reads exactly the query written here.
type Query struct {
	filters []Filter
	sort    []sortKey
	sel     []string
	limit   *int
	skip    int
	after   string
	before  string
	total   bool
	search  *SearchOptions
}

// Direction orders a sort key.
type Direction int

// Sort directions.
const (
	Asc  Direction = 1
	Desc Direction = -1
)

type sortKey struct {
	field string
	dir   Direction
}

// Where starts a query whose filters must all hold.
func Where(filters ...Filter) *Query { return (&Query{}).Where(filters...) }

// NewQuery is an empty query (every object), to chain Sort, Limit and the rest on.
func NewQuery() *Query { return &Query{} }

func (q *Query) clone() *Query {
	if q == nil {
		return &Query{}
	}
	c := *q
	c.filters = append([]Filter(nil), q.filters...)
	c.sort = append([]sortKey(nil), q.sort...)
	c.sel = append([]string(nil), q.sel...)
	return &c
}

// Where adds filters; all of them must hold.
func (q *Query) Where(filters ...Filter) *Query {
	q.filters = append(q.filters, filters...)
	return q
}

// Sort adds a sort key; keys apply in the order added.
func (q *Query) Sort(field string, dir Direction) *Query {
	q.sort = append(q.sort, sortKey{field, dir})
	return q
}

// Select limits the fields returned (id and object are always returned).
func (q *Query) Select(fields ...string) *Query {
	q.sel = append(q.sel, fields...)
	return q
}

// Limit sets the page size (the API's default is 10, its maximum 100; 0 returns only the total).
func (q *Query) Limit(n int) *Query {
	q.limit = &n
	return q
}

// Skip skips the first n matches.
func (q *Query) Skip(n int) *Query {
	q.skip = n
	return q
}

// StartingAfter asks for the page after the object id (the last of the previous page), in the
// list's order: keyset paging, stable under concurrent writes (docs/query.md). Not with Skip.
func (q *Query) StartingAfter(id string) *Query {
	q.after, q.before = id, ""
	return q
}

// EndingBefore asks for the page just before the object id, returned in the list's order.
func (q *Query) EndingBefore(id string) *Query {
	q.before, q.after = id, ""
	return q
}

// WithTotal asks for the number of matches ($total=true) in List.Total.
func (q *Query) WithTotal() *Query {
	q.total = true
	return q
}

// Search adds a text search ($search): plain terms match any, "quoted phrases" must all match,
// -term excludes; words are stemmed.
func (q *Query) Search(text string) *Query {
	q.search = &SearchOptions{Text: text}
	return q
}

// SearchWith adds a text search with options.
func (q *Query) SearchWith(o SearchOptions) *Query {
	q.search = &o
	return q
}

// SearchOptions are $search's options (MongoDB $text's).
type SearchOptions struct {
	Text               string
	CaseSensitive      bool
	DiacriticSensitive bool
	// Language of the stemmer and stop words (default english).
	Language string
	// SortByRelevance orders the results by text score first.
	SortByRelevance bool
}

// Filter is one condition of a query: Eq, Ne, In, Nin, Lt, Lte, Gt, Gte, Exists, Or, And.
type Filter interface {
	// fragment is the filter as a qs object, to be merged into its parent.
	fragment() *object
}

type filterFunc func() *object

func (f filterFunc) fragment() *object { return f() }

func field(name string, v any) Filter {
	return filterFunc(func() *object { o := &object{}; o.set(name, v); return o })
}

func op(name, operator string, v any) Filter {
	return filterFunc(func() *object {
		inner := &object{}
		inner.set(operator, v)
		o := &object{}
		o.set(name, inner)
		return o
	})
}

// Eq matches objects whose field equals v (for an array field: contains v). A dotted field
// (address.city, metadata.key) reaches into an object. nil matches null or missing.
func Eq(field string, v any) Filter { return fieldFilter(field, v) }

func fieldFilter(name string, v any) Filter { return field(name, scalar(v)) }

// Ne matches objects whose field is not v (missing fields match).
func Ne(field string, v any) Filter { return op(field, "$ne", scalar(v)) }

// Lt matches field < v. Numbers compare with numbers, strings with strings; time.Time is Unix ms.
func Lt(field string, v any) Filter { return op(field, "$lt", scalar(v)) }

// Lte matches field <= v.
func Lte(field string, v any) Filter { return op(field, "$lte", scalar(v)) }

// Gt matches field > v.
func Gt(field string, v any) Filter { return op(field, "$gt", scalar(v)) }

// Gte matches field >= v.
func Gte(field string, v any) Filter { return op(field, "$gte", scalar(v)) }

// In matches objects whose field is one of values.
func In[T any](field string, values ...T) Filter { return op(field, "$in", list(values)) }

// Nin matches objects whose field is none of values (missing fields match).
func Nin[T any](field string, values ...T) Filter { return op(field, "$nin", list(values)) }

// Exists matches objects that have (true) or lack (false) the field.
func Exists(field string, exists bool) Filter { return op(field, "$exists", scalar(exists)) }

// Or matches objects that satisfy at least one of the branches; a branch of several conditions
// is an And.
func Or(branches ...Filter) Filter { return group("$or", branches) }

// And matches objects that satisfy every filter. Conditions on different fields (or different
// operators of one field) join one object; the rest go to $and.
func And(filters ...Filter) Filter {
	return filterFunc(func() *object {
		o := &object{}
		for _, f := range filters {
			o.merge(f.fragment())
		}
		return o
	})
}

func group(key string, branches []Filter) Filter {
	return filterFunc(func() *object {
		arr := make([]any, len(branches))
		for i, b := range branches {
			arr[i] = b.fragment()
		}
		o := &object{}
		o.set(key, arr)
		return o
	})
}

func list[T any](values []T) []any {
	out := make([]any, len(values))
	for i, v := range values {
		out[i] = scalar(v)
	}
	return out
}

// scalar renders a value as the query string carries it: time.Time as Unix ms, nil as null.
func scalar(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case time.Time:
		return strconv.FormatInt(x.UnixMilli(), 10)
	case int:
		return strconv.Itoa(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case int32:
		return strconv.FormatInt(int64(x), 10)
	case uint:
		return strconv.FormatUint(uint64(x), 10)
	case uint64:
		return strconv.FormatUint(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case *string:
		if x == nil {
			return "null"
		}
		return *x
	case *int64:
		if x == nil {
			return "null"
		}
		return strconv.FormatInt(*x, 10)
	case *bool:
		if x == nil {
			return "null"
		}
		return strconv.FormatBool(*x)
	case fmt.Stringer:
		return x.String()
	}
	return fmt.Sprint(v)
}

// object is a JavaScript object as qs stringifies it: keys in insertion order; values are
// strings, []any or *object.
type object struct {
	keys []string
	vals map[string]any
}

func (o *object) set(k string, v any) {
	if o.vals == nil {
		o.vals = map[string]any{}
	}
	if _, ok := o.vals[k]; !ok {
		o.keys = append(o.keys, k)
	}
	o.vals[k] = v
}

// merge adds f's conditions. A key f shares with o joins it when both are operator objects with
// different operators (age > 1 and age < 5); otherwise f as a whole goes to $and, which keeps
// the meaning (all must hold) without overwriting anything.
func (o *object) merge(f *object) {
	if o.conflicts(f) {
		arr, _ := o.vals["$and"].([]any)
		o.set("$and", append(arr, f))
		return
	}
	for _, k := range f.keys {
		if cur, ok := o.vals[k].(*object); ok {
			add := f.vals[k].(*object)
			for _, op := range add.keys {
				cur.set(op, add.vals[op])
			}
			continue
		}
		o.set(k, f.vals[k])
	}
}

func (o *object) conflicts(f *object) bool {
	for _, k := range f.keys {
		cur, ok := o.vals[k]
		if !ok {
			continue
		}
		a, aObj := cur.(*object)
		b, bObj := f.vals[k].(*object)
		if !aObj || !bObj || strings.HasPrefix(k, "$") {
			return true
		}
		for _, op := range b.keys {
			if _, dup := a.vals[op]; dup {
				return true
			}
		}
	}
	return false
}

// tree is the whole query as the object Feathers would pass to qs.stringify.
func (q *Query) tree() *object {
	root := &object{}
	if q == nil {
		return root
	}
	for _, f := range q.filters {
		root.merge(f.fragment())
	}
	if s := q.search; s != nil {
		if s.CaseSensitive || s.DiacriticSensitive || s.Language != "" || s.SortByRelevance {
			o := &object{}
			o.set("text", s.Text)
			if s.CaseSensitive {
				o.set("caseSensitive", "true")
			}
			if s.DiacriticSensitive {
				o.set("diacriticSensitive", "true")
			}
			if s.Language != "" {
				o.set("language", s.Language)
			}
			if s.SortByRelevance {
				o.set("sortByRelevance", "true")
			}
			root.set("$search", o)
		} else {
			root.set("$search", s.Text)
		}
	}
	switch len(q.sort) {
	case 0:
	case 1:
		o := &object{}
		o.set(q.sort[0].field, strconv.Itoa(int(q.sort[0].dir)))
		root.set("$sort", o)
	default:
		// An object's key order does not survive API Gateway (it hands over parameters without
		// their order), so several keys go as an array of one-key objects, which keeps it.
		arr := make([]any, len(q.sort))
		for i, k := range q.sort {
			o := &object{}
			o.set(k.field, strconv.Itoa(int(k.dir)))
			arr[i] = o
		}
		root.set("$sort", arr)
	}
	if len(q.sel) > 0 {
		root.set("$select", list(q.sel))
	}
	if q.limit != nil {
		root.set("$limit", strconv.Itoa(*q.limit))
	}
	if q.skip != 0 {
		root.set("$skip", strconv.Itoa(q.skip))
	}
	if q.after != "" {
		root.set("startingAfter", q.after)
	}
	if q.before != "" {
		root.set("endingBefore", q.before)
	}
	if q.total {
		root.set("$total", "true")
	}
	return root
}

// Encode renders the query string (without "?") as qs.stringify does with its defaults: nested
// keys in brackets, arrays by index, keys and values percent-encoded (RFC 3986).
func (q *Query) Encode() string {
	var parts []string
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		switch x := v.(type) {
		case string:
			parts = append(parts, qsEscape(prefix)+"="+qsEscape(x))
		case []any:
			for i, e := range x {
				walk(prefix+"["+strconv.Itoa(i)+"]", e)
			}
		case *object:
			for _, k := range x.keys {
				walk(prefix+"["+k+"]", x.vals[k])
			}
		}
	}
	root := q.tree()
	for _, k := range root.keys {
		walk(k, root.vals[k])
	}
	return strings.Join(parts, "&")
}

// String is Encode.
func (q *Query) String() string { return q.Encode() }

// qsEscape is qs's default encoder (RFC 3986): everything but A-Z a-z 0-9 - _ . ~ is
// percent-encoded as UTF-8 with upper-case hex.
func qsEscape(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}
