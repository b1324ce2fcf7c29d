package expr

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"

	"github.com/hapihub/hapihub/infra/dynamo/attr"
)

// Semantic error classes. DynamoDB parses the whole expression first (syntax
// errors win), then reports one semantic error, choosing by class; each
// expression kind has its own class order (see the priorities below).
const (
	cParens = iota
	cUnknownFn
	cMisusedFn
	cReserved
	cSection
	cName
	cValue
	cOverlap
	cConflict
	cOperandCount
	cDistinct
	cFunction
	cOperandType
	cTooMany
)

var (
	condPriority   = [][]int{{cParens}, {cUnknownFn}, {cMisusedFn}, {cReserved}, {cName, cValue}, {cOperandCount}, {cDistinct}, {cFunction}, {cTooMany}}
	updatePriority = [][]int{{cReserved}, {cUnknownFn}, {cSection}, {cName}, {cValue}, {cOverlap}, {cConflict}, {cOperandType}, {cFunction}}
	projPriority   = [][]int{{cReserved}, {cName}, {cOverlap}, {cConflict}}
)

type semErr struct {
	class int
	msg   string
}

// syntaxError unwinds the recursive descent to the nearest try or to parse.
type syntaxError struct{ tok int }

type parser struct {
	src      string
	kind     string // Condition, Filter, KeyCondition, Update or Projection
	toks     []token
	pos      int
	names    Names
	values   Values
	keywords map[string]bool
	update   bool // function set: update (if_not_exists, list_append) or condition
	sem      []semErr
	furthest int
	// used names and values, truncated on backtracking like sem
	usedNames, usedValues []string
}

func newParser(kind, src string, names Names, values Values, keywords map[string]bool) *parser {
	return &parser{src: src, kind: kind, toks: lex(src), names: names, values: values, keywords: keywords, furthest: -1}
}

func (p *parser) errorf(format string, args ...any) *Error {
	return &Error{Msg: "Invalid " + p.kind + "Expression: " + fmt.Sprintf(format, args...)}
}

// run parses with f, turning the first syntax error or the highest-priority
// semantic error into DynamoDB's message, and records usage on success.
func (p *parser) run(u *Usage, priority [][]int, f func()) (err error) {
	if p.src == "" {
		return p.errorf("The expression can not be empty;")
	}
	defer func() {
		if r := recover(); r != nil {
			se, ok := r.(syntaxError)
			if !ok {
				panic(r)
			}
			err = p.syntaxMessage(max(se.tok, p.furthest))
		}
	}()
	f()
	if t := p.peek(); t.typ != tEOF {
		p.fail()
	}
	for _, group := range priority {
		for _, e := range p.sem {
			for _, c := range group {
				if e.class == c {
					return p.errorf("%s", e.msg)
				}
			}
		}
	}
	u.add(p.usedNames, p.usedValues)
	return nil
}

func (p *parser) syntaxMessage(i int) *Error {
	i = min(i, len(p.toks)-1)
	t := p.toks[i]
	start, end := t.start, t.end
	if i > 0 {
		start = p.toks[i-1].start
	}
	if t.typ != tEOF {
		end = p.toks[i+1].end
	}
	return p.errorf("Syntax error; token: \"%s\", near: \"%s\"", t.text, p.src[start:end])
}

func (p *parser) peek() token { return p.toks[p.pos] }
func (p *parser) peekAt(n int) token {
	return p.toks[min(p.pos+n, len(p.toks)-1)]
}
func (p *parser) next() token {
	t := p.toks[p.pos]
	if t.typ != tEOF {
		p.pos++
	}
	return t
}
func (p *parser) fail()                 { panic(syntaxError{p.pos}) }
func (p *parser) isPunct(s string) bool { t := p.peek(); return t.typ == tPunct && t.text == s }
func (p *parser) isKeyword(w string) bool {
	t := p.peek()
	return t.typ == tIdent && strings.EqualFold(t.text, w)
}
func (p *parser) expectPunct(s string) {
	if !p.isPunct(s) {
		p.fail()
	}
	p.next()
}
func (p *parser) addSem(class int, format string, args ...any) {
	p.sem = append(p.sem, semErr{class, fmt.Sprintf(format, args...)})
}

// try runs f and reports whether it parsed; on a syntax error it rewinds so
// the caller can try another reading of the same tokens.
func (p *parser) try(f func()) (ok bool) {
	pos, nsem, nn, nv := p.pos, len(p.sem), len(p.usedNames), len(p.usedValues)
	defer func() {
		if r := recover(); r != nil {
			se, isSyntax := r.(syntaxError)
			if !isSyntax {
				panic(r)
			}
			p.furthest = max(p.furthest, se.tok)
			p.pos, p.sem = pos, p.sem[:nsem]
			p.usedNames, p.usedValues = p.usedNames[:nn], p.usedValues[:nv]
			ok = false
		}
	}()
	f()
	return true
}

// parsePath reads a document path: name ( '.' name | '[' index ']' )*.
func (p *parser) parsePath() Path {
	path := Path{p.parseName()}
	for {
		switch {
		case p.isPunct("."):
			p.next()
			path = append(path, p.parseName())
		case p.isPunct("["):
			p.next()
			t := p.peek()
			if t.typ != tNumber {
				p.fail()
			}
			n, err := strconv.Atoi(t.text)
			if err != nil {
				p.fail()
			}
			p.next()
			p.expectPunct("]")
			path = append(path, PathElem{Index: n, IsIndex: true})
		default:
			return path
		}
	}
}

func (p *parser) parseName() PathElem {
	t := p.peek()
	switch t.typ {
	case tIdent:
		up := strings.ToUpper(t.text)
		if p.keywords[up] {
			p.fail()
		}
		if reservedWords[up] {
			p.addSem(cReserved, "Attribute name is a reserved keyword; reserved keyword: %s", t.text)
		}
		p.next()
		return PathElem{Name: t.text}
	case tName:
		p.next()
		name, ok := p.names[t.text]
		if !ok {
			p.addSem(cName, "An expression attribute name used in the document path is not defined; attribute name: %s", t.text)
		}
		p.usedNames = append(p.usedNames, t.text)
		return PathElem{Name: name}
	}
	p.fail()
	return PathElem{}
}

type opKind uint8

const (
	opPath opKind = iota
	opValue
	opFunc
)

// operand is a path, a value placeholder or a function call.
type operand struct {
	kind  opKind
	path  Path
	val   attr.Value // Kind is KindInvalid when the placeholder is undefined
	fn    string
	args  []*operand
	paren bool
}

func (p *parser) parseOperand() *operand {
	t := p.peek()
	switch {
	case t.typ == tPunct && t.text == "(":
		p.next()
		o := p.parseOperand()
		p.expectPunct(")")
		if o.paren && !p.update {
			p.addSem(cParens, "The expression has redundant parentheses;")
		}
		c := *o
		c.paren = true
		return &c
	case t.typ == tValue:
		p.next()
		v, ok := p.values[t.text]
		if !ok {
			p.addSem(cValue, "An expression attribute value used in expression is not defined; attribute value: %s", t.text)
		}
		p.usedValues = append(p.usedValues, t.text)
		return &operand{kind: opValue, val: v}
	case t.typ == tIdent && p.peekAt(1).typ == tPunct && p.peekAt(1).text == "(" && !p.keywords[strings.ToUpper(t.text)]:
		p.next()
		p.next()
		o := &operand{kind: opFunc, fn: t.text}
		for {
			o.args = append(o.args, p.parseOperand())
			if !p.isPunct(",") {
				break
			}
			p.next()
		}
		p.expectPunct(")")
		if p.update {
			p.checkUpdateFunc(o)
		} else {
			p.checkCondFunc(o)
		}
		return o
	}
	return &operand{kind: opPath, path: p.parsePath()}
}

// typeName is the type a literal operand is known to have at parse time ("" if
// unknown): a value's kind, or the result type of a function.
func typeName(o *operand) string {
	switch o.kind {
	case opValue:
		if o.val.Kind == attr.KindInvalid {
			return ""
		}
		return o.val.Kind.String()
	case opFunc:
		switch o.fn {
		case "size":
			return "N"
		case "list_append":
			return "L"
		}
	}
	return ""
}

// immediateType is a placeholder value's kind only ("" for paths and functions).
func immediateType(o *operand) string {
	if o.kind == opValue && o.val.Kind != attr.KindInvalid {
		return o.val.Kind.String()
	}
	return ""
}

// pathString renders a path as DynamoDB quotes it in messages: [a, b, [2]].
func pathString(path Path) string {
	parts := make([]string, len(path))
	for i, e := range path {
		if e.IsIndex {
			parts[i] = "[" + strconv.Itoa(e.Index) + "]"
		} else {
			parts[i] = e.Name
		}
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

func pathsEqual(a, b Path) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// valueString renders a value as DynamoDB quotes it in BETWEEN messages.
func valueString(v attr.Value) string {
	switch v.Kind {
	case attr.S, attr.N:
		return v.Str
	case attr.B:
		return base64.StdEncoding.EncodeToString(v.Bin)
	}
	b, _ := v.MarshalJSON()
	return string(b)
}

// checkPathSet rejects overlapping or conflicting paths (update and projection).
func (p *parser) checkPathSet(paths []Path) {
	for j := 1; j < len(paths); j++ {
		for i := 0; i < j; i++ {
			a, b := paths[i], paths[j]
			conflict, overlap := false, true
			for k := 0; k < len(a) && k < len(b); k++ {
				if a[k].IsIndex != b[k].IsIndex {
					conflict, overlap = true, false
					break
				}
				if a[k] != b[k] {
					overlap = false
					break
				}
			}
			switch {
			case conflict:
				p.addSem(cConflict, "Two document paths conflict with each other; must remove or rewrite one of these paths; path one: %s, path two: %s", pathString(a), pathString(b))
			case overlap:
				p.addSem(cOverlap, "Two document paths overlap with each other; must remove or rewrite one of these paths; path one: %s, path two: %s", pathString(a), pathString(b))
			}
		}
	}
}
