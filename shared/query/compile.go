package query

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/hapihub/hapihub/shared/apperr"
	"github.com/hapihub/hapihub/shared/qs"
	"github.com/hapihub/hapihub/shared/schema"
	"github.com/hapihub/hapihub/shared/textsearch"
)

// compiler turns a qs tree into a Query, collecting every error.
type compiler struct {
	res   *schema.Resource
	errs  []apperr.FieldError
	conds int
	// orderLost: the parameters came as a map (API Gateway), so the order of distinct keys is
	// not the client's.
	orderLost bool
}

func (c *compiler) bad(param, format string, args ...any) {
	c.errs = append(c.errs, apperr.FieldError{Field: param, Message: fmt.Sprintf(format, args...)})
}

func (c *compiler) err() error {
	if len(c.errs) == 0 {
		return nil
	}
	return apperr.Invalid(c.errs...)
}

// hubpayKeys are the Hubpay dialect's parameters (when the resource has no field of that name).
var hubpayKeys = map[string]bool{"page": true, "size": true, "sort": true, "search": true}

func (c *compiler) isHubpayKey(k string) bool {
	if !hubpayKeys[k] {
		return false
	}
	_, isField := c.res.Field(k)
	return !isField
}

func (c *compiler) query(obj qs.Object) (*Query, error) {
	q := &Query{Where: Node{Kind: KindAnd}, Limit: DefaultLimit}
	var dollar, hub []string
	for _, k := range obj.Keys() {
		switch {
		case strings.HasPrefix(k, "$"):
			dollar = append(dollar, k)
		case c.isHubpayKey(k):
			hub = append(hub, k)
		}
	}
	if len(dollar) > 0 && len(hub) > 0 {
		c.bad(hub[0], mixedDialects, dollar[0], "/search")
		return nil, c.err()
	}
	if len(hub) > 0 {
		c.hubpay(q, obj)
	} else {
		c.feathers(q, obj)
		c.checkCursor(q, obj)
	}
	if c.conds > MaxConditions {
		c.bad("query", "has %d conditions; at most %d are allowed (MaxConditions)", c.conds, MaxConditions)
	}
	if err := c.err(); err != nil {
		return nil, err
	}
	return q, nil
}

func (c *compiler) feathers(q *Query, obj qs.Object) {
	for k, v := range obj.All() {
		switch k {
		case "$limit":
			if n, ok := c.integer(k, v, 0, MaxLimit); ok {
				q.Limit = n
				if n == 0 {
					q.Total = true
				}
			}
		case "$skip":
			if n, ok := c.integer(k, v, 0, MaxSkip); ok {
				q.Skip = n
			}
		case "$total":
			if b, ok := c.boolean(k, v); ok {
				q.Total = q.Total || b
			}
		case "$sort":
			q.Sort = c.sortKeys(k, v)
		case "$select":
			q.Select = c.selectFields(k, v)
		case "$search":
			q.Search = c.search(k, v)
		case ParamStartingAfter, ParamEndingBefore:
			c.cursorParam(q, k, v)
		default:
			q.Where.Children = append(q.Where.Children, c.clause(k, k, v)...)
		}
	}
}

func (c *compiler) hubpay(q *Query, obj qs.Object) {
	q.Dialect, q.Total, q.Size = Hubpay, true, DefaultLimit
	for k, v := range obj.All() {
		switch {
		case k == "page" && c.isHubpayKey(k):
			if n, ok := c.integer(k, v, 0, MaxSkip); ok {
				q.Page = n
			}
		case k == "size" && c.isHubpayKey(k):
			if n, ok := c.integer(k, v, 1, MaxLimit); ok {
				q.Size = n
			}
		case k == "sort" && c.isHubpayKey(k):
			q.Sort = c.springSort(k, v)
		case k == "search" && c.isHubpayKey(k):
			if s, ok := c.single(k, v); ok {
				q.Search = c.search(k, s)
			}
		case k == ParamStartingAfter || k == ParamEndingBefore:
			// Not "not a field of patient": say that cursors belong to the other dialect.
			c.bad(k, cursorInHubpay)
		default:
			q.Where.Children = append(q.Where.Children, c.clause(k, k, v)...)
		}
	}
	if q.Page*q.Size > MaxSkip {
		c.bad("page", "times size must be at most %d", MaxSkip)
	}
	q.Limit, q.Skip = q.Size, q.Page*q.Size
}

// clause compiles one key of a filter object: $or, $and or a field.
func (c *compiler) clause(param, k string, v qs.Value) []Node {
	switch {
	case k == "$or" || k == "$and":
		kind := KindOr
		if k == "$and" {
			kind = KindAnd
		}
		elems, ok := elements(v)
		if !ok || len(elems) == 0 {
			c.bad(param, "must be a non-empty list of conditions, such as %s[0][field]=value", param)
			return nil
		}
		if len(elems) > MaxBranches {
			c.bad(param, "has %d branches; at most %d are allowed (MaxBranches)", len(elems), MaxBranches)
			return nil
		}
		n := Node{Kind: kind, Param: param}
		for i, e := range elems {
			p := param + "[" + strconv.Itoa(i) + "]"
			o, ok := qs.AsObject(e)
			if !ok {
				c.bad(p, "must be a set of conditions, such as %s[field]=value", p)
				continue
			}
			branch := Node{Kind: KindAnd, Param: p}
			for bk, bv := range o.All() {
				branch.Children = append(branch.Children, c.clause(p+"["+bk+"]", bk, bv)...)
			}
			n.Children = append(n.Children, branch)
		}
		return []Node{n}
	case strings.HasPrefix(k, "$"):
		switch k {
		case "$limit", "$skip", "$total", "$sort", "$select", "$search":
			c.bad(param, "is only allowed at the top level of the query")
		default:
			c.bad(param, "is not a supported query operator")
		}
		return nil
	}
	return c.fieldClause(param, k, v)
}

// fieldClause compiles field=value, field[$op]=value, or nested field[sub]=value (the same as
// field.sub=value).
func (c *compiler) fieldClause(param, path string, v qs.Value) []Node {
	f, ok := c.field(path)
	if !ok {
		c.bad(param, "%q is not a field of %s", path, c.res.Object)
		return nil
	}
	switch x := v.(type) {
	case string:
		c.conds++
		val, ok := c.coerce(f, param, x)
		if !ok {
			return nil
		}
		return []Node{{Kind: KindCond, Field: path, Op: OpEq, Value: val, Param: param}}
	case []any:
		c.bad(param, "was given %d times; give one value, or use %s[$in] to match any of several", len(x), param)
		return nil
	}
	o, _ := qs.AsObject(v)
	ops, subs := 0, 0
	for k := range o.All() {
		if strings.HasPrefix(k, "$") {
			ops++
		} else {
			subs++
		}
	}
	if ops > 0 && subs > 0 {
		c.bad(param, "mixes operators and nested fields")
		return nil
	}
	var out []Node
	for k, sub := range o.All() {
		p := param + "[" + k + "]"
		if subs > 0 {
			out = append(out, c.fieldClause(p, path+"."+k, sub)...)
			continue
		}
		if n, ok := c.operator(p, path, f, k, sub); ok {
			out = append(out, n)
		}
	}
	return out
}

func (c *compiler) operator(param, path string, f *schema.Field, op string, v qs.Value) (Node, bool) {
	c.conds++
	o, known := opNames[op]
	if !known {
		c.bad(param, "%s is not a supported query operator; use one of $in, $nin, $lt, $lte, $gt, $gte, $ne, $exists", op)
		return Node{}, false
	}
	n := Node{Kind: KindCond, Field: path, Op: o, Param: param}
	switch o {
	case OpExists:
		b, ok := c.boolean(param, v)
		n.Value = b
		return n, ok
	case OpIn, OpNin:
		elems, ok := elements(v)
		if !ok {
			c.bad(param, "must be a value or a list of values")
			return Node{}, false
		}
		if len(elems) > MaxValues {
			c.bad(param, "has %d values; at most %d are allowed (MaxValues)", len(elems), MaxValues)
			return Node{}, false
		}
		c.conds += len(elems)
		good := true
		for _, e := range elems {
			s, isStr := e.(string)
			if !isStr {
				c.bad(param, "must be a list of plain values")
				return Node{}, false
			}
			val, ok := c.coerce(f, param, s)
			good = good && ok
			n.Values = append(n.Values, val)
		}
		return n, good
	}
	s, ok := c.single(param, v)
	if !ok {
		return Node{}, false
	}
	val, ok := c.coerce(f, param, s)
	n.Value = val
	return n, ok
}

// field resolves a dotted path; keys of a string map (metadata.plan) are strings.
func (c *compiler) field(path string) (*schema.Field, bool) {
	if f, ok := c.res.Field(path); ok {
		return f, true
	}
	head, rest, dotted := strings.Cut(path, ".")
	if !dotted || rest == "" || strings.Contains(rest, ".") {
		return nil, false
	}
	if f, ok := c.res.Field(head); ok && f.Type == schema.StringMap {
		return &schema.Field{Name: rest, Type: schema.String}, true
	}
	return nil, false
}

func (c *compiler) coerce(f *schema.Field, param, s string) (any, bool) {
	switch f.Type {
	case schema.Object, schema.StringMap:
		c.bad(param, "%s is an object: compare its fields instead, such as %s.<field>", f.Name, f.Name)
		return nil, false
	case schema.Array:
		if f.Elem == nil || f.Elem.Type == schema.Object {
			c.bad(param, "cannot be used in a query filter")
			return nil, false
		}
		f = f.Elem
	}
	v, err := f.CoerceQuery(param, s)
	if err != nil {
		if e := apperr.From(err); len(e.Fields) > 0 {
			c.errs = append(c.errs, e.Fields...)
		} else {
			c.bad(param, "%s", e.Message)
		}
		return nil, false
	}
	return v, true
}

func (c *compiler) single(param string, v qs.Value) (string, bool) {
	s, ok := v.(string)
	if !ok {
		c.bad(param, "must be a single value")
	}
	return s, ok
}

func (c *compiler) integer(param string, v qs.Value, lo, hi int) (int, bool) {
	s, ok := c.single(param, v)
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		c.bad(param, "must be a whole number from %d to %d, got %q", lo, hi, s)
		return 0, false
	}
	return n, true
}

func (c *compiler) boolean(param string, v qs.Value) (bool, bool) {
	s, ok := c.single(param, v)
	if !ok {
		return false, false
	}
	switch s {
	case "true":
		return true, true
	case "false":
		return false, true
	}
	c.bad(param, "must be true or false, got %q", s)
	return false, false
}

// sortable fields are scalars: MongoDB's array and object orderings are not worth their
// surprises in an API.
func (c *compiler) sortable(param, path string) bool {
	f, ok := c.field(path)
	if !ok {
		c.bad(param, "%q is not a field of %s", path, c.res.Object)
		return false
	}
	switch f.Type {
	case schema.Object, schema.Array, schema.StringMap:
		c.bad(param, "%s cannot be sorted on: only single values can", path)
		return false
	}
	return true
}

func (c *compiler) sortKeys(param string, v qs.Value) []SortKey {
	var out []SortKey
	seen := map[string]bool{}
	add := func(p, field string, dir qs.Value) {
		s, ok := c.single(p, dir)
		if !ok || !c.sortable(p, field) {
			return
		}
		if s != "1" && s != "-1" {
			c.bad(p, "must be 1 (ascending) or -1 (descending), got %q", s)
			return
		}
		if seen[field] {
			c.bad(p, "sorts on %s twice", field)
			return
		}
		seen[field] = true
		out = append(out, SortKey{Field: field, Desc: s == "-1"})
	}
	if o, ok := qs.AsObject(v); ok && !isIndexObject(o) {
		if o.Len() > 1 && c.orderLost {
			// API Gateway hands the function a map: which key the client wrote first is lost,
			// and sorting in another order than asked, silently, would be worse than refusing.
			var arr, hub []string
			i := 0
			for k, dir := range o.All() {
				d, _ := dir.(string)
				word := "asc"
				if d == "-1" {
					word = "desc"
				}
				arr = append(arr, fmt.Sprintf("%s[%d][%s]=%s", param, i, k, d))
				hub = append(hub, "sort="+k+","+word)
				i++
			}
			c.bad(param, "names %d fields in object form, whose order is lost on the way to the API (API Gateway passes the query as a map): "+
				"send them as an array in the order you mean, such as %s, or as %s", o.Len(), strings.Join(arr, "&"), strings.Join(hub, "&"))
			return nil
		}
		for k, dir := range o.All() {
			add(param+"["+k+"]", k, dir)
		}
		return out
	}
	// The array form keeps the order API Gateway's parameter map loses: $sort[0][lastName]=1.
	elems, ok := elements(v)
	if !ok {
		c.bad(param, "must name fields, such as %s[createdAt]=-1", param)
		return nil
	}
	for i, e := range elems {
		p := param + "[" + strconv.Itoa(i) + "]"
		o, ok := qs.AsObject(e)
		if !ok || o.Len() != 1 {
			c.bad(p, "must name one field, such as %s[createdAt]=-1", p)
			continue
		}
		for k, dir := range o.All() {
			add(p+"["+k+"]", k, dir)
		}
	}
	return out
}

// springSort reads Hubpay's sort=field,asc (repeatable; "a,b,desc" sorts both descending).
func (c *compiler) springSort(param string, v qs.Value) []SortKey {
	elems, ok := elements(v)
	if !ok {
		c.bad(param, "must be field,asc or field,desc")
		return nil
	}
	var out []SortKey
	seen := map[string]bool{}
	for _, e := range elems {
		s, ok := c.single(param, e)
		if !ok {
			continue
		}
		parts := strings.Split(s, ",")
		desc := false
		switch last := strings.TrimSpace(parts[len(parts)-1]); strings.ToLower(last) {
		case "asc":
			parts = parts[:len(parts)-1]
		case "desc":
			desc, parts = true, parts[:len(parts)-1]
		default:
			// After a field, a last part that is no field is a direction gone wrong (lastName,up),
			// not a second field to sort on: say so, rather than "not a field".
			if _, isField := c.field(last); len(parts) > 1 && !isField {
				c.bad(param, "direction %q must be asc or desc, as in %s,asc", last, strings.TrimSpace(parts[0]))
				parts = parts[:len(parts)-1]
			}
		}
		if len(parts) == 0 {
			c.bad(param, "must name a field, such as lastName,asc")
		}
		for _, f := range parts {
			f = strings.TrimSpace(f)
			if !c.sortable(param, f) {
				continue
			}
			if seen[f] {
				c.bad(param, "sorts on %s twice", f)
				continue
			}
			seen[f] = true
			out = append(out, SortKey{Field: f, Desc: desc})
		}
	}
	return out
}

func (c *compiler) selectFields(param string, v qs.Value) []string {
	elems, ok := elements(v)
	if !ok {
		c.bad(param, "must list fields, such as %s[]=firstName", param)
		return nil
	}
	out := []string{}
	seen := map[string]bool{}
	for _, e := range elems {
		s, ok := c.single(param, e)
		if !ok {
			continue
		}
		if _, ok := c.field(s); !ok {
			c.bad(param, "%q is not a field of %s", s, c.res.Object)
			continue
		}
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

func (c *compiler) search(param string, v qs.Value) *Search {
	if len(SearchPaths(c.res)) == 0 {
		c.bad(param, "%s has no searchable fields", c.res.Name)
		return nil
	}
	s := &Search{}
	switch x := v.(type) {
	case string:
		s.Text = x
	default:
		o, ok := qs.AsObject(v)
		if !ok {
			c.bad(param, "must be a search string or %s[text]=...", param)
			return nil
		}
		hasText := false
		for k, ov := range o.All() {
			p := param + "[" + k + "]"
			switch k {
			case "text":
				s.Text, hasText = c.single(p, ov)
			case "caseSensitive", "caseSensistive": // the API guide's example spells it so (docs/decisions.md#query-language)
				s.Options.CaseSensitive, _ = c.boolean(p, ov)
			case "diacriticSensitive":
				s.Options.DiacriticSensitive, _ = c.boolean(p, ov)
			case "sortByRelevance":
				s.SortByRelevance, _ = c.boolean(p, ov)
			case "language":
				if l, ok := c.single(p, ov); ok {
					lang, err := textsearch.ParseLanguage(l)
					if err != nil {
						c.bad(p, "is not a supported language (en, fr, es, de or none), got %q", l)
					}
					s.Options.Language = lang
				}
			default:
				c.bad(p, "is not a $search option; use text, caseSensitive, language, diacriticSensitive or sortByRelevance")
			}
		}
		if !hasText {
			c.bad(param+"[text]", "is required")
			return nil
		}
	}
	lang, err := textsearch.ParseLanguage(s.Options.Language)
	if err != nil {
		return nil // reported above
	}
	s.Language = lang
	if len(s.Text) > MaxSearchLength {
		c.bad(param, "is %d bytes long; at most %d are allowed (MaxSearchLength)", len(s.Text), MaxSearchLength)
		return nil
	}
	s.Parsed = textsearch.ParseSearch(s.Text)
	if n := len(s.Parsed.Words) + len(s.Parsed.NegatedWords) + len(s.Parsed.NegatedPhrases); n > MaxSearchTerms {
		c.bad(param, "has %d terms; at most %d are allowed (MaxSearchTerms)", n, MaxSearchTerms)
		return nil
	}
	for _, p := range append(append([]string(nil), s.Parsed.Phrases...), s.Parsed.NegatedPhrases...) {
		if len(p) > MaxPhraseLength {
			c.bad(param, "has a phrase of %d bytes; at most %d are allowed (MaxPhraseLength)", len(p), MaxPhraseLength)
			return nil
		}
	}
	compiled, err := textsearch.Compile(s.Parsed, s.Options)
	if err != nil {
		c.bad(param, "%v", err)
		return nil
	}
	s.Compiled = compiled
	return s
}

// elements reads a list: a single string, a qs array, or the index-keyed object qs makes of an
// array past its limit.
func elements(v qs.Value) ([]any, bool) {
	switch x := v.(type) {
	case string:
		return []any{x}, true
	case []any:
		return x, true
	}
	o, ok := qs.AsObject(v)
	if !ok || !isIndexObject(o) {
		return nil, false
	}
	type kv struct {
		i int
		v any
	}
	var kvs []kv
	for k, e := range o.All() {
		i, _ := strconv.Atoi(k)
		kvs = append(kvs, kv{i, e})
	}
	sort.Slice(kvs, func(a, b int) bool { return kvs[a].i < kvs[b].i })
	out := make([]any, len(kvs))
	for i, e := range kvs {
		out[i] = e.v
	}
	return out, true
}

// isIndexObject: every key is a decimal index (and there is at least one).
func isIndexObject(o qs.Object) bool {
	if o.Len() == 0 {
		return false
	}
	for k := range o.All() {
		if k == "" || len(k) > 9 || strings.Trim(k, "0123456789") != "" {
			return false
		}
	}
	return true
}
