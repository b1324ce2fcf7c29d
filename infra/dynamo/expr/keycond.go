package expr

import (
	"bytes"
	"strings"

	"github.com/hapihub/hapihub/infra/dynamo/attr"
)

// keyConds collects the simple conditions of a key condition in expression order.
func keyConds(c *cond, out *[]SortCond) error {
	kerr := func(msg string) error { return &Error{Msg: msg} }
	switch c.op {
	case "and":
		for _, k := range c.kids {
			if err := keyConds(k, out); err != nil {
				return err
			}
		}
		return nil
	case "or", "not", "in":
		return kerr("Invalid operator used in KeyConditionExpression: " + upper(c.op))
	case "<>":
		return kerr("Invalid operator used in KeyConditionExpression: <>")
	}
	args := c.args
	op := c.op
	if c.op == "func" {
		switch c.fn.fn {
		case "begins_with":
			op = "begins_with"
			args = c.fn.args
		case "size":
			return kerr("KeyConditionExpressions cannot contain nested operations")
		default:
			return kerr("Invalid operator used in KeyConditionExpression: " + c.fn.fn)
		}
	}
	if (op == "between" || op == "begins_with") && args[0].kind != opPath {
		name := "BETWEEN"
		if op == "begins_with" {
			name = op
		}
		return kerr("Invalid condition in KeyConditionExpression: " + name + " operator must have the key attribute as its first operand")
	}
	name, at := "", -1
	var vals []attr.Value
	for i, a := range args {
		switch a.kind {
		case opFunc:
			return kerr("KeyConditionExpressions cannot contain nested operations")
		case opPath:
			if at >= 0 {
				return kerr("Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition")
			}
			if len(a.path) > 1 {
				return kerr("KeyConditionExpressions cannot have conditions on nested attributes")
			}
			name, at = a.path[0].Name, i
		default:
			vals = append(vals, a.val)
		}
	}
	if at < 0 {
		return kerr("Invalid condition in KeyConditionExpression: No key attribute specified")
	}
	for _, prev := range *out {
		if prev.Name == name {
			return kerr("KeyConditionExpressions must only contain one condition per key")
		}
	}
	if at != 0 { // ":v < sk" means "sk > :v"
		op = map[string]string{"=": "=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}[op]
	}
	if op == "between" {
		op = "BETWEEN"
	}
	*out = append(*out, SortCond{Name: name, Op: op, Values: vals})
	return nil
}

func upper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			b[i] = c - 32
		}
	}
	return string(b)
}

// ForSchema checks the parsed condition against the table's or index's key
// schema (sortKey is "" for a hash-only key) and puts the partition-key and
// sort-key conditions in their fields: an expression such as
// "sk = :a AND pk = :b" is ambiguous until the schema is known. It returns
// DynamoDB's messages for conditions the schema cannot serve.
func (k *KeyCond) ForSchema(partitionKey, sortKey string) error {
	all := k.conds
	if all == nil { // built by hand rather than parsed
		all = []SortCond{{Name: k.PartitionName, Op: "=", Values: []attr.Value{k.PartitionValue}}}
		if k.Sort != nil {
			all = append(all, *k.Sort)
		}
	}
	var part, sort *SortCond
	foreign := false
	for i := range all {
		switch c := &all[i]; {
		case c.Name == partitionKey:
			part = c
		case sortKey != "" && c.Name == sortKey:
			sort = c
		default:
			foreign = true
		}
	}
	if foreign && part != nil && sortKey != "" {
		return &Error{Msg: "Query condition missed key schema element: " + sortKey}
	}
	if part == nil {
		return &Error{Msg: "Query condition missed key schema element: " + partitionKey}
	}
	if part.Op != "=" {
		return &Error{Msg: "Query key condition not supported"}
	}
	k.PartitionName, k.PartitionValue, k.Sort = part.Name, part.Values[0], nil
	if sort != nil {
		s := *sort
		k.Sort = &s
	}
	return nil
}

// Match reports whether a sort-key value satisfies the condition (false for a
// value of another type, as DynamoDB's comparisons are).
func (s *SortCond) Match(v attr.Value) bool {
	if len(s.Values) == 0 || v.Kind != s.Values[0].Kind || !v.Kind.IsKeyType() {
		return false
	}
	c, err := attr.Compare(v, s.Values[0])
	if err != nil {
		return false
	}
	switch s.Op {
	case "=":
		return c == 0
	case "<":
		return c < 0
	case "<=":
		return c <= 0
	case ">":
		return c > 0
	case ">=":
		return c >= 0
	case "BETWEEN":
		if len(s.Values) < 2 {
			return false
		}
		hi, err := attr.Compare(v, s.Values[1])
		return err == nil && c >= 0 && hi <= 0
	case "begins_with":
		switch v.Kind {
		case attr.S:
			return strings.HasPrefix(v.Str, s.Values[0].Str)
		case attr.B:
			return bytes.HasPrefix(v.Bin, s.Values[0].Bin)
		}
	}
	return false
}
