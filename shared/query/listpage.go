package query

import (
	"strconv"
	"strings"

	"github.com/hapihub/hapihub/shared/apperr"
	"github.com/hapihub/hapihub/shared/qs"
)

// The words both dialect checks use, the clinical compiler's and ReadList's.
const (
	mixedDialects  = "cannot be combined with %s: use either page/size/sort%s or the $ operators"
	cursorInHubpay = "is not part of the page/size dialect, which pages by page number; cursor pages take the $ operators ($limit, $sort)"
)

// ListPage is how a platform list (events, request logs, API keys, webhook endpoints and their
// deliveries) was asked to page: Feathers' $limit/$skip or a cursor, or Hubpay's page/size, the
// dialect clinical lists speak too (docs/query.md, "Platform lists in the page/size dialect").
type ListPage struct {
	Dialect     Dialect
	Limit, Skip int
	// LimitSet says $limit was sent (API keys list every key without it).
	LimitSet bool
	// Page and Size are Hubpay's (Skip = Page*Size, Limit = Size).
	Page, Size int
	// Sorted: Hubpay's sort was sent (it can only name the list's own order).
	Sorted bool
	Cursor *Cursor
}

// ReadList reads a platform list's paging from its parameters (Params): $limit, $skip and
// startingAfter / endingBefore (ids with prefix), or page, size and sort. A list has one order,
// order (newest first, or oldest first for API keys), so sort may only name it: order.Field
// (createdAt; ids sort the same way) and its direction; with no order.Field (organizations,
// in their own fixed order) sort is refused. Mixing the dialects is 400, as on
// clinical lists. The list's own filters are left to it; IsParam says which keys were paging.
func ReadList(q qs.Object, prefix string, order SortKey) (ListPage, error) {
	var dollar, hub string
	for _, k := range q.Keys() {
		switch {
		case strings.HasPrefix(k, "$") && dollar == "":
			dollar = k
		case (k == "page" || k == "size" || k == "sort") && hub == "":
			hub = k
		}
	}
	if hub == "" {
		limit, skip, err := Paging(q)
		if err != nil {
			return ListPage{}, err
		}
		cur, err := ListCursor(q, prefix)
		_, set := q.Get("$limit")
		return ListPage{Limit: limit, Skip: skip, LimitSet: set, Cursor: cur}, err
	}
	if dollar != "" {
		return ListPage{}, apperr.Field(hub, mixedDialects, dollar, "")
	}
	p := ListPage{Dialect: Hubpay, Size: DefaultLimit}
	var err error
	for k, v := range q.All() {
		switch k {
		case "page":
			p.Page, err = wholeNumber(k, v, 0, MaxSkip)
		case "size":
			p.Size, err = wholeNumber(k, v, 1, MaxLimit)
		case "sort":
			p.Sorted, err = true, fixedSort(v, order)
		case ParamStartingAfter, ParamEndingBefore:
			err = apperr.Field(k, cursorInHubpay)
		}
		if err != nil {
			return ListPage{}, err
		}
	}
	if p.Page*p.Size > MaxSkip {
		return ListPage{}, apperr.Field("page", "times size must be at most %d", MaxSkip)
	}
	p.Limit, p.Skip = p.Size, p.Page*p.Size
	return p, nil
}

// fixedSort accepts Hubpay's sort=field[,asc|desc] (repeatable) when it names the list's order.
func fixedSort(v qs.Value, order SortKey) error {
	if order.Field == "" {
		return apperr.Field("sort", "is not supported: this list has one fixed order")
	}
	dir := map[bool]string{false: "asc", true: "desc"}[order.Desc]
	want := order.Field + "," + dir
	elems, ok := elements(v)
	if !ok {
		return apperr.Field("sort", "must be %s: this list has that one order", want)
	}
	for _, e := range elems {
		s, _ := e.(string)
		field, d, _ := strings.Cut(s, ",")
		if d == "" {
			d = "asc" // Spring's default direction
		}
		if (field != order.Field && field != "id") || strings.ToLower(d) != dir {
			return apperr.Field("sort", "must be %s (or id,%s): this list has that one order, got %q", want, dir, s)
		}
	}
	return nil
}

// IsParam says whether k is one of the paging parameters ReadList read, in p's dialect (a
// list's filter loop skips them).
func (p ListPage) IsParam(k string) bool {
	if p.Dialect == Hubpay {
		return k == "page" || k == "size" || k == "sort"
	}
	return k == "$limit" || k == "$skip" || IsCursorParam(k)
}

// Body shapes a page of a platform list in the dialect it was asked in. total < 0 means the
// list does not know it without reading every match (events, request logs, deliveries): the
// Feathers shape leaves total out, and the Hubpay answer is a Spring Slice (no totalElements,
// totalPages; last from hasMore) rather than a Page.
func (p ListPage) Body(data []any, hasMore bool, total int) map[string]any {
	if p.Dialect == Hubpay {
		return springPage(data, p.Page, p.Size, total, p.Sorted, hasMore)
	}
	body := map[string]any{"data": data, "limit": p.Limit, "skip": p.Skip, "hasMore": hasMore}
	if total >= 0 {
		body["total"] = total
	}
	return body
}

// springPage is Hubpay's page (Spring Data's Page; its Slice when total < 0), for clinical and
// platform lists alike.
func springPage(content []any, page, size, total int, sorted, hasMore bool) map[string]any {
	body := map[string]any{
		"content":          content,
		"number":           page,
		"size":             size,
		"first":            page == 0,
		"last":             !hasMore,
		"sort":             map[string]any{"sorted": sorted, "unsorted": !sorted, "empty": !sorted},
		"numberOfElements": len(content),
		"empty":            len(content) == 0,
		"hasMore":          hasMore,
	}
	if total >= 0 {
		pages := (total + size - 1) / size
		body["totalElements"], body["totalPages"], body["last"] = total, pages, page >= pages-1
	}
	return body
}

// wholeNumber reads a single whole-number parameter in [lo, hi].
func wholeNumber(param string, v qs.Value, lo, hi int) (int, error) {
	s, _ := qs.AsString(v)
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		return 0, apperr.Field(param, "must be a whole number from %d to %d, got %q", lo, hi, s)
	}
	return n, nil
}
