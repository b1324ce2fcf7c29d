package template

import (
	"fmt"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"
)

// Kind says what a Value is: a literal or one of the intrinsic functions the runner resolves.
type Kind int

// Value kinds.
const (
	Literal Kind = iota // a plain scalar
	Ref                 // !Ref Name / {Ref: Name}
	GetAtt              // !GetAtt Name.Attr / {Fn::GetAtt: [Name, Attr]}
	Sub                 // !Sub "text ${Name} ${Name.Attr}" / {Fn::Sub: ...}
)

// Value is a scalar of the template that may be an intrinsic function. It is kept unresolved in
// the model because what a Ref means differs between AWS and the local runner (!Ref Table is the
// deployed table's name on AWS, the local table's name here).
type Value struct {
	Kind Kind
	// Str is the literal text, the Ref target, the GetAtt resource or the Sub format string.
	Str string
	// Attr is the GetAtt attribute ("Arn").
	Attr string
	Line int
	// branches are an If's values (conditions.go).
	branches []Value
}

func (v Value) String() string {
	switch v.Kind {
	case Ref:
		return "!Ref " + v.Str
	case GetAtt:
		return "!GetAtt " + v.Str + "." + v.Attr
	case Sub:
		return "!Sub " + v.Str
	case If:
		return "!If " + v.Str
	}
	return v.Str
}

// Refs resolves references: "Name" for !Ref Name, "Name.Attr" for !GetAtt Name.Attr, and
// pseudo parameters such as "AWS::Region".
type Refs map[string]string

// Resolve returns v's text with references looked up in refs. An unknown reference is an error
// rather than an empty string, so a template naming something the runner does not provide fails
// loudly at start.
func (v Value) Resolve(refs Refs) (string, error) {
	switch v.Kind {
	case Literal:
		return v.Str, nil
	case If:
		return v.resolveIf(refs)
	case Ref:
		if s, ok := refs[v.Str]; ok {
			return s, nil
		}
		return "", fmt.Errorf("line %d: !Ref %s: nothing to resolve it to", v.Line, v.Str)
	case GetAtt:
		if s, ok := refs[v.Str+"."+v.Attr]; ok {
			return s, nil
		}
		return "", fmt.Errorf("line %d: !GetAtt %s.%s: nothing to resolve it to", v.Line, v.Str, v.Attr)
	case Sub:
		var err error
		out := subVar.ReplaceAllStringFunc(v.Str, func(m string) string {
			name := m[2 : len(m)-1]
			if strings.HasPrefix(name, "!") { // ${!Literal} is an escaped literal ${Literal}
				return "${" + name[1:] + "}"
			}
			s, ok := refs[name]
			if !ok && err == nil {
				err = fmt.Errorf("line %d: !Sub ${%s}: nothing to resolve it to", v.Line, name)
			}
			return s
		})
		return out, err
	}
	return "", fmt.Errorf("line %d: unknown value kind %d", v.Line, v.Kind)
}

var subVar = regexp.MustCompile(`\$\{[^}]*\}`)

// value reads a scalar or intrinsic function from n, in short (!Ref) or long ({Ref: x}) form.
func value(n *yaml.Node) (Value, error) {
	if n == nil {
		return Value{}, fmt.Errorf("missing value")
	}
	switch n.Tag {
	case "!Ref":
		if n.Kind != yaml.ScalarNode || n.Value == "" {
			return Value{}, errAt(n, "!Ref needs a name")
		}
		return Value{Kind: Ref, Str: n.Value, Line: n.Line}, nil
	case "!GetAtt":
		return getAtt(n)
	case "!If":
		return ifValue(n)
	case "!Sub":
		if n.Kind == yaml.SequenceNode {
			return Value{}, errAt(n, "!Sub with a variable map is not supported by the local runner")
		}
		if n.Kind != yaml.ScalarNode {
			return Value{}, errAt(n, "!Sub needs a string")
		}
		return Value{Kind: Sub, Str: n.Value, Line: n.Line}, nil
	}
	if n.Kind == yaml.MappingNode && len(n.Content) == 2 {
		k, arg := n.Content[0].Value, n.Content[1]
		switch k {
		case "Ref":
			return value(&yaml.Node{Kind: yaml.ScalarNode, Tag: "!Ref", Value: arg.Value, Line: arg.Line})
		case "Fn::GetAtt":
			return getAtt(arg)
		case "Fn::If":
			return ifValue(arg)
		case "Fn::Sub":
			if arg.Kind != yaml.ScalarNode {
				return Value{}, errAt(arg, "Fn::Sub with a variable map is not supported by the local runner")
			}
			return Value{Kind: Sub, Str: arg.Value, Line: arg.Line}, nil
		}
	}
	if n.Kind != yaml.ScalarNode {
		return Value{}, errAt(n, "expected a scalar, found %s", kindName(n))
	}
	if strings.HasPrefix(n.Tag, "!") && n.Tag != "!!str" && n.Tag != "!!int" && n.Tag != "!!bool" && n.Tag != "!!float" {
		return Value{}, errAt(n, "intrinsic function %s is not supported by the local runner", n.Tag)
	}
	return Value{Kind: Literal, Str: n.Value, Line: n.Line}, nil
}

func getAtt(n *yaml.Node) (Value, error) {
	var res, attr string
	switch n.Kind {
	case yaml.ScalarNode:
		res, attr, _ = strings.Cut(n.Value, ".")
	case yaml.SequenceNode:
		if len(n.Content) == 2 {
			res, attr = n.Content[0].Value, n.Content[1].Value
		}
	}
	if res == "" || attr == "" {
		return Value{}, errAt(n, "!GetAtt needs Resource.Attribute")
	}
	return Value{Kind: GetAtt, Str: res, Attr: attr, Line: n.Line}, nil
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		return "a scalar"
	case yaml.AliasNode:
		return "an alias"
	}
	return "nothing"
}

func errAt(n *yaml.Node, format string, args ...any) error {
	return fmt.Errorf("line %d: %s", n.Line, fmt.Sprintf(format, args...))
}
