package expr

import (
	"sort"
	"strings"
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
