package api

import (
	"context"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/hapihub/hapihub/shared/apperr"
	"github.com/hapihub/hapihub/shared/auth"
	"github.com/hapihub/hapihub/shared/domain"
	"github.com/hapihub/hapihub/shared/query"
	"github.com/hapihub/hapihub/shared/schema"
)

// Expansion (issue 20 item 4, docs/resources.md "Expanding references"): expand[]=patient adds
// the object a reference field names (patientId) beside it, as `patient`; expand[]=appointment.patient
// goes two levels. Objects are read per level with BatchGetItem, under the request's tenant only.

const (
	// MaxExpandDepth is how many references one path may follow (Stripe allows 4; two cover every
	// chain of our schema: invoice -> appointment -> patient).
	MaxExpandDepth = 2
	// MaxExpands is how many paths one request may name.
	MaxExpands = 10
)

// ObjectBatch reads many objects of one tenant by id (ids map to their resource) in batches;
// a missing id is absent from the answer. store.Store's GetObjects is one.
type ObjectBatch interface {
	GetObjects(ctx context.Context, t domain.Tenant, ids map[string]*schema.Resource) (map[string]domain.Doc, error)
}

// expandNode is one expansion: the reference field it reads, the name it writes, the resource
// referred to, and the expansions inside that object.
type expandNode struct {
	name, field string
	path        string // from the top, without data. (appointment.patient), for errors
	target      *schema.Resource
	children    []*expandNode
}

// Expand is a request's parsed expand[] paths.
type Expand struct{ nodes []*expandNode }

// isExpandKey matches ^expand(\[\d*\])?$ without a regexp compiled at every function's start.
func isExpandKey(k string) bool {
	rest, ok := strings.CutPrefix(k, "expand")
	if !ok || rest == "" {
		return ok
	}
	if len(rest) < 2 || rest[0] != '[' || rest[len(rest)-1] != ']' {
		return false
	}
	return strings.Trim(rest[1:len(rest)-1], "0123456789") == ""
}

// ParseExpand takes the expand parameters out of params (expand, expand[], expand[0], ...;
// repeated keys and values add up) and checks each path against res. list is set for find, where
// a path may start with Stripe's `data.`. The other parameters are returned for the query parser.
// A restricted key must hold read permission on every resource a path reaches (the check a
// direct read makes), or the request is 403 naming the path.
func ParseExpand(res *schema.Resource, params map[string][]string, list bool, p auth.Principal) (*Expand, map[string][]string, error) {
	rest := make(map[string][]string, len(params))
	var keys []string
	for k, v := range params {
		if isExpandKey(k) {
			keys = append(keys, k)
			continue
		}
		rest[k] = v
	}
	e := &Expand{}
	if len(keys) == 0 {
		return e, params, nil
	}
	sort.Strings(keys)
	seen := map[string]bool{}
	var bad []apperr.FieldError
	for _, k := range keys {
		for _, path := range params[k] {
			if seen[path] {
				continue
			}
			seen[path] = true
			if len(seen) > MaxExpands {
				return nil, nil, apperr.Field(k, "at most %d expand paths are allowed in one request", MaxExpands)
			}
			if msg := e.add(res, path, list); msg != "" {
				bad = append(bad, apperr.FieldError{Field: k, Message: msg})
			}
		}
	}
	if len(bad) > 0 {
		return nil, nil, apperr.Invalid(bad...)
	}
	if err := e.allowed(p); err != nil {
		return nil, nil, err
	}
	return e, rest, nil
}

// add checks one path and merges it into the tree; it answers why the path is refused, or "".
func (e *Expand) add(res *schema.Resource, path string, list bool) string {
	parts := strings.Split(path, ".")
	if list && len(parts) > 1 && parts[0] == "data" {
		parts = parts[1:]
	}
	if len(parts) > MaxExpandDepth {
		return "\"" + path + "\" is " + itoa(len(parts)) + " levels deep; at most " + itoa(MaxExpandDepth) + " are allowed"
	}
	nodes, cur := &e.nodes, res
	for i, name := range parts {
		targets := cur.Expandable()
		target, ok := targets[name]
		if !ok {
			return "\"" + path + "\": " + cur.Object + " has no expandable field " + strconvQuote(name) + expandHint(targets)
		}
		var n *expandNode
		for _, c := range *nodes {
			if c.name == name {
				n = c
			}
		}
		if n == nil {
			n = &expandNode{name: name, field: name + "Id", target: target, path: strings.Join(parts[:i+1], ".")}
			*nodes = append(*nodes, n)
		}
		nodes, cur = &n.children, target
	}
	return ""
}

func expandHint(targets map[string]*schema.Resource) string {
	if len(targets) == 0 {
		return " (it has none)"
	}
	names := slices.Sorted(maps.Keys(targets))
	return " (expandable: " + strings.Join(names, ", ") + ")"
}

// allowed is the permissions middleware's check for each resource an expansion reads.
func (e *Expand) allowed(p auth.Principal) error {
	if p.KeyType != auth.Restricted {
		return nil
	}
	var walk func([]*expandNode) error
	walk = func(nodes []*expandNode) error {
		for _, n := range nodes {
			if !auth.Grants(p.Permissions[n.target.Name], auth.Read) {
				return apperr.New(apperr.Permissions, "This key lacks read permission on %s, which expand[]=%s needs.", n.target.Name, n.path)
			}
			if err := walk(n.children); err != nil {
				return err
			}
		}
		return nil
	}
	return walk(e.nodes)
}

// Empty reports whether no expansion was asked for.
func (e *Expand) Empty() bool { return e == nil || len(e.nodes) == 0 }

// Names are the top-level names written, to keep them in a $select answer.
func (e *Expand) Names() []string {
	var out []string
	for _, n := range e.nodes {
		out = append(out, n.name)
	}
	return out
}

// Select adds the expansion names to a $select list (nil stays nil: every field), so a projected
// answer keeps the objects; the reference itself need not be selected.
func (e *Expand) Select(sel []string) []string {
	if sel == nil || e.Empty() {
		return sel
	}
	return append(slices.Clip(sel), e.Names()...)
}

// Page expands a find's page and keeps the expansions in a $select answer.
func (e *Expand) Page(r *Request, st Objects, q *query.Query, page []domain.Doc) error {
	q.Select = e.Select(q.Select)
	return e.Apply(r.Ctx, st, r.Tenant, page)
}

// pending is one level's work: the objects to expand and the expansions to make in them.
type pending struct {
	docs  []domain.Doc
	nodes []*expandNode
}

// Apply expands docs in place, one batched read per level. A reference that is unset, or names an
// object that no longer exists, expands to null (its id field still says which it was).
func (e *Expand) Apply(ctx context.Context, st Objects, t domain.Tenant, docs []domain.Doc) error {
	if e.Empty() || len(docs) == 0 {
		return nil
	}
	level := []pending{{docs: docs, nodes: e.nodes}}
	for len(level) > 0 {
		ids := map[string]*schema.Resource{}
		for _, p := range level {
			for _, n := range p.nodes {
				for _, d := range p.docs {
					if id, ok := d[n.field].(string); ok && strings.HasPrefix(id, n.target.Prefix+"_") {
						ids[id] = n.target
					}
				}
			}
		}
		got, err := readObjects(ctx, st, t, ids)
		if err != nil {
			return err
		}
		var next []pending
		for _, p := range level {
			for _, n := range p.nodes {
				next = append(next, n.fill(p.docs, got)...)
			}
		}
		level = next
	}
	return nil
}

// fill writes n's expansion into each doc. Each object is copied once per node, so the nested
// expansions of one path never show up in another path's copy of the same object.
func (n *expandNode) fill(docs []domain.Doc, got map[string]domain.Doc) []pending {
	copies := map[string]domain.Doc{}
	var kids []domain.Doc
	for _, d := range docs {
		id, _ := d[n.field].(string)
		obj, ok := got[id]
		if !ok {
			d[n.name] = nil
			continue
		}
		c, ok := copies[id]
		if !ok {
			c = maps.Clone(obj)
			copies[id] = c
			kids = append(kids, c)
		}
		d[n.name] = c
	}
	if len(n.children) == 0 || len(kids) == 0 {
		return nil
	}
	return []pending{{docs: kids, nodes: n.children}}
}

// readObjects batches when the store can (one BatchGetItem per 100 ids); a store without batches
// (a test double) is read one object at a time.
func readObjects(ctx context.Context, st Objects, t domain.Tenant, ids map[string]*schema.Resource) (map[string]domain.Doc, error) {
	if len(ids) == 0 {
		return map[string]domain.Doc{}, nil
	}
	if b, ok := st.(ObjectBatch); ok {
		return b.GetObjects(ctx, t, ids)
	}
	out := map[string]domain.Doc{}
	for id, res := range ids {
		doc, _, err := st.GetObject(ctx, t, res, id)
		if err != nil {
			if apperr.From(err).Kind == apperr.NotFound {
				continue
			}
			return nil, err
		}
		out[id] = doc
	}
	return out, nil
}

func itoa(n int) string { return strconv.Itoa(n) }

func strconvQuote(s string) string { return strconv.Quote(s) }
