package schema

import (
	"sort"
	"strings"
)

// Expandable lists what expand[] may name on res: every reference field `xId` (one with a Ref)
// expands as `x`, to the resource referred to. Decisions: docs/resources.md "Expanding references".
func (r *Resource) Expandable() map[string]*Resource {
	out := map[string]*Resource{}
	for _, f := range r.Fields {
		if f.Ref == "" || !strings.HasSuffix(f.Name, "Id") {
			continue
		}
		if t, ok := Lookup(f.Ref); ok {
			out[strings.TrimSuffix(f.Name, "Id")] = t
		}
	}
	return out
}

// ExpandPaths are every path expand[] accepts on res, up to depth levels, sorted
// (appointment, appointment.patient, ...).
func (r *Resource) ExpandPaths(depth int) []string {
	var out []string
	var walk func(res *Resource, prefix string, left int)
	walk = func(res *Resource, prefix string, left int) {
		if left == 0 {
			return
		}
		for name, t := range res.Expandable() {
			out = append(out, prefix+name)
			walk(t, prefix+name+".", left-1)
		}
	}
	walk(r, "", depth)
	sort.Strings(out)
	return out
}
