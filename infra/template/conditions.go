package template

import (
	"fmt"

	"gopkg.in/yaml.v3"
)

// Conditions: the runner deploys with every parameter at its default, so each condition of the
// template's Conditions block is known when the template is read. Only what the template uses is
// understood: a condition is !Equals [a, b] of literals and !Ref parameters; !If [Condition,
// then, else] picks one of two values (AWS::NoValue as a branch is the empty string).

// If is a Value kind: !If [Cond, Then, Else], resolved by the condition's value in Refs.
const If Kind = Sub + 1

// conditionRef is how a condition's value travels in Refs ("true" or "false").
func conditionRef(name string) string { return "Condition::" + name }

func parseConditions(root mapping, params map[string]string) (map[string]bool, error) {
	conds, err := root.sub("Conditions")
	if err != nil {
		return nil, err
	}
	out := map[string]bool{}
	for _, k := range conds.keys {
		n := conds.vals[k]
		if n.Tag != "!Equals" && !(n.Kind == yaml.MappingNode && len(n.Content) == 2 && n.Content[0].Value == "Fn::Equals") {
			return nil, conds.errf(k, "only !Equals conditions are supported by the local runner")
		}
		args := n
		if n.Kind == yaml.MappingNode {
			args = n.Content[1]
		}
		if args.Kind != yaml.SequenceNode || len(args.Content) != 2 {
			return nil, conds.errf(k, "!Equals needs two values")
		}
		var sides [2]string
		for i, a := range args.Content {
			v, err := value(a)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", conds.at(k), err)
			}
			switch v.Kind {
			case Literal:
				sides[i] = v.Str
			case Ref:
				p, ok := params[v.Str]
				if !ok {
					return nil, conds.errf(k, "!Ref %s is not a parameter", v.Str)
				}
				sides[i] = p
			default:
				return nil, conds.errf(k, "!Equals compares literals and parameters, not %s", v)
			}
		}
		out[k] = sides[0] == sides[1]
	}
	return out, nil
}

// ifValue reads the arguments of !If.
func ifValue(n *yaml.Node) (Value, error) {
	if n.Kind != yaml.SequenceNode || len(n.Content) != 3 || n.Content[0].Kind != yaml.ScalarNode {
		return Value{}, errAt(n, "!If needs [Condition, value if true, value if false]")
	}
	then, err := value(n.Content[1])
	if err != nil {
		return Value{}, err
	}
	els, err := value(n.Content[2])
	if err != nil {
		return Value{}, err
	}
	return Value{Kind: If, Str: n.Content[0].Value, Line: n.Line, branches: []Value{then, els}}, nil
}

func (v Value) resolveIf(refs Refs) (string, error) {
	c, ok := refs[conditionRef(v.Str)]
	if !ok {
		return "", fmt.Errorf("line %d: !If %s: no such condition", v.Line, v.Str)
	}
	b := v.branches[1]
	if c == "true" {
		b = v.branches[0]
	}
	return b.Resolve(refs)
}
