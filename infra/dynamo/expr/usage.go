package expr

import (
	"sort"
	"strings"

	"github.com/hapihub/hapihub/infra/dynamo/attr"
)

func (u *Usage) add(names, values []string) {
	if u == nil {
		return
	}
	if u.Names == nil {
		u.Names = map[string]bool{}
	}
	if u.Values == nil {
		u.Values = map[string]bool{}
	}
	for _, n := range names {
		u.Names[n] = true
	}
	for _, v := range values {
		u.Values[v] = true
	}
}

// CheckUnused returns DynamoDB's error for ExpressionAttributeNames or Values
// that none of the request's expressions used (names are checked first, as
// DynamoDB does). Call it after parsing every expression of the request.
func (u *Usage) CheckUnused(names Names, values Values) error {
	var unusedNames, unusedValues []string
	for k := range names {
		if u == nil || !u.Names[k] {
			unusedNames = append(unusedNames, k)
		}
	}
	for k := range values {
		if u == nil || !u.Values[k] {
			unusedValues = append(unusedValues, k)
		}
	}
	if len(unusedNames) > 0 {
		sort.Strings(unusedNames)
		return &Error{Msg: "Value provided in ExpressionAttributeNames unused in expressions: keys: {" + strings.Join(unusedNames, ", ") + "}"}
	}
	if len(unusedValues) > 0 {
		sort.Strings(unusedValues)
		return &Error{Msg: "Value provided in ExpressionAttributeValues unused in expressions: keys: {" + strings.Join(unusedValues, ", ") + "}"}
	}
	return nil
}

// ValidatePlaceholders checks ExpressionAttributeNames and Values before any
// expression is parsed, with DynamoDB's messages: present but empty maps, and
// keys that are not "#" or ":" followed by letters, digits or underscores.
// Pass nil for a parameter the request did not send.
func ValidatePlaceholders(names Names, values Values) error {
	if names != nil {
		if len(names) == 0 {
			return &Error{Msg: "ExpressionAttributeNames must not be empty"}
		}
		for _, k := range sortedKeys(names) {
			if !validPlaceholder(k, '#') {
				return &Error{Msg: "ExpressionAttributeNames contains invalid key: Syntax error; key: \"" + k + "\""}
			}
		}
	}
	if values != nil {
		if len(values) == 0 {
			return &Error{Msg: "ExpressionAttributeValues must not be empty"}
		}
		for _, k := range sortedKeys(values) {
			if !validPlaceholder(k, ':') {
				return &Error{Msg: "ExpressionAttributeValues contains invalid key: Syntax error; key: \"" + k + "\""}
			}
		}
		// A value nests 32 levels at most, as an item's attribute does (attr.MaxDepth).
		if attr.TooDeep(attr.Item(values)) {
			return &Error{Msg: "Nesting Levels have exceeded supported limits: Attributes in the item have nested levels beyond supported limit"}
		}
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func validPlaceholder(k string, prefix byte) bool {
	if len(k) < 2 || k[0] != prefix {
		return false
	}
	for i := 1; i < len(k); i++ {
		if !isIdentPart(k[i]) {
			return false
		}
	}
	return true
}
