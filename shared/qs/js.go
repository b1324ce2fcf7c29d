package qs

import (
	"math"
	"sort"
	"strconv"
	"strings"
)

// This file emulates the few JavaScript semantics qs relies on: objects whose
// own keys enumerate array indices first, sparse arrays, parseInt and
// Number#toString. qs's merge rules depend on object identity (its overflow
// and conflict side channels), so the working values are pointers.

// jsObj is a plain JS object. The overflow and conflict marks mirror qs's
// side channels keyed by object identity.
type jsObj struct {
	props    map[string]any
	order    []string // insertion order of every key
	overflow bool
	maxIndex float64
	conflict bool
	confIdx  float64
}

// jsArr is a JS array; a nil element is a hole.
type jsArr struct {
	elems    []any
	conflict bool
	confIdx  float64
}

func newObj() *jsObj { return &jsObj{props: map[string]any{}} }

func (o *jsObj) has(k string) bool { _, ok := o.props[k]; return ok }

func (o *jsObj) get(k string) any { return o.props[k] }

func (o *jsObj) set(k string, v any) {
	if _, ok := o.props[k]; !ok {
		o.order = append(o.order, k)
	}
	o.props[k] = v
}

// keys returns Object.keys order: array indices ascending, then the other
// keys in insertion order.
func (o *jsObj) keys() []string {
	var idx []string
	var rest []string
	for _, k := range o.order {
		if _, ok := arrayIndex(k); ok {
			idx = append(idx, k)
		} else {
			rest = append(rest, k)
		}
	}
	if len(idx) > 1 {
		sort.Slice(idx, func(i, j int) bool {
			a, _ := arrayIndex(idx[i])
			b, _ := arrayIndex(idx[j])
			return a < b
		})
	}
	return append(idx, rest...)
}

// arrayIndex reports whether k is an ECMAScript array index (a canonical
// uint32 below 2^32-1), which JS enumerates before other keys.
func arrayIndex(k string) (uint32, bool) {
	if k == "" || len(k) > 10 || (len(k) > 1 && k[0] == '0') {
		return 0, false
	}
	n, err := strconv.ParseUint(k, 10, 64)
	if err != nil || n >= math.MaxUint32 {
		return 0, false
	}
	return uint32(n), true
}

func (a *jsArr) has(i int) bool { return i < len(a.elems) && a.elems[i] != nil }

func (a *jsArr) setAt(i int, v any) {
	for len(a.elems) <= i {
		a.elems = append(a.elems, nil)
	}
	a.elems[i] = v
}

func (a *jsArr) push(v any) { a.elems = append(a.elems, v) }

// count is qs's countElements: the number of non-hole elements.
func (a *jsArr) count() int {
	n := 0
	for _, e := range a.elems {
		if e != nil {
			n++
		}
	}
	return n
}

// arrKeys is Object.keys on an array: the indices of non-holes.
func (a *jsArr) keys() []string {
	var ks []string
	for i, e := range a.elems {
		if e != nil {
			ks = append(ks, strconv.Itoa(i))
		}
	}
	return ks
}

// truthy is JS truthiness restricted to the value kinds qs produces here.
func truthy(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case string:
		return x != ""
	default:
		return true
	}
}

func isObjectLike(v any) bool {
	switch v.(type) {
	case *jsObj, *jsArr:
		return true
	}
	return false
}

// jsParseInt is parseInt(s, 10).
func jsParseInt(s string) float64 {
	s = strings.TrimLeft(s, " \t\n\v\f\r\u00a0\ufeff\u2028\u2029")
	neg := false
	if s != "" && (s[0] == '-' || s[0] == '+') {
		neg = s[0] == '-'
		s = s[1:]
	}
	end := 0
	for end < len(s) && s[end] >= '0' && s[end] <= '9' {
		end++
	}
	if end == 0 {
		return math.NaN()
	}
	f, _ := strconv.ParseFloat(s[:end], 64) // a range error still yields ±Inf, as JS does
	if neg {
		f = -f
	}
	return f
}

// jsNumberString is String(n) for a JS number.
func jsNumberString(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case f == 0:
		return "0"
	}
	if f < 0 {
		return "-" + jsNumberString(-f)
	}
	if f >= 1e-6 && f < 1e21 {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	// Exponent form: shortest digits, "e+" or "e-" exponent, as Number#toString.
	s := strconv.FormatFloat(f, 'e', -1, 64)
	mant, exp, _ := strings.Cut(s, "e")
	if exp[0] == '+' || exp[0] == '-' {
		sign := exp[:1]
		exp = strings.TrimLeft(exp[1:], "0")
		return mant + "e" + sign + exp
	}
	return mant + "e+" + exp
}

// canonicalInt is qs's `String(parseInt(k, 10)) === k` test.
func canonicalInt(k string) (float64, bool) {
	n := jsParseInt(k)
	if math.IsNaN(n) {
		return n, false
	}
	return n, jsNumberString(n) == k
}
