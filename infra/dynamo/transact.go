package dynamo

import (
	"crypto/sha256"
	"errors"
	"strings"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/hapihub/hapihub/infra/dynamo/attr"
	"github.com/hapihub/hapihub/infra/dynamo/expr"
)

const maxTransactItems = 100

// idempotencyWindow is how long a ClientRequestToken is remembered.
const idempotencyWindow = 10 * time.Minute

type cancellationReason struct {
	Code    string
	Message string    `json:",omitempty"`
	Item    attr.Item `json:",omitempty"`
}

type transactOp struct {
	TableName                           string
	Key                                 attr.Item
	Item                                attr.Item
	ConditionExpression                 *string
	UpdateExpression                    *string
	ExpressionAttributeNames            expr.Names
	ExpressionAttributeValues           expr.Values
	ReturnValuesOnConditionCheckFailure string
}

type transactWriteItem struct {
	ConditionCheck *transactOp
	Put            *transactOp
	Delete         *transactOp
	Update         *transactOp
}

// txAction is one checked action of a TransactWriteItems request.
type txAction struct {
	kind string // ConditionCheck, Put, Delete, Update
	op   *transactOp
	t    *tableMeta
	key  []byte
	cond *expr.Condition
	upd  *parsedUpdate
}

type idemEntry struct {
	hash     [32]byte
	expires  time.Time
	inFlight bool
	response any
}

type idempotencyCache struct {
	mu      sync.Mutex
	entries map[string]*idemEntry
}

func newIdempotencyCache() *idempotencyCache {
	return &idempotencyCache{entries: map[string]*idemEntry{}}
}

func (e *Engine) transactAction(it transactWriteItem) (*txAction, error) {
	var a txAction
	n := 0
	for kind, op := range map[string]*transactOp{"ConditionCheck": it.ConditionCheck, "Put": it.Put, "Delete": it.Delete, "Update": it.Update} {
		if op != nil {
			n++
			a.kind, a.op = kind, op
		}
	}
	if n != 1 {
		return nil, validation("TransactItems can only contain one of Check, Put, Update or Delete")
	}
	op := a.op
	switch op.ReturnValuesOnConditionCheckFailure {
	case "", "NONE", "ALL_OLD":
	default:
		return nil, validation("1 validation error detected: Value '%s' at 'returnValuesOnConditionCheckFailure' failed to satisfy constraint: Member must satisfy enum value set: [ALL_OLD, NONE]", op.ReturnValuesOnConditionCheckFailure)
	}
	if a.kind == "Update" {
		if op.UpdateExpression == nil {
			return nil, validation("1 validation error detected: Value null at 'transactItems.member.update.updateExpression' failed to satisfy constraint: Member must not be null")
		}
		p, err := parseUpdateRequest(e, op.TableName, op.Key, op.UpdateExpression, op.ConditionExpression, op.ExpressionAttributeNames, op.ExpressionAttributeValues)
		if err != nil {
			return nil, err
		}
		a.upd, a.t, a.key, a.cond = p, p.t, p.key, p.cond
		return &a, nil
	}
	if a.kind == "ConditionCheck" && op.ConditionExpression == nil {
		return nil, validation("1 validation error detected: Value null at 'transactItems.member.conditionCheck.conditionExpression' failed to satisfy constraint: Member must not be null")
	}
	ec, err := newExprCtx(op.ExpressionAttributeNames, op.ExpressionAttributeValues, "ConditionExpression")
	if err != nil {
		return nil, err
	}
	if a.cond, err = ec.condition(op.ConditionExpression, false); err != nil {
		return nil, err
	}
	if err := ec.done(); err != nil {
		return nil, err
	}
	if a.t, err = e.table(op.TableName); err != nil {
		return nil, err
	}
	if a.kind == "Put" {
		if op.Item == nil {
			return nil, validation("1 validation error detected: Value null at 'transactItems.member.put.item' failed to satisfy constraint: Member must not be null")
		}
		if a.key, err = keyFromItem(a.t, op.Item); err != nil {
			return nil, err
		}
		if err := checkItem(a.t, op.Item); err != nil {
			return nil, err
		}
	} else if a.key, err = keyFromKey(a.t, op.Key); err != nil {
		return nil, err
	}
	return &a, nil
}

// checkTransactRequest is what both transaction operations check first, in
// this order: ReturnConsumedCapacity, then the length of TransactItems.
func checkTransactRequest(returnConsumed string, n int) error {
	if err := checkReturnConsumed(returnConsumed); err != nil {
		return err
	}
	if n == 0 {
		return validation("1 validation error detected: Value null at 'transactItems' failed to satisfy constraint: Member must not be null")
	}
	if n > maxTransactItems {
		return validation("1 validation error detected: Value '[%d items]' at 'transactItems' failed to satisfy constraint: Member must have length less than or equal to %d", n, maxTransactItems)
	}
	return nil
}

// txItems is the items a transaction has named so far: DynamoDB allows one
// operation on an item per transaction.
type txItems map[string]bool

func (s txItems) add(t *tableMeta, key []byte) error {
	id := t.Name + "\x00" + string(key)
	if s[id] {
		return validation("Transaction request cannot include multiple operations on one item")
	}
	s[id] = true
	return nil
}

func opTransactWriteItems(e *Engine, body []byte) (any, error) {
	var in transactWriteRequest
	if err := decodeTransactWrite(body, &in); err != nil {
		return nil, err
	}
	if err := checkTransactRequest(in.ReturnConsumedCapacity, len(in.TransactItems)); err != nil {
		return nil, err
	}
	if len(in.ClientRequestToken) > 36 {
		return nil, validation("1 validation error detected: Value '%s' at 'clientRequestToken' failed to satisfy constraint: Member must have length less than or equal to 36", in.ClientRequestToken)
	}
	actions := make([]*txAction, len(in.TransactItems))
	seen := txItems{}
	for i, it := range in.TransactItems {
		a, err := e.transactAction(it)
		if err != nil {
			return nil, err
		}
		if err := seen.add(a.t, a.key); err != nil {
			return nil, err
		}
		actions[i] = a
	}
	if in.ClientRequestToken == "" {
		return e.runTransactWrite(actions, in.ReturnConsumedCapacity)
	}
	return e.idem.do(in.ClientRequestToken, body, e.opts.Now(), func() (any, error) {
		return e.runTransactWrite(actions, in.ReturnConsumedCapacity)
	})
}

// do runs fn once per token: a repeat with the same body within the window gets
// the first response, a repeat with another body IdempotentParameterMismatch.
func (c *idempotencyCache) do(token string, body []byte, now time.Time, fn func() (any, error)) (any, error) {
	h := sha256.Sum256(body)
	c.mu.Lock()
	for k, en := range c.entries {
		if !en.inFlight && now.After(en.expires) {
			delete(c.entries, k)
		}
	}
	if en := c.entries[token]; en != nil {
		defer c.mu.Unlock()
		switch {
		case en.hash != h:
			return nil, &apiError{status: 400, code: "IdempotentParameterMismatchException", ns: nsDynamo, msg: "Request has already been processed with different parameters for the same ClientRequestToken"}
		case en.inFlight:
			return nil, &apiError{status: 400, code: "TransactionInProgressException", ns: nsDynamo, msg: "Transaction with the same ClientRequestToken is already in progress"}
		}
		return en.response, nil
	}
	en := &idemEntry{hash: h, inFlight: true}
	c.entries[token] = en
	c.mu.Unlock()
	out, err := fn()
	c.mu.Lock()
	defer c.mu.Unlock()
	if err != nil {
		// A failed request did nothing; a retry with the token runs again.
		delete(c.entries, token)
		return nil, err
	}
	en.inFlight, en.response, en.expires = false, out, now.Add(idempotencyWindow)
	return out, nil
}

// transactionCancelled is TransactionCanceledException with one reason per item.
func transactionCancelled(reasons []cancellationReason, codes []string) *apiError {
	return &apiError{status: 400, code: "TransactionCanceledException", ns: nsDynamo,
		msg:     "Transaction cancelled, please refer cancellation reasons for specific reasons [" + strings.Join(codes, ", ") + "]",
		reasons: reasons}
}

func (e *Engine) runTransactWrite(actions []*txAction, rcc string) (any, error) {
	if e.holds != nil {
		ids := make([]string, len(actions))
		for i, a := range actions {
			ids[i] = holdID(a.t, a.key)
		}
		if c := e.holds.acquireTx(ids); c != nil {
			return nil, cancelledByConflict(len(actions), c)
		}
		defer e.holds.release(e.holds.tx, ids)
	}
	var caps tableCapacities
	err := e.update(func(tx *bolt.Tx) error {
		caps = tableCapacities{}
		olds := make([]attr.Item, len(actions))
		news := make([]attr.Item, len(actions))
		reasons := make([]cancellationReason, len(actions))
		failed := false
		for i, a := range actions {
			reasons[i] = cancellationReason{Code: "None"}
			old, err := getItem(tx, a.t, a.key)
			if err != nil {
				return err
			}
			olds[i] = old
			if a.cond != nil {
				ok, err := a.cond.Eval(old)
				if err != nil {
					return err
				}
				if !ok {
					failed = true
					reasons[i] = cancellationReason{Code: "ConditionalCheckFailed", Message: "The conditional request failed"}
					if a.op.ReturnValuesOnConditionCheckFailure == "ALL_OLD" && old != nil {
						reasons[i].Item = old
					}
					continue
				}
			}
			switch a.kind {
			case "Put":
				news[i] = a.op.Item
			case "Update":
				nw, err := a.upd.apply(old)
				if err != nil {
					if !isClientErr(err) {
						var ae *apiError
						if !errors.As(err, &ae) {
							return err
						}
					}
					failed = true
					reasons[i] = cancellationReason{Code: "ValidationError", Message: asAPIError(err).msg}
					continue
				}
				news[i] = nw
			}
		}
		if failed {
			codes := make([]string, len(reasons))
			for i, r := range reasons {
				codes[i] = r.Code
			}
			return transactionCancelled(reasons, codes)
		}
		for i, a := range actions {
			c := caps.of(a.t, false)
			if a.kind == "ConditionCheck" {
				// A condition check costs a transactional read of the item.
				c.tableRead += 2 * itemReadUnits(olds[i], true)
				continue
			}
			w, err := writeItem(tx, a.t, a.key, olds[i], news[i])
			if err != nil {
				return err
			}
			c.addWrite(w, 2)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return caps.addTo(map[string]any{}, rcc), nil
}

func opTransactGetItems(e *Engine, body []byte) (any, error) {
	var in struct {
		TransactItems []struct {
			Get *struct {
				TableName                string
				Key                      attr.Item
				ProjectionExpression     *string
				ExpressionAttributeNames expr.Names
			}
		}
		ReturnConsumedCapacity string
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if err := checkTransactRequest(in.ReturnConsumedCapacity, len(in.TransactItems)); err != nil {
		return nil, err
	}
	plans := make([]getPlan, len(in.TransactItems))
	seen := txItems{}
	for i, it := range in.TransactItems {
		g := it.Get
		if g == nil {
			return nil, validation("1 validation error detected: Value null at 'transactItems.%d.member.get' failed to satisfy constraint: Member must not be null", i+1)
		}
		p, err := e.planGet(g.TableName, g.Key, g.ExpressionAttributeNames, g.ProjectionExpression)
		if err != nil {
			return nil, err
		}
		if err := seen.add(p.t, p.key); err != nil {
			return nil, err
		}
		plans[i] = p
	}
	if e.holds != nil {
		ids := make([]string, len(plans))
		for i, p := range plans {
			ids[i] = holdID(p.t, p.key)
		}
		if c := e.holds.readConflicts(ids); c != nil {
			return nil, cancelledByConflict(len(plans), c)
		}
	}
	responses := make([]map[string]any, len(plans))
	var caps tableCapacities
	err := e.db.View(func(tx *bolt.Tx) error {
		for i, p := range plans {
			item, err := getItem(tx, p.t, p.key)
			if err != nil {
				return err
			}
			c := caps.of(p.t, true)
			c.table += 2 * itemReadUnits(item, true)
			responses[i] = map[string]any{}
			if item != nil {
				if p.proj != nil {
					item = p.proj.Apply(item)
				}
				responses[i]["Item"] = item
			}
		}
		return nil
	})
	if err != nil {
		return nil, asAPIError(err)
	}
	return caps.addTo(map[string]any{"Responses": responses}, in.ReturnConsumedCapacity), nil
}
