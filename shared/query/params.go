package query

import (
	"strings"

	"github.com/hapihub/hapihub/shared/apperr"
	"github.com/hapihub/hapihub/shared/qs"
)

// Params parses a request's query parameters (name → values, as API Gateway passes them) the
// way Feathers clients encode them, for the lists that read their own filters instead of
// compiling against a schema (events, webhook endpoints and deliveries, request logs). It
// refuses what qs would silently truncate, as Parse does.
func Params(params map[string][]string) (qs.Object, error) {
	return parseQS(RawQuery(params))
}

// Paging reads $limit (DefaultLimit when absent, 0 to MaxLimit) and $skip (0 to MaxSkip) from
// parsed parameters.
func Paging(q qs.Object) (limit, skip int, err error) {
	limit, skip = DefaultLimit, 0
	if v, ok := q.Get("$limit"); ok {
		if limit, err = wholeNumber("$limit", v, 0, MaxLimit); err != nil {
			return 0, 0, err
		}
	}
	if v, ok := q.Get("$skip"); ok {
		if skip, err = wholeNumber("$skip", v, 0, MaxSkip); err != nil {
			return 0, 0, err
		}
	}
	return limit, skip, nil
}

// ListCursor reads a platform list's startingAfter / endingBefore: ids with the list's prefix
// (evt, req, whd, ...). One of them at most, and not with $skip: 400 naming the parameter.
func ListCursor(q qs.Object, prefix string) (*Cursor, error) {
	var c *Cursor
	for _, k := range []string{ParamStartingAfter, ParamEndingBefore} {
		v, ok := q.Get(k)
		if !ok {
			continue
		}
		s, isStr := qs.AsString(v)
		if !isStr || !strings.HasPrefix(s, prefix+"_") || len(s) == len(prefix)+1 || len(s) > 100 {
			return nil, apperr.Field(k, "must be an id of this list (%s_...)", prefix)
		}
		if c != nil {
			return nil, apperr.Field(k, "cannot be combined with %s: a page starts after one object or ends before one", c.Param)
		}
		c = &Cursor{ID: s, Before: k == ParamEndingBefore, Param: k}
	}
	if _, ok := q.Get("$skip"); ok && c != nil {
		return nil, apperr.Field(c.Param, "cannot be combined with $skip: the cursor is the page's position")
	}
	return c, nil
}

// IsCursorParam reports the cursor parameters, which every list accepts besides its filters.
func IsCursorParam(k string) bool { return k == ParamStartingAfter || k == ParamEndingBefore }

// PageByID pages items held in the list's order, which is id order (desc: newest first), by
// skip or cursor, and says whether more follow the page in that order (before it, for
// endingBefore). For the short lists read whole (webhook endpoints, API keys, organizations).
func PageByID[T any](items []T, id func(T) string, desc bool, limit, skip int, c *Cursor) (page []T, hasMore bool) {
	after := func(a, b string) bool { return (a > b) != desc && a != b } // a after b in the list's order
	lo, hi := skip, len(items)
	if c != nil {
		lo = 0
		for lo < len(items) && !after(id(items[lo]), c.ID) {
			lo++
		}
		if c.Before {
			hi = 0
			for hi < len(items) && after(c.ID, id(items[hi])) {
				hi++
			}
			lo = max(0, hi-limit)
			return items[lo:hi], lo > 0
		}
	}
	if lo > len(items) {
		lo = len(items)
	}
	end := min(hi, lo+limit)
	return items[lo:end], end < hi
}

// TrimPage cuts a page read with one item more than limit (in the list's order) to limit and
// says whether more follow. Read from an endingBefore cursor, the extra item is the one farthest
// from it, first in the list's order.
func TrimPage[T any](items []T, limit int, c *Cursor) ([]T, bool) {
	if len(items) <= limit {
		return items, false
	}
	if c != nil && c.Before {
		return items[len(items)-limit:], true
	}
	return items[:limit], true
}
