// Package qs parses query strings exactly as the Node `qs` library (6.x)
// does with its default options, which is how Feathers clients encode their
// queries: `a[b][c]=d` nesting, arrays by index, brackets or repeated keys,
// qs's depth, array and parameter limits, and its prototype-key guard.
//
// The result is a tree of Value: a string, a []any of Values, or an Object
// whose keys keep JavaScript's order (array-index keys ascending first, then
// the rest in insertion order), so the tree serialises as JSON.stringify would.
package qs

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"strconv"
)

// Value is one node of a parsed query: string, []any (of Values) or Object.
type Value = any

// Object is an ordered JSON-like object. The zero value is an empty object.
type Object struct {
	keys   []string
	values map[string]Value
}

// Len is the number of keys.
func (o Object) Len() int { return len(o.keys) }

// Keys returns the keys in JavaScript enumeration order.
func (o Object) Keys() []string { return append([]string(nil), o.keys...) }

// Get returns the value under key.
func (o Object) Get(key string) (Value, bool) {
	v, ok := o.values[key]
	return v, ok
}

// All iterates the keys and values in order.
func (o Object) All() iter.Seq2[string, Value] {
	return func(yield func(string, Value) bool) {
		for _, k := range o.keys {
			if !yield(k, o.values[k]) {
				return
			}
		}
	}
}

// Lookup follows a path of keys (array positions as decimal strings) from v.
func Lookup(v Value, path ...string) (Value, bool) {
	for _, p := range path {
		switch x := v.(type) {
		case Object:
			next, ok := x.Get(p)
			if !ok {
				return nil, false
			}
			v = next
		case []any:
			i, err := strconv.Atoi(p)
			if err != nil || i < 0 || i >= len(x) {
				return nil, false
			}
			v = x[i]
		default:
			return nil, false
		}
	}
	return v, true
}

// AsString returns v as a string if it is one.
func AsString(v Value) (string, bool) { s, ok := v.(string); return s, ok }

// AsArray returns v as an array if it is one.
func AsArray(v Value) ([]any, bool) { a, ok := v.([]any); return a, ok }

// AsObject returns v as an Object if it is one.
func AsObject(v Value) (Object, bool) { o, ok := v.(Object); return o, ok }

// MarshalJSON writes the object with its keys in order.
func (o Object) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, k := range o.keys {
		if i > 0 {
			b.WriteByte(',')
		}
		kb, err := json.Marshal(k)
		if err != nil {
			return nil, fmt.Errorf("qs: marshal key %q: %w", k, err)
		}
		b.Write(kb)
		b.WriteByte(':')
		vb, err := json.Marshal(o.values[k])
		if err != nil {
			return nil, fmt.Errorf("qs: marshal value of %q: %w", k, err)
		}
		b.Write(vb)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// Info says which of qs's limits a parse ran into. qs applies them silently;
// the API may prefer to refuse such a request.
type Info struct {
	// Parameters is the number of `&`-separated parameters in the input.
	Parameters int
	// ParameterLimitExceeded: parameters past ParameterLimit were ignored.
	ParameterLimitExceeded bool
	// DepthExceeded: some key had more than Depth bracket groups, and the
	// rest was kept as one literal key.
	DepthExceeded bool
	// DeepKey is the first such key as written, so an error can name it.
	DeepKey string
	// ArrayLimitExceeded: some array became an object with index keys.
	ArrayLimitExceeded bool
}

// ErrParameterLimit is returned (wrapped) by Parse when the input had more
// than ParameterLimit parameters.
var ErrParameterLimit = errors.New("qs: too many query parameters")

// Parse parses raw (without a leading `?`) as qs.parse(raw) does. When the
// input has more than ParameterLimit parameters the result still is what qs
// returns (the first ParameterLimit parameters) and the error wraps
// ErrParameterLimit; there is no other error.
func Parse(raw string) (Object, error) {
	obj, info := ParseInfo(raw)
	if info.ParameterLimitExceeded {
		return obj, fmt.Errorf("%w: %d parameters, at most %d are read", ErrParameterLimit, info.Parameters, ParameterLimit)
	}
	return obj, nil
}

// ParseInfo parses raw as qs.parse(raw) does and reports the limits hit.
func ParseInfo(raw string) (Object, Info) {
	if raw == "" {
		return Object{}, Info{}
	}
	p := &parser{}
	temp := p.parseValues(raw)
	var obj any = newObj()
	for _, key := range temp.keys() {
		if key == "" {
			continue
		}
		segs := p.splitKey(key)
		if segs == nil {
			continue
		}
		obj = p.merge(obj, p.parseObject(segs, temp.get(key)))
	}
	out, _ := export(obj).(Object)
	return out, p.info
}
