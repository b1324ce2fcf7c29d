// Package apiversion is HAPI Hub's dated API versions, as Stripe's: each account is pinned to the
// version current when it signed up, a request may name another in the HapiHub-Version header,
// and every breaking change is a Change that turns the new shape back into the old one. Handlers
// and the store only ever build the newest shape; the router's middleware (shared/api/version.go)
// and the event writer (shared/store/core) apply the Changes newer than the version asked for, so
// shipping a breaking change is adding one Change here, never editing a handler.
package apiversion

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sync/atomic"
)

// Header names the version on requests (an override) and responses (the version used).
const Header = "HapiHub-Version"

// Version is a release date, YYYY-MM-DD: versions sort as strings.
type Version string

// Change is one breaking change: the version that introduced it and how to translate between
// the shapes on either side of it. Every function is optional (nil: that side is untouched),
// works on decoded JSON (map[string]any, []any, ...) and may change its argument in place.
type Change struct {
	Version Version
	// Summary is the changelog's line (docs/changelog.md lists the same).
	Summary string
	// Response turns a response body of resource (a route's Resource, "patients") from this
	// change's shape into the shape before it.
	Response func(resource string, body any) any
	// Request turns a request body written for the version before this change into this
	// change's shape (requests go old → new, responses new → old).
	Request func(resource string, body map[string]any) map[string]any
	// Event turns an event (its data.object included) into the shape before this change.
	Event func(event map[string]any) map[string]any
}

// Registry is the list of versions and the changes between them.
type Registry struct {
	first   Version
	changes []Change // sorted by Version, oldest first
}

// NewRegistry makes the registry whose first version is first, followed by changes.
func NewRegistry(first Version, changes ...Change) *Registry {
	cs := slices.Clone(changes)
	slices.SortStableFunc(cs, func(a, b Change) int {
		switch {
		case a.Version < b.Version:
			return -1
		case a.Version > b.Version:
			return 1
		}
		return 0
	})
	for _, c := range cs {
		if !wellFormed(string(c.Version)) || c.Version <= first {
			panic(fmt.Sprintf("apiversion: change %q must be a YYYY-MM-DD date after %s", c.Version, first))
		}
	}
	return &Registry{first: first, changes: cs}
}

func wellFormed(s string) bool {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return false
	}
	for i, c := range s {
		if i != 4 && i != 7 && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// First is the oldest version: today's API when versioning began. Accounts created before
// versions were recorded are pinned to it.
func (r *Registry) First() Version { return r.first }

// Latest is the newest version: new accounts are pinned to it.
func (r *Registry) Latest() Version {
	if len(r.changes) == 0 {
		return r.first
	}
	return r.changes[len(r.changes)-1].Version
}

// Known lists every version, oldest first.
func (r *Registry) Known() []Version {
	out := []Version{r.first}
	for _, c := range r.changes {
		if c.Version != out[len(out)-1] {
			out = append(out, c.Version)
		}
	}
	return out
}

// Lookup reports whether s names a known version.
func (r *Registry) Lookup(s string) (Version, bool) {
	return Version(s), slices.Contains(r.Known(), Version(s))
}

// Changes lists the changes, oldest first (the changelog).
func (r *Registry) Changes() []Change { return slices.Clone(r.changes) }

// after are the changes newer than v.
func (r *Registry) after(v Version) []Change {
	i := 0
	for i < len(r.changes) && r.changes[i].Version <= v {
		i++
	}
	return r.changes[i:]
}

// Behind reports whether anything must be translated for v (false for the newest version, so
// the common case costs nothing).
func (r *Registry) Behind(v Version) bool { return len(r.after(v)) > 0 }

// Response turns a response body of resource from the newest shape into v's, newest change
// first. body is encoded and decoded first, so handlers may return any JSON-encodable value.
func (r *Registry) Response(resource string, body any, v Version) (any, error) {
	cs := r.after(v)
	if len(cs) == 0 || body == nil {
		return body, nil
	}
	doc, err := generic(body)
	if err != nil {
		return nil, err
	}
	for i := len(cs) - 1; i >= 0; i-- {
		if cs[i].Response != nil {
			doc = cs[i].Response(resource, doc)
		}
	}
	return doc, nil
}

// Request turns a request body written for v into the newest shape, oldest change first: an
// object, or each object of an array (bulk creates). Anything else is left for the handler to
// refuse.
func (r *Registry) Request(resource string, body []byte, v Version) []byte {
	cs := r.after(v)
	if len(cs) == 0 || len(body) == 0 {
		return body
	}
	var doc any
	if json.Unmarshal(body, &doc) != nil {
		return body
	}
	upgrade := func(m map[string]any) map[string]any {
		for _, c := range cs {
			if c.Request != nil {
				m = c.Request(resource, m)
			}
		}
		return m
	}
	switch d := doc.(type) {
	case map[string]any:
		doc = upgrade(d)
	case []any:
		for i, it := range d {
			if m, ok := it.(map[string]any); ok {
				d[i] = upgrade(m)
			}
		}
	default:
		return body
	}
	out, err := json.Marshal(doc)
	if err != nil {
		return body
	}
	return out
}

// shapeKey is the event item's record of the version its data was built in (the newest when it
// was written); RenderEvent removes it.
const shapeKey = "apiShape"

// StampEvent marks an event built in the newest shape with its account's version (apiVersion,
// the version it is read in by default) and the shape it was built in.
func (r *Registry) StampEvent(ev map[string]any, account Version) map[string]any {
	ev["apiVersion"] = string(account)
	ev[shapeKey] = string(r.Latest())
	return ev
}

// RenderEvent turns a stored event into version v ("": its own apiVersion), newest change first,
// and names the version rendered in apiVersion. Data can only be turned back: an event built
// before v existed is rendered in the shape it was built in, and says so. Events stored before
// versions were recorded are in the first version's shape.
func (r *Registry) RenderEvent(ev map[string]any, v Version) (map[string]any, error) {
	shape, _ := ev[shapeKey].(string)
	if shape == "" {
		shape = string(r.first)
	}
	if v == "" {
		own, _ := ev["apiVersion"].(string)
		v = Version(own)
		if v == "" {
			v = r.first
		}
	}
	v = min(v, Version(shape))
	var cs []Change
	for _, c := range r.after(v) {
		if c.Version <= Version(shape) && c.Event != nil {
			cs = append(cs, c)
		}
	}
	if len(cs) > 0 {
		doc, err := generic(ev)
		if err != nil {
			return nil, err
		}
		ev, _ = doc.(map[string]any)
		for i := len(cs) - 1; i >= 0; i-- {
			ev = cs[i].Event(ev)
		}
	} else {
		ev = maps.Clone(ev)
	}
	delete(ev, shapeKey)
	ev["apiVersion"] = string(v)
	return ev, nil
}

// generic is v as decoded JSON, a copy the changes may edit freely.
func generic(v any) (any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("apiversion: encode: %w", err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, fmt.Errorf("apiversion: decode: %w", err)
	}
	return out, nil
}

// The registry in use. Production has one; tests register a future version with Use.
var current atomic.Pointer[Registry]

func init() { current.Store(Releases) }

// Current is the registry requests and events are served with.
func Current() *Registry { return current.Load() }

// Use makes r the current registry and returns a function restoring the previous one (tests:
// a fake future version proves the mechanism before a real one exists).
func Use(r *Registry) (restore func()) {
	prev := current.Swap(r)
	return func() { current.Store(prev) }
}
