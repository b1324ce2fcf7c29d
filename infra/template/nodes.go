package template

import (
	"fmt"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// mapping is a YAML mapping with the path that leads to it, so every error names where it is.
type mapping struct {
	node *yaml.Node
	path string
	keys []string
	vals map[string]*yaml.Node
}

func asMapping(n *yaml.Node, path string) (mapping, error) {
	m := mapping{node: n, path: path, vals: map[string]*yaml.Node{}}
	if n == nil {
		return m, nil
	}
	if n.Kind != yaml.MappingNode {
		return m, fmt.Errorf("%s: line %d: expected a mapping, found %s", path, n.Line, kindName(n))
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i].Value
		if _, dup := m.vals[k]; dup {
			return m, fmt.Errorf("%s: line %d: duplicate key %q", path, n.Content[i].Line, k)
		}
		m.keys = append(m.keys, k)
		m.vals[k] = n.Content[i+1]
	}
	return m, nil
}

func (m mapping) has(k string) bool { _, ok := m.vals[k]; return ok }

func (m mapping) at(k string) string { return m.path + "." + k }

func (m mapping) sub(k string) (mapping, error) { return asMapping(m.vals[k], m.at(k)) }

func (m mapping) errf(k, format string, args ...any) error {
	line := 0
	if n := m.vals[k]; n != nil {
		line = n.Line
	} else if m.node != nil {
		line = m.node.Line
	}
	return fmt.Errorf("%s: line %d: %s", m.at(k), line, fmt.Sprintf(format, args...))
}

// value reads an optional scalar or intrinsic.
func (m mapping) value(k string) (Value, bool, error) {
	n, ok := m.vals[k]
	if !ok {
		return Value{}, false, nil
	}
	v, err := value(n)
	if err != nil {
		return Value{}, true, fmt.Errorf("%s: %w", m.at(k), err)
	}
	return v, true, nil
}

// str reads an optional literal string (intrinsics are not allowed where the runner needs text).
func (m mapping) str(k string) (string, error) {
	v, ok, err := m.value(k)
	if err != nil || !ok {
		return "", err
	}
	if v.Kind != Literal {
		return "", m.errf(k, "expected a literal, found %s", v)
	}
	return v.Str, nil
}

func (m mapping) required(k string) (string, error) {
	if !m.has(k) {
		return "", m.errf(k, "required")
	}
	s, err := m.str(k)
	if err == nil && s == "" {
		err = m.errf(k, "must not be empty")
	}
	return s, err
}

func (m mapping) integer(k string, def int) (int, error) {
	s, err := m.str(k)
	if err != nil || !m.has(k) {
		return def, err
	}
	i, err := strconv.Atoi(s)
	if err != nil {
		return 0, m.errf(k, "expected a whole number, found %q", s)
	}
	return i, nil
}

func (m mapping) number(k string, def float64) (float64, error) {
	s, err := m.str(k)
	if err != nil || !m.has(k) {
		return def, err
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, m.errf(k, "expected a number, found %q", s)
	}
	return f, nil
}

func (m mapping) boolean(k string, def bool) (bool, error) {
	s, err := m.str(k)
	if err != nil || !m.has(k) {
		return def, err
	}
	b, err := strconv.ParseBool(strings.ToLower(s))
	if err != nil {
		return false, m.errf(k, "expected true or false, found %q", s)
	}
	return b, nil
}

// strings reads an optional list of literal strings; a single scalar counts as a one-item list.
func (m mapping) strings(k string) ([]string, error) {
	n, ok := m.vals[k]
	if !ok {
		return nil, nil
	}
	if n.Kind == yaml.ScalarNode {
		return []string{n.Value}, nil
	}
	if n.Kind != yaml.SequenceNode {
		return nil, m.errf(k, "expected a list, found %s", kindName(n))
	}
	out := make([]string, 0, len(n.Content))
	for _, c := range n.Content {
		if c.Kind != yaml.ScalarNode || c.Tag != "!!str" && c.Tag != "!!int" && c.Tag != "" {
			return nil, fmt.Errorf("%s: line %d: expected a string, found %s", m.at(k), c.Line, kindName(c))
		}
		out = append(out, c.Value)
	}
	return out, nil
}

// list reads an optional list of mappings.
func (m mapping) list(k string) ([]mapping, error) {
	n, ok := m.vals[k]
	if !ok {
		return nil, nil
	}
	if n.Kind != yaml.SequenceNode {
		return nil, m.errf(k, "expected a list, found %s", kindName(n))
	}
	out := make([]mapping, 0, len(n.Content))
	for i, c := range n.Content {
		cm, err := asMapping(c, fmt.Sprintf("%s[%d]", m.at(k), i))
		if err != nil {
			return nil, err
		}
		out = append(out, cm)
	}
	return out, nil
}
