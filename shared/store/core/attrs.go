package core

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// toAV converts a normalised document value (string, int64, bool, nil, []any, map[string]any,
// json.Number) into a DynamoDB attribute value. Objects are stored as native attributes so
// DynamoDB can filter on them.
func toAV(v any) (types.AttributeValue, error) {
	switch x := v.(type) {
	case nil:
		return &types.AttributeValueMemberNULL{Value: true}, nil
	case string:
		return &types.AttributeValueMemberS{Value: x}, nil
	case bool:
		return &types.AttributeValueMemberBOOL{Value: x}, nil
	case int:
		return &types.AttributeValueMemberN{Value: strconv.Itoa(x)}, nil
	case int64:
		return &types.AttributeValueMemberN{Value: strconv.FormatInt(x, 10)}, nil
	case float64:
		return &types.AttributeValueMemberN{Value: strconv.FormatFloat(x, 'f', -1, 64)}, nil
	case json.Number:
		return &types.AttributeValueMemberN{Value: x.String()}, nil
	case []any:
		l := make([]types.AttributeValue, len(x))
		for i, e := range x {
			av, err := toAV(e)
			if err != nil {
				return nil, fmt.Errorf("[%d]: %w", i, err)
			}
			l[i] = av
		}
		return &types.AttributeValueMemberL{Value: l}, nil
	case map[string]any:
		m := make(map[string]types.AttributeValue, len(x))
		for k, e := range x {
			av, err := toAV(e)
			if err != nil {
				return nil, fmt.Errorf(".%s: %w", k, err)
			}
			m[k] = av
		}
		return &types.AttributeValueMemberM{Value: m}, nil
	case []string:
		l := make([]any, len(x))
		for i, s := range x {
			l[i] = s
		}
		return toAV(l)
	}
	return nil, fmt.Errorf("store: cannot store a %T", v)
}

// fromAV is the inverse of toAV. Whole numbers come back as int64, others as json.Number.
func fromAV(av types.AttributeValue) any {
	switch x := av.(type) {
	case *types.AttributeValueMemberS:
		return x.Value
	case *types.AttributeValueMemberN:
		if i, err := strconv.ParseInt(x.Value, 10, 64); err == nil {
			return i
		}
		return json.Number(x.Value)
	case *types.AttributeValueMemberBOOL:
		return x.Value
	case *types.AttributeValueMemberNULL:
		return nil
	case *types.AttributeValueMemberL:
		out := make([]any, len(x.Value))
		for i, e := range x.Value {
			out[i] = fromAV(e)
		}
		return out
	case *types.AttributeValueMemberM:
		out := make(map[string]any, len(x.Value))
		for k, e := range x.Value {
			out[k] = fromAV(e)
		}
		return out
	case *types.AttributeValueMemberSS:
		out := append([]string{}, x.Value...)
		sort.Strings(out)
		l := make([]any, len(out))
		for i, s := range out {
			l[i] = s
		}
		return l
	case *types.AttributeValueMemberB:
		return x.Value
	}
	return nil
}

// marshalItem turns a document into an item, adding the system attributes.
func marshalItem(doc map[string]any, sys map[string]types.AttributeValue) (map[string]types.AttributeValue, error) {
	item := make(map[string]types.AttributeValue, len(doc)+len(sys))
	for k, v := range doc {
		av, err := toAV(v)
		if err != nil {
			return nil, fmt.Errorf("store: field %s: %w", k, err)
		}
		item[k] = av
	}
	for k, v := range sys {
		item[k] = v
	}
	return item, nil
}

// isSystem says whether an attribute is ours rather than the object's: key attributes are
// upper case (PK, SK, GSI1PK, ...) and bookkeeping starts with an underscore; object fields are
// camelCase, so the two can never collide.
func isSystem(name string) bool {
	return name == "" || name[0] == '_' || (name[0] >= 'A' && name[0] <= 'Z') || name == "ttl"
}

// unmarshalDoc strips system attributes and converts the rest.
func unmarshalDoc(item map[string]types.AttributeValue) map[string]any {
	doc := make(map[string]any, len(item))
	for k, v := range item {
		if !isSystem(k) {
			doc[k] = fromAV(v)
		}
	}
	return doc
}

func sv(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
func n(v int64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(v, 10)}
}

func getS(item map[string]types.AttributeValue, k string) string {
	if v, ok := item[k].(*types.AttributeValueMemberS); ok {
		return v.Value
	}
	return ""
}

func getN(item map[string]types.AttributeValue, k string) int64 {
	if v, ok := item[k].(*types.AttributeValueMemberN); ok {
		i, _ := strconv.ParseInt(v.Value, 10, 64)
		return i
	}
	return 0
}

// docString is a document's string value, "" when absent or not a string.
func docString(v any) string {
	s, _ := v.(string)
	return s
}
