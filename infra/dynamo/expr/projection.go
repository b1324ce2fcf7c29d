package expr

import (
	"sort"

	"github.com/hapihub/hapihub/infra/dynamo/attr"
)

func parseProjection(s string, names Names, u *Usage) (*Projection, error) {
	p := newParser("Projection", s, names, nil, nil)
	proj := &Projection{}
	err := p.run(u, projPriority, func() {
		for {
			proj.Paths = append(proj.Paths, p.parsePath())
			if !p.isPunct(",") {
				break
			}
			p.next()
		}
		p.checkPathSet(proj.Paths)
	})
	if err != nil {
		return nil, err
	}
	return proj, nil
}

// pnode builds a projected value: list elements are gathered by original index
// and compacted in order at the end, as DynamoDB returns them.
type pnode struct {
	leaf  *attr.Value
	kind  attr.Kind
	named map[string]*pnode
	idx   map[int]*pnode
}

func (n *pnode) child(e PathElem) *pnode {
	if e.IsIndex {
		if n.idx == nil {
			n.idx = map[int]*pnode{}
		}
		c := n.idx[e.Index]
		if c == nil {
			c = &pnode{}
			n.idx[e.Index] = c
		}
		return c
	}
	if n.named == nil {
		n.named = map[string]*pnode{}
	}
	c := n.named[e.Name]
	if c == nil {
		c = &pnode{}
		n.named[e.Name] = c
	}
	return c
}

func (n *pnode) value() attr.Value {
	if n.leaf != nil {
		return attr.Clone(*n.leaf)
	}
	if n.kind == attr.L {
		keys := make([]int, 0, len(n.idx))
		for k := range n.idx {
			keys = append(keys, k)
		}
		sort.Ints(keys)
		out := make([]attr.Value, len(keys))
		for i, k := range keys {
			out[i] = n.idx[k].value()
		}
		return attr.List(out)
	}
	out := make(map[string]attr.Value, len(n.named))
	for k, c := range n.named {
		out[k] = c.value()
	}
	return attr.Map(out)
}

func project(item attr.Item, paths []Path) attr.Item {
	root := &pnode{kind: attr.M}
	for _, path := range paths {
		v, ok := resolvePath(item, path)
		if !ok {
			continue
		}
		n := root
		for i, e := range path {
			c := n.child(e)
			if i+1 < len(path) {
				if path[i+1].IsIndex {
					c.kind = attr.L
				} else {
					c.kind = attr.M
				}
			}
			n = c
		}
		leaf := v
		n.leaf = &leaf
	}
	out := attr.Item{}
	for k, c := range root.named {
		out[k] = c.value()
	}
	return out
}
