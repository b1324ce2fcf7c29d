// Package query is the typed form of the API's Feathers query language, docs/decisions.md (and the Hubpay paging
// dialect on the same endpoints): the raw query string is parsed as Node's qs parses it
// (shared/qs), then compiled against the resource schema into a tree of conditions, sort keys,
// paging, projection and an optional text search. Every value is coerced by its field's type
// here, so the evaluator (eval.go) and the DynamoDB planner (shared/store) never see strings
// where numbers belong. Unknown fields, operators and bad values are INVALID_PARAMETERS naming
// the parameter as the client wrote it (createdAt[$lt]).
package query

import (
	"fmt"
	"net/url"
	"sort"
	"strings"

	"github.com/hapihub/hapihub/shared/apperr"
	"github.com/hapihub/hapihub/shared/qs"
	"github.com/hapihub/hapihub/shared/schema"
	"github.com/hapihub/hapihub/shared/textsearch"
)

// Paging limits (docs/decisions.md#query-language: default 10, maximum 100).
const (
	DefaultLimit = 10
	MaxLimit     = 100
	// MaxSkip bounds $skip (and Hubpay's page × size) so offsets stay small integers; deeper
	// pages are better read with a filter on an indexed field.
	MaxSkip = 1_000_000
	// MaxValues bounds the values of one $in / $nin.
	MaxValues = 100
	// MaxConditions bounds the conditions of one query, so a crafted query string cannot make
	// the evaluator do unbounded work per document.
	MaxConditions = 200
	// MaxQueryLength bounds the query string (as rebuilt from API Gateway's map): every limit
	// below is checked after parsing, and parsing itself must stay cheap.
	MaxQueryLength = 8192
	// MaxBranches bounds the branches of one $or or $and: each $or branch may become an index
	// query of its own.
	MaxBranches = 10
	// MaxSearchTerms bounds the words of a $search (phrases' words and negations included):
	// each is tokenized and stemmed, and each positive one may be a posting list to read.
	MaxSearchTerms = 32
	// MaxPhraseLength bounds one quoted phrase of a $search, in bytes: a phrase is matched as a
	// substring of every candidate's folded text.
	MaxPhraseLength = 200
	// MaxSearchLength bounds the whole $search text, in bytes.
	MaxSearchLength = 1000
	// MaxCandidates bounds the items one find reads from an index and checks in memory (the
	// store's planner refuses past it with query_too_broad): above the sandbox's largest resource
	// (2,000 appointments), far below a large organization.
	MaxCandidates = 2500
)

// Op is a comparison operator.
type Op int

// The API's operators (docs/decisions.md#query-language). OpEq is plain equality (field=value).
const (
	OpEq Op = iota
	OpNe
	OpIn
	OpNin
	OpLt
	OpLte
	OpGt
	OpGte
	OpExists
)

var opNames = map[string]Op{
	"$ne": OpNe, "$in": OpIn, "$nin": OpNin, "$lt": OpLt, "$lte": OpLte, "$gt": OpGt, "$gte": OpGte, "$exists": OpExists,
}

func (o Op) String() string {
	for k, v := range opNames {
		if v == o {
			return k
		}
	}
	return "$eq"
}

// Kind says what a Node is.
type Kind int

// Node kinds.
const (
	KindAnd  Kind = iota // every child matches (an empty And matches everything)
	KindOr               // some child matches
	KindCond             // Field Op Value
)

// Node is one node of a filter tree.
type Node struct {
	Kind     Kind
	Children []Node
	Field    string // dotted path
	Op       Op
	Value    any   // OpEq, OpNe, ranges: the coerced value (nil is null); OpExists: bool
	Values   []any // OpIn, OpNin
	// Param is the query parameter the condition came from, for messages.
	Param string
	// Keys order a KindAfter node (Value is then its anchor document).
	Keys []SortKey
	// After, on an OpGte / OpLte bound a cursor added, is the anchor's id: an index ordered by
	// AfterFields then id may be read from past the anchor's own key (its values in Anchor, then
	// After) instead of from the value's first key.
	After       string
	AfterFields []string
	Anchor      map[string]any
}

// SortKey orders by one field.
type SortKey struct {
	Field string
	Desc  bool
}

// Dialect is how the client asked, and so how the answer is shaped.
type Dialect int

// Dialects.
const (
	Feathers Dialect = iota // $limit/$skip/$sort: {data, limit, skip, total}
	Hubpay                  // page/size/sort/search: a Spring page
)

// Search is a compiled $search.
type Search struct {
	Text            string
	Parsed          textsearch.Search
	Options         textsearch.Options
	SortByRelevance bool
	Compiled        *textsearch.Query
	// Language is Options.Language resolved to its canonical name.
	Language string
}

// Query is a parsed find query.
type Query struct {
	Where  Node // a KindAnd at the top
	Sort   []SortKey
	Limit  int
	Skip   int
	Select []string
	// Total asks for the number of matches ($total=true, $limit=0, and always for Hubpay).
	Total   bool
	Search  *Search
	Dialect Dialect
	// Page and Size are Hubpay's paging (Skip = Page*Size, Limit = Size).
	Page, Size int
	// Cursor is startingAfter / endingBefore (cursor.go), nil without one.
	Cursor *Cursor
}

// Parse reads a find query from API Gateway's multi-value query parameters (see RawQuery for
// why and how they become a query string again). The map has lost the order of distinct keys,
// so several sort keys in object form ($sort[a]=1&$sort[b]=1) are refused: their order
// cannot be known (docs/query.md).
func Parse(res *schema.Resource, params map[string][]string) (*Query, error) {
	return parse(res, RawQuery(params), true)
}

// ParseRaw reads a find query from a raw query string (without '?'), whose key order is the
// client's: several sort keys in object form apply in the order written.
func ParseRaw(res *schema.Resource, raw string) (*Query, error) {
	return parse(res, raw, false)
}

func parse(res *schema.Resource, raw string, orderLost bool) (*Query, error) {
	obj, err := parseQS(raw)
	if err != nil {
		return nil, err
	}
	c := &compiler{res: res, orderLost: orderLost}
	return c.query(obj)
}

// parseQS runs qs and refuses what qs would silently truncate.
func parseQS(raw string) (qs.Object, error) {
	if len(raw) > MaxQueryLength {
		return qs.Object{}, apperr.New(apperr.InvalidParameters, "The query string is %d bytes long; at most %d are allowed (MaxQueryLength).", len(raw), MaxQueryLength).WithCode("query_too_long")
	}
	obj, info := qs.ParseInfo(raw)
	if info.ParameterLimitExceeded {
		return qs.Object{}, apperr.New(apperr.InvalidParameters, "The query has %d parameters; at most %d are allowed.", info.Parameters, qs.ParameterLimit).WithCode("too_many_parameters")
	}
	if info.DepthExceeded {
		// Named, as every bad input is: the message alone says what to fix.
		e := apperr.Field(info.DeepKey, "nests brackets more than %d levels deep", qs.Depth)
		e.Message = fmt.Sprintf("The query nests brackets more than %d levels deep: %s.", qs.Depth, info.DeepKey)
		return qs.Object{}, e.WithCode("query_too_deep")
	}
	return obj, nil
}

// RawQuery rebuilds a query string from API Gateway's multi-value map. REST API proxy events do
// not carry the raw query string (only HTTP API v2 events have rawQueryString), and the map has
// lost the order of distinct keys: keys are emitted sorted (values of one key keep their order),
// so the result is stable. The one observable consequence would be the order of several $sort
// keys given as $sort[a]=1&$sort[b]=1, which Parse therefore refuses; clients send $sort as an
// array, $sort[0][b]=1&$sort[1][a]=1, or Hubpay's repeated sort=b,asc&sort=a,desc.
func RawQuery(params map[string][]string) string {
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		for _, v := range params[k] {
			if b.Len() > 0 {
				b.WriteByte('&')
			}
			b.WriteString(escapeQS(k))
			b.WriteByte('=')
			b.WriteString(escapeQS(v))
		}
	}
	return b.String()
}

// escapeQS percent-encodes for qs's decoder (which decodes keys before splitting brackets, and
// reads '+' as a space).
func escapeQS(s string) string {
	return strings.ReplaceAll(url.QueryEscape(s), "+", "%20")
}

// ParseSelect reads the query of get: only $select is allowed.
func ParseSelect(res *schema.Resource, params map[string][]string) ([]string, error) {
	obj, err := parseQS(RawQuery(params))
	if err != nil {
		return nil, err
	}
	c := &compiler{res: res}
	var sel []string
	for k, v := range obj.All() {
		if k != "$select" {
			c.bad(k, "only $select is allowed when getting one %s", res.Object)
			continue
		}
		sel = c.selectFields(k, v)
	}
	if err := c.err(); err != nil {
		return nil, err
	}
	return sel, nil
}

// SearchFields are the searchable strings of doc, in schema order, as textsearch reads them.
func SearchFields(res *schema.Resource, doc map[string]any) []textsearch.Field {
	var out []textsearch.Field
	for _, p := range SearchPaths(res) {
		v, ok := Lookup(doc, p)
		if !ok {
			continue
		}
		switch x := v.(type) {
		case string:
			out = append(out, textsearch.Field{Name: p, Text: x})
		case []any:
			for _, e := range x {
				if s, ok := e.(string); ok {
					out = append(out, textsearch.Field{Name: p, Text: s})
				}
			}
		}
	}
	return out
}

// SearchPaths lists the dotted paths of the resource's Searchable fields (nested ones included).
func SearchPaths(res *schema.Resource) []string {
	var out []string
	var walk func(prefix string, fs []*schema.Field)
	walk = func(prefix string, fs []*schema.Field) {
		for _, f := range fs {
			switch {
			case f.Type == schema.Object:
				walk(prefix+f.Name+".", f.Fields)
			case f.Searchable:
				out = append(out, prefix+f.Name)
			}
		}
	}
	walk("", res.Fields)
	return out
}
