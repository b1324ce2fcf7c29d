package pages

import (
	"html/template"
	"net/url"
	"strconv"
)

// Page sizes of the sandbox and logs tables: 20 by default; ?limit= asks for 1 to 100 (the
// API's maximum).
const (
	defaultPageSize = 20
	maxPageSize     = 100
)

// pager is the paging state of a table: rows From to To, links to the neighbouring pages.
type pager struct {
	Limit, Skip int
	Total       *int
	Shown       int
	// more says a next page exists.
	more bool
	// base is the page's URL without skip, to which Prev and Next add theirs.
	base url.Values
	path string
}

// pageParams reads ?limit= and ?skip=.
func pageParams(q url.Values) (limit, skip int) {
	limit = defaultPageSize
	if n, err := strconv.Atoi(q.Get("limit")); err == nil && n >= 1 {
		limit = min(n, maxPageSize)
	}
	return limit, skipParam(q)
}

// skipParam reads ?skip=, 0 when absent or not a positive number.
func skipParam(q url.Values) int {
	if n, err := strconv.Atoi(q.Get("skip")); err == nil && n > 0 {
		return n
	}
	return 0
}

// newPager pages a list that shows shown rows from skip. With the list's total, a next page
// exists while rows remain; without it, whenever this page is full.
func newPager(c *Call, path string, limit, skip, shown int, total *int) pager {
	base := url.Values{}
	for k, v := range c.R.URL.Query() {
		if k != "skip" {
			base[k] = v
		}
	}
	more := shown > 0 && shown >= limit
	if total != nil {
		more = shown > 0 && skip+shown < *total
	}
	return pager{Limit: limit, Skip: skip, Total: total, Shown: shown, more: more, base: base, path: c.Mount + path}
}

// newPeekPager pages a list without a total that was read with one row more than a page
// (limit+1): read rows came back, so whether a next page exists is known, not guessed.
func newPeekPager(c *Call, path string, limit, skip, read int) pager {
	p := newPager(c, path, limit, skip, min(read, limit), nil)
	p.more = read > limit
	return p
}

// From and To number the rows shown (1-based).
func (p pager) From() int { return p.Skip + 1 }
func (p pager) To() int   { return p.Skip + p.Shown }

// Prev and Next are the neighbouring pages' URLs, "" when there is none.
func (p pager) Prev() string {
	if p.Skip == 0 {
		return ""
	}
	return p.at(max(p.Skip-p.Limit, 0))
}

func (p pager) Next() string {
	if !p.more {
		return ""
	}
	return p.at(p.Skip + p.Limit)
}

func (p pager) at(skip int) string {
	v := url.Values{}
	for k, vals := range p.base {
		v[k] = vals
	}
	if skip > 0 {
		v.Set("skip", strconv.Itoa(skip))
	}
	if len(v) == 0 {
		return p.path
	}
	return p.path + "?" + v.Encode()
}

// pagerTemplate is the pager's bar under a table.
var pagerTemplate = newPiece("pager.html")

// HTML renders the pager's bar: the rows shown (of the total, when known) and the links.
func (p pager) HTML() (template.HTML, error) { return renderPiece(pagerTemplate, "pager", p) }
