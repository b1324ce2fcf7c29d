package expr

import (
	"slices"
	"strings"

	"github.com/cockroachdb/apd/v3"

	"github.com/hapihub/hapihub/infra/dynamo/attr"
)

var updateKeywords = map[string]bool{"SET": true, "REMOVE": true, "ADD": true, "DELETE": true}

// DynamoDB's evaluation-time update errors.
const (
	msgBadType     = "An operand in the update expression has an incorrect data type"
	msgInvalidPath = "The document path provided in the update expression is invalid for update"
	msgNoAttr      = "The provided expression refers to an attribute that does not exist in the item"
)

// action is one SET, REMOVE, ADD or DELETE action.
type action struct {
	kind  string // "SET", "REMOVE", "ADD", "DELETE"
	path  Path
	op    string // SET: "" (plain), "+" or "-"
	a, b  *operand
	value attr.Value // ADD and DELETE
}

type update struct{ actions []action }

func parseUpdate(s string, names Names, values Values, u *Usage) (*update, error) {
	p := newParser("Update", s, names, values, updateKeywords)
	p.update = true
	up := &update{}
	err := p.run(u, updatePriority, func() {
		seen := map[string]bool{}
		for p.peek().typ != tEOF {
			t := p.peek()
			kw := strings.ToUpper(t.text)
			if t.typ != tIdent || !updateKeywords[kw] {
				p.fail()
			}
			p.next()
			if seen[kw] {
				p.addSem(cSection, "The \"%s\" section can only be used once in an update expression;", kw)
			}
			seen[kw] = true
			for {
				up.actions = append(up.actions, p.parseAction(kw))
				if !p.isPunct(",") {
					break
				}
				p.next()
			}
		}
		if len(up.actions) == 0 {
			p.fail()
		}
		paths := make([]Path, len(up.actions))
		for i, a := range up.actions {
			paths[i] = a.path
		}
		p.checkPathSet(paths)
	})
	if err != nil {
		return nil, err
	}
	return up, nil
}

var operandTypeNames = map[string]string{"S": "STRING", "N": "NUMBER", "B": "BINARY", "NULL": "NULL", "BOOL": "BOOLEAN", "L": "LIST", "M": "MAP"}

func (p *parser) parseAction(kw string) action {
	a := action{kind: kw, path: p.parsePath()}
	switch kw {
	case "SET":
		p.expectPunct("=")
		p.parseSetValue(&a)
	case "ADD", "DELETE":
		t := p.peek()
		if t.typ != tValue {
			p.fail()
		}
		o := p.parseOperand()
		a.value = o.val
		if tn := operandTypeNames[immediateType(o)]; tn != "" && !(kw == "ADD" && tn == "NUMBER") {
			p.addSem(cOperandType, "Incorrect operand type for operator or function; operator: %s, operand type: %s", kw, tn)
		}
	}
	return a
}

func (p *parser) parseSetValue(a *action) {
	// "SET x = (a + b)": a parenthesised arithmetic value.
	if p.isPunct("(") && p.try(func() {
		p.next()
		p.parseArith(a)
		if a.op == "" {
			p.fail() // a plain parenthesised operand: read it as an operand below
		}
		p.expectPunct(")")
	}) {
		return
	}
	p.parseArith(a)
}

func (p *parser) parseArith(a *action) {
	a.a, a.op, a.b = p.parseOperand(), "", nil
	if p.isPunct("+") || p.isPunct("-") {
		a.op = p.next().text
		a.b = p.parseOperand()
		for _, o := range []*operand{a.a, a.b} {
			if t := immediateType(o); t != "" && t != "N" {
				p.addSem(cFunction, "Incorrect operand type for operator or function; operator or function: %s, operand type: %s", a.op, t)
				return
			}
		}
	}
}

func (p *parser) checkUpdateFunc(o *operand) {
	switch o.fn {
	case "if_not_exists", "list_append":
	default:
		p.addSem(cUnknownFn, "Invalid function name; function: %s", o.fn)
		return
	}
	if len(o.args) != 2 {
		p.addSem(cFunction, "Incorrect number of operands for operator or function; operator or function: %s, number of operands: %d", o.fn, len(o.args))
		return
	}
	if o.fn == "if_not_exists" {
		if o.args[0].kind != opPath {
			p.addSem(cFunction, "Operator or function requires a document path; operator or function: %s", o.fn)
		}
		return
	}
	for _, a := range o.args {
		if t := immediateType(a); t != "" && t != "L" {
			p.addSem(cFunction, "Incorrect operand type for operator or function; operator or function: %s, operand type: %s", o.fn, t)
			return
		}
	}
}

func updErr(msg string) error { return &Error{Msg: msg} }

// updValue evaluates a SET operand against the item as it was before the update.
func updValue(o *operand, item attr.Item) (attr.Value, error) {
	switch o.kind {
	case opValue:
		return o.val, nil
	case opPath:
		v, ok := resolvePath(item, o.path)
		if !ok {
			return attr.Value{}, updErr(msgNoAttr)
		}
		return v, nil
	}
	switch o.fn {
	case "if_not_exists":
		if v, ok := resolvePath(item, o.args[0].path); ok {
			return v, nil
		}
		return updValue(o.args[1], item)
	case "list_append":
		x, err := updValue(o.args[0], item)
		if err != nil {
			return attr.Value{}, err
		}
		y, err := updValue(o.args[1], item)
		if err != nil {
			return attr.Value{}, err
		}
		if x.Kind != attr.L || y.Kind != attr.L {
			return attr.Value{}, updErr(msgBadType)
		}
		out := make([]attr.Value, 0, len(x.List)+len(y.List))
		out = append(append(out, x.List...), y.List...)
		return attr.List(out), nil
	}
	return attr.Value{}, updErr(msgBadType)
}

// arith adds or subtracts DynamoDB numbers exactly, then applies the number limits.
func arith(op string, x, y attr.Value) (attr.Value, error) {
	if x.Kind != attr.N || y.Kind != attr.N {
		return attr.Value{}, updErr(msgBadType)
	}
	var a, b, r apd.Decimal
	if _, _, err := a.SetString(x.Str); err != nil {
		return attr.Value{}, updErr(msgBadType)
	}
	if _, _, err := b.SetString(y.Str); err != nil {
		return attr.Value{}, updErr(msgBadType)
	}
	ctx := apd.BaseContext.WithPrecision(600) // exact for any two in-range numbers
	var err error
	if op == "-" {
		_, err = ctx.Sub(&r, &a, &b)
	} else {
		_, err = ctx.Add(&r, &a, &b)
	}
	if err != nil {
		return attr.Value{}, updErr(msgBadType)
	}
	c, err := attr.CanonicalNumber(r.Text('f'))
	if err != nil {
		return attr.Value{}, updErr(err.Error())
	}
	return attr.Num(c), nil
}

func (up *update) apply(orig attr.Item) (attr.Item, error) {
	// Every operand reads the item as it was before the update.
	newVals := make([]attr.Value, len(up.actions))
	for i, a := range up.actions {
		if a.kind != "SET" {
			continue
		}
		x, err := updValue(a.a, orig)
		if err != nil {
			return nil, err
		}
		if a.op != "" {
			y, err := updValue(a.b, orig)
			if err != nil {
				return nil, err
			}
			if x, err = arith(a.op, x, y); err != nil {
				return nil, err
			}
		}
		newVals[i] = attr.Clone(x)
	}
	item := attr.CloneItem(orig)
	if item == nil {
		item = attr.Item{}
	}
	var removes []Path
	for i, a := range up.actions {
		var err error
		switch a.kind {
		case "SET":
			err = setPath(item, a.path, newVals[i])
		case "ADD":
			err = addPath(item, a.path, a.value)
		case "DELETE":
			err = deletePath(item, a.path, a.value)
		case "REMOVE":
			removes = append(removes, a.path)
		}
		if err != nil {
			return nil, err
		}
	}
	// Paths name positions in the original item, so removing list elements
	// from the highest index down keeps the others where their paths say.
	slices.SortFunc(removes, func(a, b Path) int { return -comparePaths(a, b) })
	for _, p := range removes {
		if err := removePath(item, p); err != nil {
			return nil, err
		}
	}
	return item, nil
}

func comparePaths(a, b Path) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		x, y := a[i], b[i]
		switch {
		case x.IsIndex && y.IsIndex && x.Index != y.Index:
			if x.Index < y.Index {
				return -1
			}
			return 1
		case !x.IsIndex && !y.IsIndex && x.Name != y.Name:
			return strings.Compare(x.Name, y.Name)
		}
	}
	return len(a) - len(b)
}

// modify finds the parent container of path's last element and lets f change
// that element. f receives the current value (ok false when absent) and
// returns the new value, or del true to remove it. A missing or mistyped
// parent is DynamoDB's "invalid for update".
func modify(item attr.Item, path Path, f func(cur attr.Value, ok bool) (nv attr.Value, del bool, err error)) error {
	top := path[0].Name
	if len(path) == 1 {
		cur, ok := item[top]
		nv, del, err := f(cur, ok)
		if err != nil {
			return err
		}
		if del {
			delete(item, top)
		} else {
			item[top] = nv
		}
		return nil
	}
	root, ok := item[top]
	if !ok {
		return updErr(msgInvalidPath)
	}
	nr, err := modifyIn(root, path[1:], f)
	if err != nil {
		return err
	}
	item[top] = nr
	return nil
}

func modifyIn(c attr.Value, rest Path, f func(attr.Value, bool) (attr.Value, bool, error)) (attr.Value, error) {
	e := rest[0]
	if e.IsIndex {
		if c.Kind != attr.L {
			return c, updErr(msgInvalidPath)
		}
		if len(rest) == 1 {
			ok := e.Index < len(c.List)
			var cur attr.Value
			if ok {
				cur = c.List[e.Index]
			}
			nv, del, err := f(cur, ok)
			switch {
			case err != nil:
				return c, err
			case del && ok:
				c.List = append(c.List[:e.Index:e.Index], c.List[e.Index+1:]...)
			case del:
			case ok:
				c.List[e.Index] = nv
			default: // past the end: DynamoDB appends
				c.List = append(c.List, nv)
			}
			return c, nil
		}
		if e.Index >= len(c.List) {
			return c, updErr(msgInvalidPath)
		}
		child, err := modifyIn(c.List[e.Index], rest[1:], f)
		if err != nil {
			return c, err
		}
		c.List[e.Index] = child
		return c, nil
	}
	if c.Kind != attr.M {
		return c, updErr(msgInvalidPath)
	}
	if c.Map == nil {
		c.Map = map[string]attr.Value{}
	}
	cur, ok := c.Map[e.Name]
	if len(rest) == 1 {
		nv, del, err := f(cur, ok)
		switch {
		case err != nil:
			return c, err
		case del:
			delete(c.Map, e.Name)
		default:
			c.Map[e.Name] = nv
		}
		return c, nil
	}
	if !ok {
		return c, updErr(msgInvalidPath)
	}
	child, err := modifyIn(cur, rest[1:], f)
	if err != nil {
		return c, err
	}
	c.Map[e.Name] = child
	return c, nil
}

func setPath(item attr.Item, path Path, v attr.Value) error {
	return modify(item, path, func(attr.Value, bool) (attr.Value, bool, error) { return v, false, nil })
}

func removePath(item attr.Item, path Path) error {
	return modify(item, path, func(attr.Value, bool) (attr.Value, bool, error) { return attr.Value{}, true, nil })
}

func addPath(item attr.Item, path Path, v attr.Value) error {
	return modify(item, path, func(cur attr.Value, ok bool) (attr.Value, bool, error) {
		if !ok {
			if v.Kind != attr.N && !v.Kind.IsSet() {
				return attr.Value{}, false, updErr(msgBadType)
			}
			return attr.Clone(v), false, nil
		}
		if cur.Kind != v.Kind {
			return attr.Value{}, false, updErr(msgBadType)
		}
		switch cur.Kind {
		case attr.N:
			sum, err := arith("+", cur, v)
			return sum, false, err
		case attr.SS, attr.NS:
			out := attr.Clone(cur)
			for _, s := range v.Strs {
				if !attr.SetContains(out, attr.Value{Kind: member(cur.Kind), Str: s}) {
					out.Strs = append(out.Strs, s)
				}
			}
			return out, false, nil
		case attr.BS:
			out := attr.Clone(cur)
			for _, b := range v.Bins {
				if !attr.SetContains(out, attr.Bin(b)) {
					out.Bins = append(out.Bins, append([]byte(nil), b...))
				}
			}
			return out, false, nil
		}
		return attr.Value{}, false, updErr(msgBadType)
	})
}

func member(set attr.Kind) attr.Kind {
	switch set {
	case attr.SS:
		return attr.S
	case attr.NS:
		return attr.N
	}
	return attr.B
}

func deletePath(item attr.Item, path Path, v attr.Value) error {
	return modify(item, path, func(cur attr.Value, ok bool) (attr.Value, bool, error) {
		if !v.Kind.IsSet() {
			return attr.Value{}, false, updErr(msgBadType)
		}
		if !ok {
			return attr.Value{}, true, nil
		}
		if cur.Kind != v.Kind {
			return attr.Value{}, false, updErr(msgBadType)
		}
		out := attr.Value{Kind: cur.Kind}
		if cur.Kind == attr.BS {
			for _, b := range cur.Bins {
				if !attr.SetContains(v, attr.Bin(b)) {
					out.Bins = append(out.Bins, b)
				}
			}
		} else {
			for _, s := range cur.Strs {
				if !attr.SetContains(v, attr.Value{Kind: member(cur.Kind), Str: s}) {
					out.Strs = append(out.Strs, s)
				}
			}
		}
		if attr.SetLen(out) == 0 {
			return attr.Value{}, true, nil // an emptied set disappears
		}
		return out, false, nil
	})
}
