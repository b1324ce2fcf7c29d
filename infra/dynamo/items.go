package dynamo

import (
	"errors"
	"strings"

	bolt "go.etcd.io/bbolt"

	"github.com/hapihub/hapihub/infra/dynamo/attr"
	"github.com/hapihub/hapihub/infra/dynamo/expr"
)

// exprCtx parses the expressions of one request against its names and values,
// tracking which were used so unused ones are rejected as DynamoDB does.
type exprCtx struct {
	names      expr.Names
	values     expr.Values
	usage      expr.Usage
	any        bool     // some expression was given
	anyValued  bool     // some expression that may use values was given
	valueExprs []string // the request's parameters that may use values, for messages
}

func newExprCtx(names expr.Names, values expr.Values, valueExprs ...string) (*exprCtx, error) {
	if err := expr.ValidatePlaceholders(names, values); err != nil {
		return nil, err
	}
	return &exprCtx{names: names, values: values, valueExprs: valueExprs}, nil
}

func (c *exprCtx) condition(s *string, filter bool) (*expr.Condition, error) {
	if s == nil {
		return nil, nil
	}
	c.any, c.anyValued = true, true
	if filter {
		return expr.ParseFilter(*s, c.names, c.values, &c.usage)
	}
	return expr.ParseCondition(*s, c.names, c.values, &c.usage)
}

func (c *exprCtx) projection(s *string) (*expr.Projection, error) {
	if s == nil {
		return nil, nil
	}
	c.any = true
	return expr.ParseProjection(*s, c.names, &c.usage)
}

func (c *exprCtx) done() error {
	if !c.any && c.names != nil {
		return validation("ExpressionAttributeNames can only be specified when using expressions")
	}
	if !c.anyValued && c.values != nil && len(c.valueExprs) > 0 {
		verb := " is null"
		if len(c.valueExprs) > 1 {
			verb = " are null"
		}
		return validation("ExpressionAttributeValues can only be specified when using expressions: %s%s", strings.Join(c.valueExprs, " and "), verb)
	}
	return c.usage.CheckUnused(c.names, c.values)
}

// parseProjection checks the one expression of a read, its
// ProjectionExpression, against the names given with it.
func parseProjection(names expr.Names, projection *string) (*expr.Projection, error) {
	ec, err := newExprCtx(names, nil)
	if err != nil {
		return nil, err
	}
	proj, err := ec.projection(projection)
	if err != nil {
		return nil, err
	}
	if err := ec.done(); err != nil {
		return nil, err
	}
	return proj, nil
}

type writeCommon struct {
	TableName                           string
	ConditionExpression                 *string
	ExpressionAttributeNames            expr.Names
	ExpressionAttributeValues           expr.Values
	ReturnValues                        string
	ReturnConsumedCapacity              string
	ReturnItemCollectionMetrics         string
	ReturnValuesOnConditionCheckFailure string
}

// prepare runs the checks PutItem and DeleteItem share, in DynamoDB's order: ReturnValues, the
// condition expression with its names and values, then the table.
func (w *writeCommon) prepare(e *Engine) (*tableMeta, *expr.Condition, error) {
	if err := w.check("NONE", "ALL_OLD"); err != nil {
		return nil, nil, err
	}
	ec, err := newExprCtx(w.ExpressionAttributeNames, w.ExpressionAttributeValues, "ConditionExpression")
	if err != nil {
		return nil, nil, err
	}
	cond, err := ec.condition(w.ConditionExpression, false)
	if err != nil {
		return nil, nil, err
	}
	if err := ec.done(); err != nil {
		return nil, nil, err
	}
	t, err := e.table(w.TableName)
	if err != nil {
		return nil, nil, err
	}
	return t, cond, nil
}

func (w *writeCommon) check(allowed ...string) error {
	ok := w.ReturnValues == ""
	for _, a := range allowed {
		ok = ok || w.ReturnValues == a
	}
	if !ok {
		if len(allowed) == 2 {
			return validation("ReturnValues can only be ALL_OLD or NONE")
		}
		return validation("1 validation error detected: Value '%s' at 'returnValues' failed to satisfy constraint: Member must satisfy enum value set: [ALL_NEW, UPDATED_OLD, ALL_OLD, NONE, UPDATED_NEW]", w.ReturnValues)
	}
	switch w.ReturnValuesOnConditionCheckFailure {
	case "", "NONE", "ALL_OLD":
	default:
		return validation("1 validation error detected: Value '%s' at 'returnValuesOnConditionCheckFailure' failed to satisfy constraint: Member must satisfy enum value set: [ALL_OLD, NONE]", w.ReturnValuesOnConditionCheckFailure)
	}
	return checkReturnConsumed(w.ReturnConsumedCapacity)
}

// failCondition is ConditionalCheckFailedException, with the current item when asked.
func failCondition(mode string, old attr.Item) *apiError {
	ae := conditionFailed()
	if mode == "ALL_OLD" && old != nil {
		ae.item = old
	}
	return ae
}

// writeIf is the transaction of PutItem, DeleteItem and UpdateItem: it reads
// the item at key, fails unless cond holds for it, then writes next(old) in its
// place (nil deletes). It returns the item that was there and the one written.
func (w *writeCommon) writeIf(e *Engine, t *tableMeta, key []byte, cond *expr.Condition, next func(old attr.Item) (attr.Item, error)) (old, nw attr.Item, c *capacity, err error) {
	if e.holds != nil {
		id := holdID(t, key)
		if !e.holds.acquireSingle(id) {
			return nil, nil, nil, conflictException()
		}
		defer e.holds.release(e.holds.single, []string{id})
	}
	err = e.update(func(tx *bolt.Tx) error {
		c = newCapacity(t, false)
		var err error
		if old, err = getItem(tx, t, key); err != nil {
			return err
		}
		if cond != nil {
			ok, err := cond.Eval(old)
			if err != nil {
				return err
			}
			if !ok {
				return failCondition(w.ReturnValuesOnConditionCheckFailure, old)
			}
		}
		if nw, err = next(old); err != nil {
			return err
		}
		res, err := writeItem(tx, t, key, old, nw)
		c.addWrite(res, 1)
		return err
	})
	return old, nw, c, err
}

// putOrDelete writes item at key (nil deletes) if cond holds, and answers as
// PutItem and DeleteItem do: the old item when ReturnValues is ALL_OLD.
func (w *writeCommon) putOrDelete(e *Engine, t *tableMeta, cond *expr.Condition, key []byte, item attr.Item) (any, error) {
	old, _, c, err := w.writeIf(e, t, key, cond, func(attr.Item) (attr.Item, error) { return item, nil })
	if err != nil {
		return nil, err
	}
	out := map[string]any{}
	if w.ReturnValues == "ALL_OLD" && old != nil {
		out["Attributes"] = old
	}
	return withCapacity(out, c, t.Name, w.ReturnConsumedCapacity), nil
}

func isClientErr(err error) bool {
	var ve *attr.ValidationError
	var ee *expr.Error
	return errors.As(err, &ve) || errors.As(err, &ee)
}

func withCapacity(out map[string]any, c *capacity, table, mode string) map[string]any {
	if cc := c.render(table, mode); cc != nil {
		out["ConsumedCapacity"] = cc
	}
	return out
}

func opPutItem(e *Engine, body []byte) (any, error) {
	var in struct {
		writeCommon
		Item attr.Item
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	t, cond, err := in.prepare(e)
	if err != nil {
		return nil, err
	}
	if in.Item == nil {
		return nil, validation("1 validation error detected: Value null at 'item' failed to satisfy constraint: Member must not be null")
	}
	key, err := keyFromItem(t, in.Item)
	if err != nil {
		return nil, err
	}
	if err := checkItem(t, in.Item); err != nil {
		return nil, err
	}
	return in.putOrDelete(e, t, cond, key, in.Item)
}

func opDeleteItem(e *Engine, body []byte) (any, error) {
	var in struct {
		writeCommon
		Key attr.Item
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	t, cond, err := in.prepare(e)
	if err != nil {
		return nil, err
	}
	key, err := keyFromKey(t, in.Key)
	if err != nil {
		return nil, err
	}
	return in.putOrDelete(e, t, cond, key, nil)
}

// parsedUpdate is an UpdateItem request checked against its table.
type parsedUpdate struct {
	t    *tableMeta
	key  []byte
	keyV attr.Item
	upd  *expr.Update
	cond *expr.Condition
}

func parseUpdateRequest(e *Engine, table string, keyItem attr.Item, update, condition *string, names expr.Names, values expr.Values) (*parsedUpdate, error) {
	ec, err := newExprCtx(names, values, "UpdateExpression", "ConditionExpression")
	if err != nil {
		return nil, err
	}
	p := &parsedUpdate{keyV: keyItem}
	if update != nil {
		ec.any, ec.anyValued = true, true
		if p.upd, err = expr.ParseUpdate(*update, names, values, &ec.usage); err != nil {
			return nil, err
		}
	}
	if p.cond, err = ec.condition(condition, false); err != nil {
		return nil, err
	}
	if err := ec.done(); err != nil {
		return nil, err
	}
	if p.t, err = e.table(table); err != nil {
		return nil, err
	}
	if p.key, err = keyFromKey(p.t, keyItem); err != nil {
		return nil, err
	}
	if p.upd != nil {
		for _, path := range p.upd.UpdatedPaths() {
			if n := path[0].Name; n == p.t.Hash.Name || n == p.t.Range.Name {
				return nil, validation("One or more parameter values were invalid: Cannot update attribute %s. This attribute is part of the key", n)
			}
		}
	}
	return p, nil
}

// apply computes the new item from old (nil when absent): UpdateItem always
// writes, creating the item from its key when it does not exist.
func (p *parsedUpdate) apply(old attr.Item) (attr.Item, error) {
	base := old
	if base == nil {
		base = attr.CloneItem(p.keyV)
	}
	if p.upd == nil {
		return attr.CloneItem(base), nil
	}
	nw, err := p.upd.Apply(base)
	if err != nil {
		return nil, err
	}
	if attr.ItemSize(nw) > maxItemSize {
		return nil, validation("Item size to update has exceeded the maximum allowed size")
	}
	if attr.TooDeep(nw) {
		return nil, errTooDeep()
	}
	if err := checkIndexKeys(p.t, nw); err != nil {
		return nil, err
	}
	return nw, nil
}

func opUpdateItem(e *Engine, body []byte) (any, error) {
	var in struct {
		writeCommon
		Key              attr.Item
		UpdateExpression *string
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if err := in.check("NONE", "ALL_OLD", "UPDATED_OLD", "ALL_NEW", "UPDATED_NEW"); err != nil {
		return nil, err
	}
	p, err := parseUpdateRequest(e, in.TableName, in.Key, in.UpdateExpression, in.ConditionExpression, in.ExpressionAttributeNames, in.ExpressionAttributeValues)
	if err != nil {
		return nil, err
	}
	old, nw, c, err := in.writeIf(e, p.t, p.key, p.cond, p.apply)
	if err != nil {
		return nil, err
	}
	out := map[string]any{}
	var attrs attr.Item
	switch in.ReturnValues {
	case "ALL_OLD":
		attrs = old
	case "ALL_NEW":
		attrs = nw
	case "UPDATED_OLD", "UPDATED_NEW":
		src := old
		if in.ReturnValues == "UPDATED_NEW" {
			src = nw
		}
		if src != nil && p.upd != nil {
			attrs = (&expr.Projection{Paths: p.upd.UpdatedPaths()}).Apply(src)
		}
	}
	if len(attrs) > 0 {
		out["Attributes"] = attrs
	}
	return withCapacity(out, c, p.t.Name, in.ReturnConsumedCapacity), nil
}

// itemReadUnits is what reading item costs; a missing item costs as an empty one.
func itemReadUnits(item attr.Item, consistent bool) float64 {
	size := 0
	if item != nil {
		size = attr.ItemSize(item)
	}
	return readUnits(size, consistent)
}

// getPlan is one checked read of a single item.
type getPlan struct {
	t    *tableMeta
	key  []byte
	proj *expr.Projection
}

// planGet checks a read of one item as GetItem and TransactGetItems do, in
// DynamoDB's order: the projection and its names, the table, then the key.
func (e *Engine) planGet(table string, key attr.Item, names expr.Names, projection *string) (getPlan, error) {
	proj, err := parseProjection(names, projection)
	if err != nil {
		return getPlan{}, err
	}
	t, err := e.table(table)
	if err != nil {
		return getPlan{}, err
	}
	kb, err := keyFromKey(t, key)
	if err != nil {
		return getPlan{}, err
	}
	return getPlan{t: t, key: kb, proj: proj}, nil
}

func opGetItem(e *Engine, body []byte) (any, error) {
	var in struct {
		TableName                string
		Key                      attr.Item
		ConsistentRead           bool
		ProjectionExpression     *string
		ExpressionAttributeNames expr.Names
		ReturnConsumedCapacity   string
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if err := checkReturnConsumed(in.ReturnConsumedCapacity); err != nil {
		return nil, err
	}
	g, err := e.planGet(in.TableName, in.Key, in.ExpressionAttributeNames, in.ProjectionExpression)
	if err != nil {
		return nil, err
	}
	var item attr.Item
	if err := e.db.View(func(tx *bolt.Tx) error {
		item, err = getItem(tx, g.t, g.key)
		return err
	}); err != nil {
		return nil, asAPIError(err)
	}
	c := newCapacity(g.t, true)
	c.table = itemReadUnits(item, in.ConsistentRead)
	out := map[string]any{}
	if item != nil {
		if g.proj != nil {
			item = g.proj.Apply(item)
		}
		out["Item"] = item
	}
	return withCapacity(out, c, g.t.Name, in.ReturnConsumedCapacity), nil
}
