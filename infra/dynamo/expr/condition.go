package expr

import (
	"bytes"
	"strings"

	"github.com/hapihub/hapihub/infra/dynamo/attr"
)

var condKeywords = map[string]bool{"AND": true, "OR": true, "NOT": true, "BETWEEN": true, "IN": true}

// maxInOperands is DynamoDB's limit on the list of an IN comparison.
const maxInOperands = 100

// cond is a node of a condition tree. op is "and", "or", "not", a comparator,
// "between", "in" or "func" (a boolean function held in fn).
type cond struct {
	op    string
	kids  []*cond
	args  []*operand
	fn    *operand
	paren bool
}

func isComparator(t token) bool {
	if t.typ != tPunct {
		return false
	}
	switch t.text {
	case "=", "<>", "<", "<=", ">", ">=":
		return true
	}
	return false
}

func parseCond(kind, s string, names Names, values Values, u *Usage) (*cond, error) {
	p := newParser(kind, s, names, values, condKeywords)
	var root *cond
	err := p.run(u, condPriority, func() {
		root = p.parseOr()
		if root.op == "func" && root.fn.fn == "size" {
			p.addSem(cMisusedFn, "The function is not allowed to be used this way in an expression; function: size")
		}
	})
	if err != nil {
		return nil, err
	}
	return root, nil
}

func (p *parser) parseOr() *cond {
	c := p.parseAnd()
	for p.isKeyword("OR") {
		p.next()
		c = &cond{op: "or", kids: []*cond{c, p.parseAnd()}}
	}
	return c
}

func (p *parser) parseAnd() *cond {
	c := p.parseNot()
	for p.isKeyword("AND") {
		p.next()
		c = &cond{op: "and", kids: []*cond{c, p.parseNot()}}
	}
	return c
}

func (p *parser) parseNot() *cond {
	if p.isKeyword("NOT") {
		p.next()
		return &cond{op: "not", kids: []*cond{p.parseNot()}}
	}
	return p.parsePrimary()
}

func (p *parser) misused(ops ...*operand) {
	for _, o := range ops {
		if o.kind == opFunc && o.fn != "size" {
			p.addSem(cMisusedFn, "The function is not allowed to be used this way in an expression; function: %s", o.fn)
		}
	}
}

func (p *parser) parsePrimary() *cond {
	if p.isPunct("(") {
		var c *cond
		grouped := p.try(func() {
			p.next()
			c = p.parseOr()
			p.expectPunct(")")
			// "(a) = b": the parentheses held an operand, not a condition.
			if t := p.peek(); isComparator(t) || p.isKeyword("BETWEEN") || p.isKeyword("IN") {
				p.fail()
			}
		})
		if grouped {
			if c.paren {
				p.addSem(cParens, "The expression has redundant parentheses;")
			}
			g := *c
			g.paren = true
			return &g
		}
	}
	left := p.parseOperand()
	t := p.peek()
	switch {
	case isComparator(t):
		p.next()
		right := p.parseOperand()
		p.misused(left, right)
		if left.kind == opPath && right.kind == opPath && pathsEqual(left.path, right.path) {
			p.addSem(cDistinct, "The first operand must be distinct from the remaining operands for this operator or function; operator: %s, first operand: %s", t.text, pathString(left.path))
		}
		return &cond{op: t.text, args: []*operand{left, right}}
	case p.isKeyword("BETWEEN"):
		p.next()
		lo := p.parseOperand()
		if !p.isKeyword("AND") {
			p.fail()
		}
		p.next()
		hi := p.parseOperand()
		p.misused(left, lo, hi)
		p.checkBetween(lo, hi)
		return &cond{op: "between", args: []*operand{left, lo, hi}}
	case p.isKeyword("IN"):
		p.next()
		p.expectPunct("(")
		args := []*operand{left}
		for {
			args = append(args, p.parseOperand())
			if !p.isPunct(",") {
				break
			}
			p.next()
		}
		p.expectPunct(")")
		p.misused(args...)
		if n := len(args) - 1; n > maxInOperands {
			p.addSem(cTooMany, "The IN operator is provided with too many operands; number of operands: %d", n)
		}
		return &cond{op: "in", args: args}
	}
	if left.kind == opFunc && !left.paren {
		return &cond{op: "func", fn: left}
	}
	p.fail()
	return nil
}

func (p *parser) checkBetween(lo, hi *operand) {
	if lo.kind != opValue || hi.kind != opValue || lo.val.Kind == attr.KindInvalid || hi.val.Kind == attr.KindInvalid {
		return
	}
	bounds := "lower bound operand: AttributeValue: {" + lo.val.Kind.String() + ":" + valueString(lo.val) +
		"}, upper bound operand: AttributeValue: {" + hi.val.Kind.String() + ":" + valueString(hi.val) + "}"
	if lo.val.Kind != hi.val.Kind {
		p.addSem(cFunction, "The BETWEEN operator requires same data type for lower and upper bounds; %s", bounds)
		return
	}
	if c, err := attr.Compare(lo.val, hi.val); err == nil && c > 0 {
		p.addSem(cFunction, "The BETWEEN operator requires upper bound to be greater than or equal to lower bound; %s", bounds)
	}
}

var condFuncArity = map[string]int{
	"attribute_exists": 1, "attribute_not_exists": 1, "attribute_type": 2,
	"begins_with": 2, "contains": 2, "size": 1,
}

const validTypes = "{B,NULL,SS,BOOL,L,BS,N,NS,S,M}"

func (p *parser) checkCondFunc(o *operand) {
	n, ok := condFuncArity[o.fn]
	if !ok {
		p.addSem(cUnknownFn, "Invalid function name; function: %s", o.fn)
		return
	}
	p.misused(o.args...)
	if n != len(o.args) {
		p.addSem(cOperandCount, "Incorrect number of operands for operator or function; operator or function: %s, number of operands: %d", o.fn, len(o.args))
		return
	}
	if n == 2 && o.args[0].kind == opPath && o.args[1].kind == opPath && pathsEqual(o.args[0].path, o.args[1].path) {
		p.addSem(cDistinct, "The first operand must be distinct from the remaining operands for this operator or function; operator: %s, first operand: %s", o.fn, pathString(o.args[0].path))
	}
	switch o.fn {
	case "attribute_exists", "attribute_not_exists":
		if o.args[0].kind != opPath {
			p.addSem(cFunction, "Operator or function requires a document path; operator or function: %s", o.fn)
		}
	case "begins_with":
		for _, a := range o.args {
			if t := typeName(a); t != "" && t != "S" && t != "B" {
				p.addSem(cFunction, "Incorrect operand type for operator or function; operator or function: %s, operand type: %s", o.fn, t)
				return
			}
		}
	case "attribute_type":
		t := typeName(o.args[1])
		if t != "S" {
			if t == "" {
				t = "{NS,SS,L,BS,N,M,B,BOOL,NULL,S}"
			}
			p.addSem(cFunction, "Incorrect operand type for operator or function; operator or function: %s, operand type: %s", o.fn, t)
			return
		}
		if o.args[1].kind == opValue && attr.KindFromString(o.args[1].val.Str) == attr.KindInvalid {
			p.addSem(cFunction, "Invalid attribute type name found; type: %s, valid types: %s", o.args[1].val.Str, validTypes)
		}
	case "size":
		if t := typeName(o.args[0]); t == "N" || t == "BOOL" || t == "NULL" {
			p.addSem(cFunction, "Incorrect operand type for operator or function; operator or function: %s, operand type: %s", o.fn, t)
		}
	}
}

// resolvePath finds the value at path in item.
func resolvePath(item attr.Item, path Path) (attr.Value, bool) {
	if len(path) == 0 {
		return attr.Value{}, false
	}
	v, ok := item[path[0].Name]
	if !ok {
		return attr.Value{}, false
	}
	for _, e := range path[1:] {
		switch {
		case e.IsIndex && v.Kind == attr.L:
			if e.Index >= len(v.List) {
				return attr.Value{}, false
			}
			v = v.List[e.Index]
		case !e.IsIndex && v.Kind == attr.M:
			v, ok = v.Map[e.Name]
			if !ok {
				return attr.Value{}, false
			}
		default:
			return attr.Value{}, false
		}
	}
	return v, true
}

// condValue evaluates a condition operand; ok is false when it has no value
// (a missing path, or size() of a missing or unsized attribute).
func condValue(o *operand, item attr.Item) (attr.Value, bool) {
	switch o.kind {
	case opPath:
		return resolvePath(item, o.path)
	case opValue:
		return o.val, o.val.Kind != attr.KindInvalid
	}
	if o.fn != "size" {
		return attr.Value{}, false
	}
	v, ok := condValue(o.args[0], item)
	if !ok {
		return attr.Value{}, false
	}
	n := 0
	switch v.Kind {
	case attr.S:
		n = attr.UTF16Len(v.Str)
	case attr.B:
		n = len(v.Bin)
	case attr.SS, attr.NS, attr.BS:
		n = attr.SetLen(v)
	case attr.L:
		n = len(v.List)
	case attr.M:
		n = len(v.Map)
	default:
		return attr.Value{}, false
	}
	return attr.Num(itoa(n)), true
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

// order compares two values for <, <=, >, >= and BETWEEN: only S, N and B of
// the same type are ordered; anything else makes the comparison false.
func order(a, b attr.Value) (int, bool) {
	if a.Kind != b.Kind || !a.Kind.IsKeyType() {
		return 0, false
	}
	c, err := attr.Compare(a, b)
	if err != nil {
		return 0, false
	}
	return c, true
}

func (c *cond) eval(item attr.Item) bool {
	switch c.op {
	case "and":
		return c.kids[0].eval(item) && c.kids[1].eval(item)
	case "or":
		return c.kids[0].eval(item) || c.kids[1].eval(item)
	case "not":
		return !c.kids[0].eval(item)
	case "func":
		return evalFunc(c.fn, item)
	case "in":
		return c.evalIn(item)
	case "between":
		return c.evalBetween(item)
	}
	return c.evalCompare(item)
}

func (c *cond) evalIn(item attr.Item) bool {
	v, ok := condValue(c.args[0], item)
	if !ok {
		return false
	}
	for _, a := range c.args[1:] {
		if w, ok := condValue(a, item); ok && attr.Equal(v, w) {
			return true
		}
	}
	return false
}

func (c *cond) evalBetween(item attr.Item) bool {
	v, ok1 := condValue(c.args[0], item)
	lo, ok2 := condValue(c.args[1], item)
	hi, ok3 := condValue(c.args[2], item)
	if !ok1 || !ok2 || !ok3 {
		return false
	}
	c1, ok1 := order(v, lo)
	c2, ok2 := order(v, hi)
	return ok1 && ok2 && c1 >= 0 && c2 <= 0
}

// evalCompare is =, <>, <, <=, > and >=.
func (c *cond) evalCompare(item attr.Item) bool {
	a, okA := condValue(c.args[0], item)
	b, okB := condValue(c.args[1], item)
	switch c.op {
	case "=":
		return okA && okB && attr.Equal(a, b)
	case "<>":
		// A missing attribute is "not equal" to anything, as on DynamoDB.
		if !okA && !okB {
			return false
		}
		return !okA || !okB || !attr.Equal(a, b)
	}
	if !okA || !okB {
		return false
	}
	n, ok := order(a, b)
	if !ok {
		return false
	}
	switch c.op {
	case "<":
		return n < 0
	case "<=":
		return n <= 0
	case ">":
		return n > 0
	case ">=":
		return n >= 0
	}
	return false
}

func evalFunc(f *operand, item attr.Item) bool {
	switch f.fn {
	case "attribute_exists":
		_, ok := condValue(f.args[0], item)
		return ok
	case "attribute_not_exists":
		_, ok := condValue(f.args[0], item)
		return !ok
	case "attribute_type":
		v, ok := condValue(f.args[0], item)
		t, ok2 := condValue(f.args[1], item)
		return ok && ok2 && t.Kind == attr.S && v.Kind.String() == t.Str
	case "begins_with":
		v, ok := condValue(f.args[0], item)
		pre, ok2 := condValue(f.args[1], item)
		if !ok || !ok2 || v.Kind != pre.Kind {
			return false
		}
		switch v.Kind {
		case attr.S:
			return strings.HasPrefix(v.Str, pre.Str)
		case attr.B:
			return bytes.HasPrefix(v.Bin, pre.Bin)
		}
		return false
	case "contains":
		v, ok := condValue(f.args[0], item)
		x, ok2 := condValue(f.args[1], item)
		if !ok || !ok2 {
			return false
		}
		switch v.Kind {
		case attr.S:
			return x.Kind == attr.S && strings.Contains(v.Str, x.Str)
		case attr.B:
			return x.Kind == attr.B && bytes.Contains(v.Bin, x.Bin)
		case attr.SS, attr.NS, attr.BS:
			return attr.SetContains(v, x)
		case attr.L:
			for _, e := range v.List {
				if attr.Equal(e, x) {
					return true
				}
			}
		}
		return false
	}
	return false
}
