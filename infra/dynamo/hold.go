package dynamo

import (
	"encoding/json"
	"fmt"
	"sync"

	"github.com/hapihub/hapihub/infra/dynamo/attr"
)

// HoldItem holds the item at key (DynamoDB JSON, e.g. {"PK":{"S":"a"},"SK":{"S":"b"}}) of
// table as an in-flight TransactWriteItems does, until release is called: meanwhile single-item
// writes of it fail with TransactionConflictException and transactions naming it are cancelled
// (conflicts.go). For tests of how callers live with another request's transaction: such an
// overlap cannot be arranged through the API. An error when conflicts are off (Options.NoConflicts).
func (e *Engine) HoldItem(table string, key []byte) (release func(), err error) {
	if e.holds == nil {
		return nil, fmt.Errorf("dynamo: conflicts are off")
	}
	var k attr.Item
	if err := json.Unmarshal(key, &k); err != nil {
		return nil, fmt.Errorf("dynamo: hold: %w", err)
	}
	t, err := e.table(table)
	if err != nil {
		return nil, err
	}
	kb, err := keyFromKey(t, k)
	if err != nil {
		return nil, err
	}
	ids := []string{holdID(t, kb)}
	if c := e.holds.acquireTx(ids); c != nil {
		return nil, fmt.Errorf("dynamo: hold: the item is held already")
	}
	var once sync.Once
	return func() { once.Do(func() { e.holds.release(e.holds.tx, ids) }) }, nil
}
