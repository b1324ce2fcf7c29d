package dynamo

import (
	"github.com/hapihub/hapihub/infra/dynamo/attr"
	"github.com/hapihub/hapihub/infra/dynamo/expr"
)

// transactWriteRequest is a TransactWriteItems body.
type transactWriteRequest struct {
	TransactItems               []transactWriteItem
	ClientRequestToken          string
	ReturnConsumedCapacity      string
	ReturnItemCollectionMetrics string
}

// fastTxDecode is off only in the test that checks the one-pass reader against decode.
var fastTxDecode = true

// decodeTransactWrite reads a TransactWriteItems body, the largest request a write sends (a
// create is ~25 items). serveHTTP has already checked the body is JSON (json.Valid); decode
// (json.Unmarshal) would check it again, then scan each item once more to hand it to attr's
// reader. readTransactWrite splits the checked bytes in one pass instead. It reads only the
// shape the SDKs send (member names spelled exactly, no nulls, no repeated members); anything
// else, and any error, goes to decode, which answers as it always has.
func decodeTransactWrite(body []byte, in *transactWriteRequest) error {
	if fastTxDecode && readTransactWrite(body, in) {
		return nil
	}
	*in = transactWriteRequest{}
	return decode(body, in)
}

// members splits an object whose member names are all distinct and none of whose values is null.
func members(d []byte) ([]attr.Member, bool) {
	ms, ok := attr.SplitObject(d)
	if !ok {
		return nil, false
	}
	for i, m := range ms {
		if len(m.Val) == 0 || m.Val[0] == 'n' {
			return nil, false
		}
		for _, o := range ms[:i] {
			if o.Name == m.Name {
				return nil, false
			}
		}
	}
	return ms, true
}

func readTransactWrite(body []byte, in *transactWriteRequest) bool {
	ms, ok := members(body)
	if !ok {
		return false
	}
	for _, m := range ms {
		switch m.Name {
		case "TransactItems":
			elems, ok := attr.SplitArray(m.Val)
			if !ok {
				return false
			}
			in.TransactItems = make([]transactWriteItem, len(elems))
			for i, e := range elems {
				if !readTransactItem(e, &in.TransactItems[i]) {
					return false
				}
			}
		case "ClientRequestToken":
			in.ClientRequestToken, ok = attr.String(m.Val)
		case "ReturnConsumedCapacity":
			in.ReturnConsumedCapacity, ok = attr.String(m.Val)
		case "ReturnItemCollectionMetrics":
			in.ReturnItemCollectionMetrics, ok = attr.String(m.Val)
		default:
			return false
		}
		if !ok {
			return false
		}
	}
	return true
}

func readTransactItem(d []byte, it *transactWriteItem) bool {
	ms, ok := members(d)
	if !ok {
		return false
	}
	for _, m := range ms {
		op := &transactOp{}
		switch m.Name {
		case "ConditionCheck":
			it.ConditionCheck = op
		case "Put":
			it.Put = op
		case "Delete":
			it.Delete = op
		case "Update":
			it.Update = op
		default:
			return false
		}
		if !readTransactOp(m.Val, op) {
			return false
		}
	}
	return true
}

func readTransactOp(d []byte, op *transactOp) bool {
	ms, ok := members(d)
	if !ok {
		return false
	}
	for _, m := range ms {
		switch m.Name {
		case "TableName":
			op.TableName, ok = attr.String(m.Val)
		case "ReturnValuesOnConditionCheckFailure":
			op.ReturnValuesOnConditionCheckFailure, ok = attr.String(m.Val)
		case "ConditionExpression":
			op.ConditionExpression, ok = stringPtr(m.Val)
		case "UpdateExpression":
			op.UpdateExpression, ok = stringPtr(m.Val)
		case "Key":
			ok = m.Val[0] == '{' && op.Key.UnmarshalJSON(m.Val) == nil
		case "Item":
			ok = m.Val[0] == '{' && op.Item.UnmarshalJSON(m.Val) == nil
		case "ExpressionAttributeNames":
			op.ExpressionAttributeNames, ok = readNames(m.Val)
		case "ExpressionAttributeValues":
			op.ExpressionAttributeValues, ok = readValues(m.Val)
		default:
			return false
		}
		if !ok {
			return false
		}
	}
	return true
}

func stringPtr(tok []byte) (*string, bool) {
	s, ok := attr.String(tok)
	return &s, ok
}

func readNames(d []byte) (expr.Names, bool) {
	ms, ok := members(d)
	if !ok {
		return nil, false
	}
	out := make(expr.Names, len(ms))
	for _, m := range ms {
		if out[m.Name], ok = attr.String(m.Val); !ok {
			return nil, false
		}
	}
	return out, true
}

func readValues(d []byte) (expr.Values, bool) {
	ms, ok := members(d)
	if !ok {
		return nil, false
	}
	out := make(expr.Values, len(ms))
	for _, m := range ms {
		var v attr.Value
		if m.Val[0] != '{' || v.UnmarshalJSON(m.Val) != nil {
			return nil, false
		}
		out[m.Name] = v
	}
	return out, true
}
