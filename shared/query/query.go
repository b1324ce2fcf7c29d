// Package query is the typed form of the guide's Feathers query language: filters, sort, select
// and paging, parsed from the query string and checked against the resource schema.
package query

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/hapihub/hapihub/shared/apperr"
	"github.com/hapihub/hapihub/shared/schema"
)

// Paging limits (PRODUCT.md: default 10, maximum 100).
const (
	DefaultLimit = 10
	MaxLimit     = 100
)

// Filter is one equality condition on a field.
type Filter struct {
	Field string
	Value any
}

// SortKey orders by one field.
type SortKey struct {
	Field string
	Desc  bool
}

// Query is a parsed find query.
type Query struct {
	Filters []Filter
	Sort    []SortKey
	Limit   int
	Skip    int
	Select  []string
	Total   bool
}

// Parse reads a find query from API Gateway's multi-value query parameters. Unknown fields and
// operators are INVALID_PARAMETERS naming the parameter.
func Parse(res *schema.Resource, params map[string][]string) (Query, error) {
	q := Query{Limit: DefaultLimit}
	var errs []apperr.FieldError
	bad := func(p, format string, args ...any) {
		errs = append(errs, apperr.FieldError{Field: p, Message: fmt.Sprintf(format, args...)})
	}
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, p := range keys {
		vals := params[p]
		v := vals[len(vals)-1]
		switch {
		case p == "$limit":
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 || n > MaxLimit {
				bad(p, "must be a whole number from 0 to %d, got %q", MaxLimit, v)
				continue
			}
			q.Limit = n
			if n == 0 {
				q.Total = true
			}
		case p == "$skip":
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				bad(p, "must be a whole number of at least 0, got %q", v)
				continue
			}
			q.Skip = n
		case p == "$total":
			switch v {
			case "true":
				q.Total = true
			case "false":
			default:
				bad(p, "must be true or false, got %q", v)
			}
		case strings.HasPrefix(p, "$sort[") && strings.HasSuffix(p, "]"):
			field := p[len("$sort[") : len(p)-1]
			if _, ok := res.Field(field); !ok {
				bad(p, "%q is not a field of %s", field, res.Object)
				continue
			}
			switch v {
			case "1":
				q.Sort = append(q.Sort, SortKey{Field: field})
			case "-1":
				q.Sort = append(q.Sort, SortKey{Field: field, Desc: true})
			default:
				bad(p, "must be 1 (ascending) or -1 (descending), got %q", v)
			}
		case p == "$select" || p == "$select[]":
			for _, f := range vals {
				if _, ok := res.Field(f); !ok {
					bad(p, "%q is not a field of %s", f, res.Object)
					continue
				}
				q.Select = append(q.Select, f)
			}
		case strings.HasPrefix(p, "$"):
			bad(p, "is not a supported query operator")
		case strings.Contains(p, "["):
			bad(p, "this operator is not supported on this endpoint yet")
		default:
			f, ok := res.Field(p)
			if !ok {
				bad(p, "%q is not a field of %s", p, res.Object)
				continue
			}
			val, err := f.CoerceQuery(p, v)
			if err != nil {
				e := apperr.From(err)
				errs = append(errs, e.Fields...)
				continue
			}
			q.Filters = append(q.Filters, Filter{Field: p, Value: val})
		}
	}
	if len(errs) > 0 {
		return Query{}, apperr.Invalid(errs...)
	}
	return q, nil
}

// ParseSelect reads $select for get.
func ParseSelect(res *schema.Resource, params map[string][]string) ([]string, error) {
	var out []string
	for p, vals := range params {
		if p != "$select" && p != "$select[]" {
			return nil, apperr.Field(p, "only $select is allowed when getting one %s", res.Object)
		}
		for _, f := range vals {
			if _, ok := res.Field(f); !ok {
				return nil, apperr.Field(p, "%q is not a field of %s", f, res.Object)
			}
			out = append(out, f)
		}
	}
	return out, nil
}

// Lookup returns the value at a dotted path.
func Lookup(doc map[string]any, path string) (any, bool) {
	var cur any = doc
	for _, p := range strings.Split(path, ".") {
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

// Match reports whether doc satisfies every filter. An array field matches when any element
// equals the value (MongoDB semantics).
func (q Query) Match(doc map[string]any) bool {
	for _, f := range q.Filters {
		v, _ := Lookup(doc, f.Field)
		if arr, ok := v.([]any); ok {
			found := false
			for _, e := range arr {
				if Compare(e, f.Value) == 0 {
					found = true
				}
			}
			if !found {
				return false
			}
			continue
		}
		if Compare(v, f.Value) != 0 {
			return false
		}
	}
	return true
}

// typeRank orders values of different types as MongoDB does: null/missing, numbers, strings,
// objects, arrays, booleans.
func typeRank(v any) int {
	switch v.(type) {
	case nil:
		return 0
	case int64, int, float64:
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

// Compare orders two values.
func Compare(a, b any) int {
	ra, rb := typeRank(a), typeRank(b)
	if ra != rb {
		return ra - rb
	}
	switch x := a.(type) {
	case int64:
		y := b.(int64)
		switch {
		case x < y:
			return -1
		case x > y:
			return 1
		}
		return 0
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
	}
	return 0
}

// SortDocs orders docs by q.Sort, then by id so the order is total and pages are stable.
func (q Query) SortDocs(docs []map[string]any) {
	sort.SliceStable(docs, func(i, j int) bool {
		for _, s := range q.Sort {
			a, _ := Lookup(docs[i], s.Field)
			b, _ := Lookup(docs[j], s.Field)
			if c := Compare(a, b); c != 0 {
				if s.Desc {
					return c > 0
				}
				return c < 0
			}
		}
		ai, _ := docs[i]["id"].(string)
		bi, _ := docs[j]["id"].(string)
		return ai < bi
	})
}

// Project keeps only the selected fields (and always id), as Feathers' $select does.
func Project(doc map[string]any, sel []string) map[string]any {
	if len(sel) == 0 {
		return doc
	}
	out := map[string]any{"id": doc["id"]}
	for _, f := range sel {
		top := strings.SplitN(f, ".", 2)[0]
		if v, ok := doc[top]; ok {
			out[top] = v
		}
	}
	return out
}
