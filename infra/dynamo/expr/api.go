// Package expr parses and evaluates DynamoDB expressions: condition and filter,
// key condition, update and projection, with ExpressionAttributeNames and Values.
//
// CONTRACT (the engine in infra/dynamo is written against exactly these names;
// change them only together with it).
package expr

import (
	"github.com/hapihub/hapihub/infra/dynamo/attr"
)

// Error is a client error; the engine answers it as ValidationException with Msg.
type Error struct{ Msg string }

func (e *Error) Error() string { return e.Msg }

// Names are ExpressionAttributeNames (#n -> name); Values are ExpressionAttributeValues (:v -> value).
type (
	Names  map[string]string
	Values map[string]attr.Value
)

// Usage records which names and values the expressions of one request used, so the
// engine can reject unused ones as DynamoDB does after parsing all of them.
type Usage struct {
	Names  map[string]bool
	Values map[string]bool
}

// PathElem is one step of a document path: a map key or a list index.
type PathElem struct {
	Name    string
	Index   int
	IsIndex bool
}

// Path is a document path such as a.b[2].c, with names already substituted.
type Path []PathElem

// SortCond is the sort-key part of a key condition. Op is one of
// "=", "<", "<=", ">", ">=", "BETWEEN", "begins_with"; Values has 1 value (2 for BETWEEN).
type SortCond struct {
	Name   string
	Op     string
	Values []attr.Value
}

// KeyCond is a parsed KeyConditionExpression: equality on the partition key and an
// optional sort-key condition. The engine checks the names against the key schema.
type KeyCond struct {
	PartitionName  string
	PartitionValue attr.Value
	Sort           *SortCond

	conds []SortCond // every condition, in expression order
}

// Condition is a parsed condition or filter expression.
type Condition struct{ root *cond }

// Update is a parsed update expression.
type Update struct{ root *update }

// Projection is a parsed projection expression.
type Projection struct{ Paths []Path }

// ParseCondition parses a ConditionExpression; errors are *Error with DynamoDB's
// "Invalid ConditionExpression: ..." messages.
func ParseCondition(s string, names Names, values Values, u *Usage) (*Condition, error) {
	root, err := parseCond("Condition", s, names, values, u)
	if err != nil {
		return nil, err
	}
	return &Condition{root: root}, nil
}

// ParseFilter parses a FilterExpression: the same grammar as ParseCondition,
// with DynamoDB's "Invalid FilterExpression: ..." messages.
func ParseFilter(s string, names Names, values Values, u *Usage) (*Condition, error) {
	root, err := parseCond("Filter", s, names, values, u)
	if err != nil {
		return nil, err
	}
	return &Condition{root: root}, nil
}

// Eval reports whether item satisfies the condition; a nil item is a missing
// item (every attribute absent). Comparisons across types are false, not errors.
func (c *Condition) Eval(item attr.Item) (bool, error) { return c.root.eval(item), nil }

// ParseKeyCondition parses a KeyConditionExpression. Which name is the
// partition key is only certain against the key schema: the equality written
// first is put in PartitionName (and any other condition in Sort); the engine
// must call ForSchema, which swaps them when needed and rejects conditions the
// schema cannot serve.
func ParseKeyCondition(s string, names Names, values Values, u *Usage) (*KeyCond, error) {
	root, err := parseCond("KeyCondition", s, names, values, u)
	if err != nil {
		return nil, err
	}
	var conds []SortCond
	if err := keyConds(root, &conds); err != nil {
		return nil, err
	}
	if len(conds) > 2 {
		return nil, &Error{Msg: "Conditions can be of length 1 or 2 only"}
	}
	k := &KeyCond{conds: conds}
	part := -1
	for i, c := range conds {
		if c.Op == "=" {
			part = i
			break
		}
	}
	if part < 0 {
		part = 0
	}
	k.PartitionName, k.PartitionValue = conds[part].Name, conds[part].Values[0]
	if len(conds) == 2 {
		s := conds[1-part]
		k.Sort = &s
	}
	return k, nil
}

// ParseUpdate parses an UpdateExpression.
func ParseUpdate(s string, names Names, values Values, u *Usage) (*Update, error) {
	root, err := parseUpdate(s, names, values, u)
	if err != nil {
		return nil, err
	}
	return &Update{root: root}, nil
}

// Apply returns the updated copy of item (item is not modified; nil means the
// item does not exist yet). It fails with *Error for type errors DynamoDB
// reports at evaluation time.
func (up *Update) Apply(item attr.Item) (attr.Item, error) { return up.root.apply(item) }

// UpdatedPaths lists the document path of every action in expression order
// (Path[0].Name is the top-level attribute), for ReturnValues UPDATED_OLD/
// UPDATED_NEW and for rejecting key-attribute updates.
func (up *Update) UpdatedPaths() []Path {
	out := make([]Path, len(up.root.actions))
	for i, a := range up.root.actions {
		out[i] = append(Path(nil), a.path...)
	}
	return out
}

// ParseProjection parses a ProjectionExpression.
func ParseProjection(s string, names Names, u *Usage) (*Projection, error) {
	return parseProjection(s, names, u)
}

// Apply returns a new item holding only the projected paths.
func (p *Projection) Apply(item attr.Item) attr.Item { return project(item, p.Paths) }
