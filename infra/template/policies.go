package template

import (
	"fmt"

	"gopkg.in/yaml.v3"
)

// Policy is one entry of a function's Policies: a SAM policy template with its parameters
// (DynamoDBCrudPolicy: {TableName: !Ref Table}), an inline policy document, or a managed policy
// named by ARN or name. infra/iam expands and judges them.
type Policy struct {
	Template   string           // the SAM policy template's name; "" otherwise
	Params     map[string]Value // the template's parameters
	Statements []Statement      // an inline document's statements
	Managed    string           // a managed policy's name or ARN
	Line       int
}

// Statement is one statement of an inline policy document.
type Statement struct {
	Effect    string
	Actions   []string
	Resources []Value
	Line      int
}

// parsePolicies reads a function's Policies (a list, or a single entry).
func parsePolicies(props mapping) ([]Policy, error) {
	n := props.vals["Policies"]
	if n == nil {
		return nil, nil
	}
	items := []*yaml.Node{n}
	if n.Kind == yaml.SequenceNode {
		items = n.Content
	}
	var out []Policy
	for _, it := range items {
		p, err := parsePolicy(it, props.at("Policies"))
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

func parsePolicy(n *yaml.Node, path string) (Policy, error) {
	p := Policy{Line: n.Line}
	if n.Kind == yaml.ScalarNode {
		p.Managed = n.Value
		return p, nil
	}
	m, err := asMapping(n, path)
	if err != nil {
		return p, err
	}
	if m.has("Statement") {
		sts := m.vals["Statement"]
		list := []*yaml.Node{sts}
		if sts.Kind == yaml.SequenceNode {
			list = sts.Content
		}
		for _, sn := range list {
			st, err := parseStatement(sn, m.at("Statement"))
			if err != nil {
				return p, err
			}
			p.Statements = append(p.Statements, st)
		}
		return p, nil
	}
	if len(m.keys) != 1 {
		return p, errAt(n, "%s: a policy template entry has one key (its name), found %d", path, len(m.keys))
	}
	p.Template = m.keys[0]
	p.Params = map[string]Value{}
	params := m.vals[p.Template]
	if params == nil || (params.Kind == yaml.ScalarNode && params.Value == "") {
		return p, nil
	}
	pm, err := asMapping(params, m.at(p.Template))
	if err != nil {
		return p, err
	}
	for _, k := range pm.keys {
		v, err := value(pm.vals[k])
		if err != nil {
			return p, err
		}
		p.Params[k] = v
	}
	return p, nil
}

func parseStatement(n *yaml.Node, path string) (Statement, error) {
	m, err := asMapping(n, path)
	if err != nil {
		return Statement{}, err
	}
	st := Statement{Line: n.Line}
	if st.Effect, err = m.required("Effect"); err != nil {
		return st, err
	}
	if st.Effect != "Allow" && st.Effect != "Deny" {
		return st, m.errf("Effect", "must be Allow or Deny, found %q", st.Effect)
	}
	if st.Actions, err = m.strings("Action"); err != nil {
		return st, err
	}
	rn := m.vals["Resource"]
	if rn == nil {
		return st, fmt.Errorf("%s: a statement needs a Resource", path)
	}
	list := []*yaml.Node{rn}
	if rn.Kind == yaml.SequenceNode {
		list = rn.Content
	}
	for _, r := range list {
		v, err := value(r)
		if err != nil {
			return st, err
		}
		st.Resources = append(st.Resources, v)
	}
	return st, nil
}
