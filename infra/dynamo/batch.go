package dynamo

import (
	"sort"

	bolt "go.etcd.io/bbolt"

	"github.com/hapihub/hapihub/infra/dynamo/attr"
	"github.com/hapihub/hapihub/infra/dynamo/expr"
)

// maxBatchGetBytes is the most data one BatchGetItem returns.
const maxBatchGetBytes = 16 << 20

type batchGetTable struct {
	Keys                     []attr.Item
	ConsistentRead           bool       `json:",omitempty"`
	ProjectionExpression     *string    `json:",omitempty"`
	ExpressionAttributeNames expr.Names `json:",omitempty"`
}

// checkBatchRequest is what BatchGetItem and BatchWriteItem check first, in
// this order: ReturnConsumedCapacity, then that RequestItems names a table.
func checkBatchRequest(returnConsumed string, tables int) error {
	if err := checkReturnConsumed(returnConsumed); err != nil {
		return err
	}
	if tables == 0 {
		return validation("1 validation error detected: Value null at 'requestItems' failed to satisfy constraint: Member must have length greater than or equal to 1")
	}
	return nil
}

// sortedNames is the table names of a batch request in order, so tables are
// checked and reported the same way every time.
func sortedNames[V any](requestItems map[string]V) []string {
	names := make([]string, 0, len(requestItems))
	for n := range requestItems {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// batchKeys is the keys a batch has named so far in one table: DynamoDB
// rejects a batch that names an item twice.
type batchKeys map[string]bool

func (s batchKeys) add(key []byte) error {
	if s[string(key)] {
		return validation("Provided list of item keys contains duplicates")
	}
	s[string(key)] = true
	return nil
}

func opBatchGetItem(e *Engine, body []byte) (any, error) {
	var in struct {
		RequestItems           map[string]batchGetTable
		ReturnConsumedCapacity string
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if err := checkBatchRequest(in.ReturnConsumedCapacity, len(in.RequestItems)); err != nil {
		return nil, err
	}
	total := 0
	for _, r := range in.RequestItems {
		total += len(r.Keys)
	}
	if total > 100 {
		return nil, validation("Too many items requested for the BatchGetItem call")
	}
	type plan struct {
		t     *tableMeta
		keys  [][]byte
		proj  *expr.Projection
		consi bool
	}
	names := sortedNames(in.RequestItems)
	plans := map[string]*plan{}
	for _, n := range names {
		r := in.RequestItems[n]
		if len(r.Keys) == 0 {
			return nil, validation("1 validation error detected: Value '[]' at 'requestItems.%s.member.keys' failed to satisfy constraint: Member must have length greater than or equal to 1", n)
		}
		proj, err := parseProjection(r.ExpressionAttributeNames, r.ProjectionExpression)
		if err != nil {
			return nil, err
		}
		t, err := e.table(n)
		if err != nil {
			return nil, err
		}
		pl := &plan{t: t, proj: proj, consi: r.ConsistentRead}
		seen := batchKeys{}
		for _, k := range r.Keys {
			kb, err := keyFromKey(t, k)
			if err != nil {
				return nil, err
			}
			if err := seen.add(kb); err != nil {
				return nil, err
			}
			pl.keys = append(pl.keys, kb)
		}
		plans[n] = pl
	}
	responses := map[string][]attr.Item{}
	unprocessed := map[string]any{}
	respBytes := 0
	var consumed []map[string]any
	err := e.db.View(func(tx *bolt.Tx) error {
		for _, n := range names {
			pl := plans[n]
			c := newCapacity(pl.t, true)
			got := []attr.Item{}
			for i, k := range pl.keys {
				item, err := getItem(tx, pl.t, k)
				if err != nil {
					return err
				}
				var out attr.Item
				if item != nil {
					out = item
					if pl.proj != nil {
						out = pl.proj.Apply(item)
					}
					if respBytes > 0 && respBytes+attr.ItemSize(out) > maxBatchGetBytes {
						// DynamoDB returns at most 16 MB and hands back the rest.
						r := in.RequestItems[n]
						r.Keys = r.Keys[i:]
						unprocessed[n] = r
						break
					}
				}
				// Each item of a batch is its own read, rounded up separately.
				c.table += itemReadUnits(item, pl.consi)
				if out != nil {
					respBytes += attr.ItemSize(out)
					got = append(got, out)
				}
			}
			responses[n] = got
			if cc := c.render(n, in.ReturnConsumedCapacity); cc != nil {
				consumed = append(consumed, cc)
			}
		}
		return nil
	})
	if err != nil {
		return nil, asAPIError(err)
	}
	out := map[string]any{"Responses": responses, "UnprocessedKeys": unprocessed}
	if consumed != nil {
		out["ConsumedCapacity"] = consumed
	}
	return out, nil
}

type batchWriteRequest struct {
	PutRequest *struct {
		Item attr.Item
	}
	DeleteRequest *struct {
		Key attr.Item
	}
}

func opBatchWriteItem(e *Engine, body []byte) (any, error) {
	var in struct {
		RequestItems                map[string][]batchWriteRequest
		ReturnConsumedCapacity      string
		ReturnItemCollectionMetrics string
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if err := checkBatchRequest(in.ReturnConsumedCapacity, len(in.RequestItems)); err != nil {
		return nil, err
	}
	total := 0
	for n, r := range in.RequestItems {
		if len(r) == 0 || len(r) > 25 {
			return nil, validation("1 validation error detected: Value '{%s=[%d write requests]}' at 'requestItems' failed to satisfy constraint: Map value must satisfy constraint: [Member must have length less than or equal to 25, Member must have length greater than or equal to 1]", n, len(r))
		}
		total += len(r)
	}
	if total > 25 {
		return nil, validation("Too many items requested for the BatchWriteItem call")
	}
	type write struct {
		key  []byte
		item attr.Item // nil deletes
	}
	names := sortedNames(in.RequestItems)
	tables := map[string]*tableMeta{}
	writes := map[string][]write{}
	for _, n := range names {
		t, err := e.table(n)
		if err != nil {
			return nil, err
		}
		tables[n] = t
		seen := batchKeys{}
		for _, r := range in.RequestItems[n] {
			var w write
			switch {
			case r.PutRequest != nil && r.DeleteRequest == nil:
				if r.PutRequest.Item == nil {
					return nil, validation("1 validation error detected: Value null at 'requestItems.%s.member.putRequest.item' failed to satisfy constraint: Member must not be null", n)
				}
				kb, err := keyFromItem(t, r.PutRequest.Item)
				if err != nil {
					return nil, err
				}
				if err := checkItem(t, r.PutRequest.Item); err != nil {
					return nil, err
				}
				w = write{key: kb, item: r.PutRequest.Item}
			case r.DeleteRequest != nil && r.PutRequest == nil:
				kb, err := keyFromKey(t, r.DeleteRequest.Key)
				if err != nil {
					return nil, err
				}
				w = write{key: kb}
			default:
				return nil, validation("Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes")
			}
			if err := seen.add(w.key); err != nil {
				return nil, err
			}
			writes[n] = append(writes[n], w)
		}
	}
	var caps tableCapacities
	err := e.update(func(tx *bolt.Tx) error {
		caps = tableCapacities{}
		for _, n := range names {
			t := tables[n]
			c := caps.of(t, false)
			for _, w := range writes[n] {
				old, err := getItem(tx, t, w.key)
				if err != nil {
					return err
				}
				res, err := writeItem(tx, t, w.key, old, w.item)
				if err != nil {
					return err
				}
				c.addWrite(res, 1)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return caps.addTo(map[string]any{"UnprocessedItems": map[string]any{}}, in.ReturnConsumedCapacity), nil
}

// tableCapacities gathers the capacity a request spanning tables consumes,
// one entry a table, reported in table-name order.
type tableCapacities struct {
	caps  map[string]*capacity
	names []string
}

// of is the capacity of table t, begun on first use.
func (tc *tableCapacities) of(t *tableMeta, read bool) *capacity {
	c := tc.caps[t.Name]
	if c == nil {
		if tc.caps == nil {
			tc.caps = map[string]*capacity{}
		}
		c = newCapacity(t, read)
		tc.caps[t.Name] = c
		tc.names = append(tc.names, t.Name)
	}
	return c
}

// addTo sets out's ConsumedCapacity as mode asks; none when nothing renders.
func (tc *tableCapacities) addTo(out map[string]any, mode string) map[string]any {
	sort.Strings(tc.names)
	var consumed []map[string]any
	for _, n := range tc.names {
		if cc := tc.caps[n].render(n, mode); cc != nil {
			consumed = append(consumed, cc)
		}
	}
	if consumed != nil {
		out["ConsumedCapacity"] = consumed
	}
	return out
}
