package query

import (
	"encoding/json"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/hapihub/hapihub/shared/schema"
)

// Lookup returns the value at a dotted path and whether it is present.
func Lookup(doc map[string]any, path string) (any, bool) {
	var cur any = doc
	for p := range strings.SplitSeq(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		cur, ok = m[p]
		if !ok {
			return nil, false
		}
	}
	return cur, true
}

// Matches reports whether doc satisfies the filter tree (not $search: see Evaluate).
func (n Node) Matches(doc map[string]any) bool {
	switch n.Kind {
	case KindAnd:
		for _, c := range n.Children {
			if !c.Matches(doc) {
				return false
			}
		}
		return true
	case KindOr:
		for _, c := range n.Children {
			if c.Matches(doc) {
				return true
			}
		}
		return false
	case KindAfter:
		return after(n.Keys, doc, n.Value.(map[string]any))
	}
	v, present := Lookup(doc, n.Field)
	switch n.Op {
	case OpEq:
		return equals(v, present, n.Value)
	case OpNe:
		return !equals(v, present, n.Value)
	case OpIn, OpNin:
		in := false
		for _, x := range n.Values {
			if equals(v, present, x) {
				in = true
				break
			}
		}
		return in == (n.Op == OpIn)
	case OpExists:
		return present == n.Value.(bool)
	}
	return inRange(v, present, n.Op, n.Value)
}

// equals is MongoDB's equality match: null matches a missing or null field, and an array field
// matches when one of its elements does.
func equals(v any, present bool, x any) bool {
	if x == nil {
		if !present || v == nil {
			return true
		}
	} else if !present {
		return false
	}
	if arr, ok := v.([]any); ok {
		for _, e := range arr {
			if e == nil && x == nil || x != nil && e != nil && typeRank(e) == typeRank(x) && Compare(e, x) == 0 {
				return true
			}
		}
		return false
	}
	return x != nil && v != nil && typeRank(v) == typeRank(x) && Compare(v, x) == 0
}

// inRange is MongoDB's comparison match: only values of the bound's type class compare
// (numbers with numbers, strings with strings), so a range never matches a missing field; a
// null bound behaves as MongoDB's ($lte/$gte null match null and missing, $lt/$gt nothing).
func inRange(v any, present bool, op Op, bound any) bool {
	if bound == nil {
		return (op == OpLte || op == OpGte) && equals(v, present, nil)
	}
	if !present {
		return false
	}
	cands := []any{v}
	if arr, ok := v.([]any); ok {
		cands = arr
	}
	for _, e := range cands {
		if e == nil || typeRank(e) != typeRank(bound) {
			continue
		}
		c := Compare(e, bound)
		switch op {
		case OpLt:
			if c < 0 {
				return true
			}
		case OpLte:
			if c <= 0 {
				return true
			}
		case OpGt:
			if c > 0 {
				return true
			}
		case OpGte:
			if c >= 0 {
				return true
			}
		}
	}
	return false
}

// typeRank orders values of different types as MongoDB's BSON order does: null (and missing),
// numbers, strings, objects, arrays, booleans.
func typeRank(v any) int {
	switch v.(type) {
	case nil:
		return 0
	case int64, int, float64, json.Number:
		return 1
	case string:
		return 2
	case map[string]any:
		return 3
	case []any:
		return 4
	case bool:
		return 5
	}
	return 6
}

// Compare orders two values in BSON order: by type rank, then by value (numbers numerically,
// strings by their bytes as MongoDB's simple collation does, false before true, arrays and
// objects element by element).
func Compare(a, b any) int {
	ra, rb := typeRank(a), typeRank(b)
	if ra != rb {
		return cmp3(ra, rb)
	}
	switch x := a.(type) {
	case string:
		return strings.Compare(x, b.(string))
	case bool:
		y := b.(bool)
		switch {
		case x == y:
			return 0
		case !x:
			return -1
		}
		return 1
	case []any:
		y := b.([]any)
		for i := 0; i < len(x) && i < len(y); i++ {
			if c := Compare(x[i], y[i]); c != 0 {
				return c
			}
		}
		return cmp3(len(x), len(y))
	case map[string]any:
		y := b.(map[string]any)
		kx, ky := sortedKeys(x), sortedKeys(y)
		for i := 0; i < len(kx) && i < len(ky); i++ {
			if c := strings.Compare(kx[i], ky[i]); c != 0 {
				return c
			}
			if c := Compare(x[kx[i]], y[ky[i]]); c != 0 {
				return c
			}
		}
		return cmp3(len(kx), len(ky))
	}
	if ra == 1 {
		return compareNumbers(a, b)
	}
	return 0
}

func cmp3[T int | int64 | float64](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func compareNumbers(a, b any) int {
	ai, aInt := asInt64(a)
	bi, bInt := asInt64(b)
	if aInt && bInt {
		return cmp3(ai, bi)
	}
	return cmp3(asFloat(a), asFloat(b))
}

func asInt64(v any) (int64, bool) {
	switch x := v.(type) {
	case int64:
		return x, true
	case int:
		return int64(x), true
	case json.Number:
		i, err := x.Int64()
		return i, err == nil
	}
	return 0, false
}

func asFloat(v any) float64 {
	switch x := v.(type) {
	case int64:
		return float64(x)
	case int:
		return float64(x)
	case float64:
		return x
	case json.Number:
		f, err := strconv.ParseFloat(string(x), 64)
		if err != nil {
			return math.NaN()
		}
		return f
	}
	return math.NaN()
}

func sortedKeys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Evaluate reports whether doc matches the whole query (filter and $search) and its text
// score (0 without $search).
func (q *Query) Evaluate(res *schema.Resource, doc map[string]any) (bool, float64) {
	if !q.Where.Matches(doc) {
		return false, 0
	}
	if q.Search == nil {
		return true, 0
	}
	return q.Search.Compiled.Match(SearchFields(res, doc))
}

// Scored is a matching document with its text score.
type Scored struct {
	Doc   map[string]any
	Score float64
}

// Less is the query's total order: text score (highest first) when sorting by relevance, then
// the $sort keys in BSON order (missing as null), then id. Ties go by id in the direction of the
// last sort key (ascending without one), which is the order a descending index scan yields, so
// the planner can answer single-key sorts straight from an index.
func (q *Query) Less(a, b Scored) bool {
	if q.Search != nil && q.Search.SortByRelevance && a.Score != b.Score {
		return a.Score > b.Score
	}
	for _, s := range q.Sort {
		x, _ := Lookup(a.Doc, s.Field)
		y, _ := Lookup(b.Doc, s.Field)
		if c := Compare(x, y); c != 0 {
			return c < 0 != s.Desc
		}
	}
	ai, _ := a.Doc["id"].(string)
	bi, _ := b.Doc["id"].(string)
	if q.IDDesc() {
		return ai > bi
	}
	return ai < bi
}

// IDDesc says whether ties go by descending id.
func (q *Query) IDDesc() bool { return len(q.Sort) > 0 && q.Sort[len(q.Sort)-1].Desc }

// Order sorts matches by Less.
func (q *Query) Order(docs []Scored) {
	sort.SliceStable(docs, func(i, j int) bool { return q.Less(docs[i], docs[j]) })
}

// Project keeps only the selected fields and id, as Feathers' $select does; a dotted path keeps
// that nested field only.
func Project(doc map[string]any, sel []string) map[string]any {
	if sel == nil {
		return doc
	}
	out := map[string]any{"id": doc["id"]}
	if o, ok := doc["object"]; ok {
		// object names the type: generated clients discriminate on it (the document requires it).
		out["object"] = o
	}
	for _, p := range sel {
		v, ok := Lookup(doc, p)
		if !ok {
			continue
		}
		parts := strings.Split(p, ".")
		m := out
		for _, k := range parts[:len(parts)-1] {
			next, ok := m[k].(map[string]any)
			if !ok {
				next = map[string]any{}
				m[k] = next
			}
			m = next
		}
		m[parts[len(parts)-1]] = v
	}
	return out
}

// Body shapes a page of results in the query's dialect. total is used when q.Total; hasMore
// says whether objects follow the page in the list's order (Stripe's has_more).
func (q *Query) Body(page []map[string]any, total int, hasMore bool) map[string]any {
	data := make([]any, 0, len(page))
	for _, d := range page {
		data = append(data, Project(d, q.Select))
	}
	if q.Dialect == Hubpay {
		return springPage(data, q.Page, q.Size, total, len(q.Sort) > 0, hasMore)
	}
	body := map[string]any{"data": data, "limit": q.Limit, "skip": q.Skip, "hasMore": hasMore}
	if q.Total {
		body["total"] = total
	}
	return body
}

// Run answers q over docs in memory: filter, order, page. It is the executor of last resort
// (and the reference the planner's answers are tested against).
func (q *Query) Run(res *schema.Resource, docs []map[string]any) (page []map[string]any, total int) {
	var matched []Scored
	for _, d := range docs {
		if ok, score := q.Evaluate(res, d); ok {
			matched = append(matched, Scored{Doc: d, Score: score})
		}
	}
	q.Order(matched)
	for i := q.Skip; i < len(matched) && i < q.Skip+q.Limit; i++ {
		page = append(page, matched[i].Doc)
	}
	return page, len(matched)
}
