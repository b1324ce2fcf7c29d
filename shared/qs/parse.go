package qs

import (
	"strings"
	"unicode/utf8"
)

// The defaults of qs 6.x's parse, which are the only options we support:
// Feathers clients send what qs.stringify produces and the server side of
// Feathers reads it back with qs.parse's defaults.
const (
	// Depth is how many bracket groups qs splits a key into; the rest of the
	// key stays one literal segment.
	Depth = 5
	// ArrayLimit is the highest index qs still builds an array for, and the
	// most elements a combined array may hold before it becomes an object.
	ArrayLimit = 20
	// ParameterLimit is how many `&`-separated parameters qs reads.
	ParameterLimit = 1000
)

// prototypeKeys are Object.prototype's own properties, which qs drops as keys
// (allowPrototypes false) so a query cannot shadow them.
var prototypeKeys = map[string]bool{
	"constructor": true, "__defineGetter__": true, "__defineSetter__": true,
	"hasOwnProperty": true, "__lookupGetter__": true, "__lookupSetter__": true,
	"isPrototypeOf": true, "propertyIsEnumerable": true, "toString": true,
	"valueOf": true, "__proto__": true, "toLocaleString": true,
}

type parser struct {
	info Info
}

// decode is qs's utils.decode for utf-8: `+` is a space, then
// decodeURIComponent, and on a malformed sequence the string with only the
// pluses replaced.
func decode(s string) string {
	if !strings.Contains(s, "%") {
		return strings.ReplaceAll(s, "+", " ")
	}
	s = strings.ReplaceAll(s, "+", " ")
	if d, ok := decodeURIComponent(s); ok {
		return d
	}
	return s
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

func pctByte(s string, i int) (byte, bool) {
	if i+2 >= len(s) || s[i] != '%' {
		return 0, false
	}
	h, ok1 := unhex(s[i+1])
	l, ok2 := unhex(s[i+2])
	return h<<4 | l, ok1 && ok2
}

// decodeURIComponent follows ECMAScript's Decode: every `%XX` must be a hex
// pair and the octets of one character a well-formed UTF-8 sequence (no
// overlong forms, surrogates or code points past U+10FFFF), else it fails.
func decodeURIComponent(s string) (string, bool) {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		if s[i] != '%' {
			b.WriteByte(s[i])
			i++
			continue
		}
		c, ok := pctByte(s, i)
		if !ok {
			return "", false
		}
		i += 3
		if c < 0x80 {
			b.WriteByte(c)
			continue
		}
		var n int
		switch {
		case c&0xE0 == 0xC0:
			n = 2
		case c&0xF0 == 0xE0:
			n = 3
		case c&0xF8 == 0xF0:
			n = 4
		default:
			return "", false
		}
		octets := []byte{c}
		for k := 1; k < n; k++ {
			c2, ok := pctByte(s, i)
			if !ok || c2&0xC0 != 0x80 {
				return "", false
			}
			octets = append(octets, c2)
			i += 3
		}
		if r, size := utf8.DecodeRune(octets); r == utf8.RuneError || size != n {
			return "", false
		}
		b.Write(octets)
	}
	return b.String(), true
}

// parseValues is qs's first pass: split into parameters and collect values
// by their whole decoded key, combining duplicates.
func (p *parser) parseValues(str string) *jsObj {
	obj := newObj()
	str = replaceFold(str, "%5B", "[")
	str = replaceFold(str, "%5D", "]")

	parts := strings.SplitN(str, "&", ParameterLimit+1)
	p.info.Parameters = len(parts)
	if len(parts) > ParameterLimit {
		p.info.ParameterLimitExceeded = true
		p.info.Parameters = strings.Count(str, "&") + 1
		parts = parts[:ParameterLimit]
	}
	for _, part := range parts {
		pos := strings.Index(part, "]=")
		if pos >= 0 {
			pos++
		} else {
			pos = strings.IndexByte(part, '=')
		}
		var key string
		var val any
		if pos == -1 {
			key = decode(part)
			val = ""
		} else {
			key = decode(part[:pos])
			val = decode(part[pos+1:])
		}
		if obj.has(key) {
			obj.set(key, p.combine(obj.get(key), val))
		} else {
			obj.set(key, val)
		}
	}
	return obj
}

// replaceFold replaces every ASCII-case-insensitive occurrence of old.
func replaceFold(s, old, repl string) string {
	var b strings.Builder
	for {
		i := indexFold(s, old)
		if i < 0 {
			if b.Len() == 0 {
				return s
			}
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		b.WriteString(repl)
		s = s[i+len(old):]
	}
}

func indexFold(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if strings.EqualFold(s[i:i+len(sub)], sub) {
			return i
		}
	}
	return -1
}

func stripWrappingBrackets(k string) string {
	if len(k) >= 2 && k[0] == '[' && k[len(k)-1] == ']' {
		return k[1 : len(k)-1]
	}
	return k
}

// splitKey is qs's splitKeyIntoSegments with depth 5; nil means the key is
// dropped (it names an Object.prototype property).
func (p *parser) splitKey(key string) []string {
	var segs []string
	first := strings.IndexByte(key, '[')
	parent := key
	if first >= 0 {
		parent = key[:first]
	}
	if parent != "" {
		if prototypeKeys[parent] {
			return nil
		}
		segs = append(segs, parent)
	}
	open := first
	collected := 0
	for open >= 0 && collected < Depth {
		level := 1
		closeAt := -1
		for i := open + 1; i < len(key) && closeAt < 0; i++ {
			switch key[i] {
			case '[':
				level++
			case ']':
				level--
				if level == 0 {
					closeAt = i
				}
			}
		}
		if closeAt < 0 {
			// An unterminated group stays one literal segment.
			return append(segs, "["+key[open:]+"]")
		}
		seg := key[open : closeAt+1]
		if prototypeKeys[seg[1:len(seg)-1]] {
			return nil
		}
		segs = append(segs, seg)
		collected++
		next := strings.IndexByte(key[closeAt+1:], '[')
		if next < 0 {
			open = -1
		} else {
			open = closeAt + 1 + next
		}
	}
	if open >= 0 {
		if !p.info.DepthExceeded {
			p.info.DeepKey = key
		}
		p.info.DepthExceeded = true
		segs = append(segs, "["+key[open:]+"]")
	}
	return segs
}

// parseObject builds the nested value for one key's segments.
func (p *parser) parseObject(chain []string, leaf any) any {
	for i := len(chain) - 1; i >= 0; i-- {
		root := chain[i]
		if root == "[]" {
			if o, ok := leaf.(*jsObj); ok && o.overflow {
				continue
			}
			leaf = p.combine(&jsArr{}, leaf)
			continue
		}
		obj := newObj()
		clean := stripWrappingBrackets(root)
		index, canonical := canonicalInt(clean)
		valid := canonical && root != clean && index >= 0
		switch {
		case valid && index < ArrayLimit:
			a := &jsArr{}
			a.setAt(int(index), leaf)
			leaf = a
			continue
		case valid:
			p.info.ArrayLimitExceeded = true
			obj.set(clean, leaf)
			obj.overflow, obj.maxIndex = true, index
		case clean != "__proto__":
			obj.set(clean, leaf)
		}
		leaf = obj
	}
	return leaf
}

// arrayToObject keeps the non-hole elements under their index keys.
func arrayToObject(elems []any) *jsObj {
	o := newObj()
	for i, e := range elems {
		if e != nil {
			o.set(itoa(i), e)
		}
	}
	return o
}

func itoa(i int) string { return jsNumberString(float64(i)) }

// concat is [].concat(a, b): arrays are spread (holes kept), others appended.
func concat(vs ...any) []any {
	var out []any
	for _, v := range vs {
		if a, ok := v.(*jsArr); ok {
			out = append(out, a.elems...)
		} else {
			out = append(out, v)
		}
	}
	return out
}

func (p *parser) overflowObject(elems []any, maxIndex float64) *jsObj {
	p.info.ArrayLimitExceeded = true
	o := arrayToObject(elems)
	o.overflow, o.maxIndex = true, maxIndex
	return o
}

// combine is qs's utils.combine.
func (p *parser) combine(a, b any) any {
	if o, ok := a.(*jsObj); ok && o.overflow {
		vals := []any{b}
		if arr, ok := b.(*jsArr); ok {
			vals = arr.elems
		}
		idx := o.maxIndex
		for _, v := range vals {
			idx++
			if v != nil {
				o.set(jsNumberString(idx), v)
			}
		}
		o.maxIndex = idx
		return o
	}
	res := concat(a, b)
	if len(res) > ArrayLimit {
		return p.overflowObject(res, float64(len(res)-1))
	}
	return &jsArr{elems: res}
}

// limitedPair is qs's [first, second] with the array limit applied.
func (p *parser) limitedPair(first, second any) any {
	pair := []any{first, second}
	if len(pair) > ArrayLimit {
		return p.overflowObject(pair, 1)
	}
	return &jsArr{elems: pair}
}

// merge is qs's utils.merge with strictMerge on (the 6.x default).
func (p *parser) merge(target, source any) any {
	if !truthy(source) {
		return target
	}
	if !isObjectLike(source) {
		return p.mergePrimitive(target, source)
	}
	if !isObjectLike(target) {
		return p.mergeIntoPrimitive(target, source)
	}
	ta, targetIsArr := target.(*jsArr)
	sa, sourceIsArr := source.(*jsArr)
	if targetIsArr && sourceIsArr {
		return p.mergeArrays(ta, sa)
	}
	var acc *jsObj
	if targetIsArr {
		acc = arrayToObject(ta.elems)
		if ta.conflict {
			acc.conflict, acc.confIdx = true, float64(len(ta.elems)-1)
		}
	} else {
		acc = target.(*jsObj)
	}
	return p.mergeIntoObject(acc, source)
}

// mergePrimitive is merge's branch for a source that is not an object.
func (p *parser) mergePrimitive(target, source any) any {
	switch t := target.(type) {
	case *jsArr:
		next := len(t.elems)
		if t.count() >= ArrayLimit {
			return p.overflowObject(concat(t, source), float64(next))
		}
		t.setAt(next, source)
	case *jsObj:
		switch {
		case t.overflow:
			t.maxIndex++
			t.set(jsNumberString(t.maxIndex), source)
		case t.conflict:
			t.confIdx++
			t.set(jsNumberString(t.confIdx), source)
		default:
			c := p.limitedPair(t, source)
			if arr, ok := c.(*jsArr); ok {
				arr.conflict, arr.confIdx = true, 1
			}
			return c
		}
	default:
		return p.limitedPair(target, source)
	}
	return target
}

// mergeIntoPrimitive is merge's branch for an object source and a target that is not one.
func (p *parser) mergeIntoPrimitive(target, source any) any {
	if so, ok := source.(*jsObj); ok && so.overflow {
		res := newObj()
		res.set("0", target)
		for _, k := range so.keys() {
			res.set(jsNumberString(jsParseInt(k)+1), so.get(k))
		}
		res.overflow, res.maxIndex = true, so.maxIndex+1
		return res
	}
	combined := concat(target, source)
	if len(combined) > ArrayLimit {
		return p.overflowObject(combined, float64(len(combined)-1))
	}
	return &jsArr{elems: combined}
}

// mergeArrays merges two arrays element by element, as qs does.
func (p *parser) mergeArrays(ta, sa *jsArr) any {
	for i, item := range sa.elems {
		if item == nil {
			continue // forEach skips holes
		}
		if ta.has(i) {
			ti := ta.elems[i]
			if isObjectLike(ti) && isObjectLike(item) {
				ta.elems[i] = p.merge(ti, item)
			} else {
				ta.push(item)
			}
		} else {
			ta.setAt(i, item)
		}
	}
	if ta.count() > ArrayLimit {
		return p.overflowObject(ta.elems, float64(len(ta.elems)-1))
	}
	return ta
}

// mergeIntoObject merges source's keys into acc, keeping its overflow and conflict indexes.
func (p *parser) mergeIntoObject(acc *jsObj, source any) any {
	var keys []string
	var sourceGet func(string) any
	sourceOverflow := false
	var sourceMax float64
	if sa, ok := source.(*jsArr); ok {
		keys = sa.keys()
		sourceGet = func(k string) any { i, _ := arrayIndex(k); return sa.elems[i] }
	} else {
		so := source.(*jsObj)
		keys = so.keys()
		sourceGet = so.get
		sourceOverflow, sourceMax = so.overflow, so.maxIndex
	}
	for _, key := range keys {
		value := sourceGet(key)
		if acc.has(key) {
			acc.set(key, p.merge(acc.get(key), value))
		} else {
			acc.set(key, value)
		}
		if sourceOverflow && !acc.overflow {
			acc.overflow, acc.maxIndex = true, maxNumericIndex(acc, sourceMax)
		}
		acc.noteIndex(key)
	}
	return acc
}

// noteIndex raises the overflow and conflict indexes to key's when it is a number above them.
func (acc *jsObj) noteIndex(key string) {
	if acc.overflow {
		if n, ok := canonicalInt(key); ok && n >= 0 && n > acc.maxIndex {
			acc.maxIndex = n
		}
	}
	if acc.conflict {
		if n, ok := canonicalInt(key); ok && n > acc.confIdx {
			acc.confIdx = n
		}
	}
}

func maxNumericIndex(o *jsObj, lowest float64) float64 {
	m := lowest
	for _, k := range o.keys() {
		if n, ok := canonicalInt(k); ok && n > m {
			m = n
		}
	}
	return m
}

// export compacts arrays (dropping holes, as qs's compact does) and turns
// the working values into the public tree.
func export(v any) Value {
	switch x := v.(type) {
	case string:
		return x
	case *jsArr:
		out := make([]any, 0, len(x.elems))
		for _, e := range x.elems {
			if e != nil {
				out = append(out, export(e))
			}
		}
		return out
	case *jsObj:
		keys := x.keys()
		o := Object{keys: keys, values: make(map[string]Value, len(keys))}
		for _, k := range keys {
			o.values[k] = export(x.props[k])
		}
		return o
	}
	return nil
}
