package dynamo

import (
	"sync"
	"sync/atomic"
)

// Transaction conflicts, as DynamoDB has them
// (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis.html#transaction-conflict-handling):
// while a TransactWriteItems is in flight it holds every item it names, and
//
//   - a PutItem, UpdateItem or DeleteItem of a held item fails with TransactionConflictException;
//   - a TransactWriteItems naming a held item is cancelled, reason TransactionConflict on that item;
//   - a TransactGetItems naming an item held by a transaction or a single-item write in flight is
//     cancelled the same way.
//
// A transaction is in flight from the moment its request is checked until its commit, which here
// includes the wait for the group committer: under concurrency that is when writes of one hot
// item overlap, as they do on DynamoDB. Single-item writes are held too, but only TransactGetItems
// looks at them (the documented rules). Options.NoConflicts turns all of this off.

type holds struct {
	mu     sync.Mutex
	tx     map[string]int // items held by transactional writes in flight
	single map[string]int // items held by single-item writes in flight
	// conflicts counts the requests refused for a conflict (for benchmarks and tests).
	conflicts atomic.Int64
}

func newHolds() *holds {
	return &holds{tx: map[string]int{}, single: map[string]int{}}
}

func holdID(t *tableMeta, key []byte) string { return t.Name + "\x00" + string(key) }

// acquireTx takes every item of a transactional write, or none: it returns the positions of the
// items another transaction holds.
func (h *holds) acquireTx(ids []string) (conflicted []int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for i, id := range ids {
		if h.tx[id] > 0 {
			conflicted = append(conflicted, i)
		}
	}
	if len(conflicted) > 0 {
		h.conflicts.Add(1)
		return conflicted
	}
	for _, id := range ids {
		h.tx[id]++
	}
	return nil
}

func (h *holds) release(m map[string]int, ids []string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, id := range ids {
		if m[id]--; m[id] <= 0 {
			delete(m, id)
		}
	}
}

// acquireSingle takes an item for a single-item write unless a transaction holds it.
func (h *holds) acquireSingle(id string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.tx[id] > 0 {
		h.conflicts.Add(1)
		return false
	}
	h.single[id]++
	return true
}

// readConflicts are the positions of items a transactional read may not see yet.
func (h *holds) readConflicts(ids []string) (conflicted []int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for i, id := range ids {
		if h.tx[id] > 0 || h.single[id] > 0 {
			conflicted = append(conflicted, i)
		}
	}
	if len(conflicted) > 0 {
		h.conflicts.Add(1)
	}
	return conflicted
}

// Conflicts is how many requests the engine refused for a transaction conflict so far.
func (e *Engine) Conflicts() int64 {
	if e.holds == nil {
		return 0
	}
	return e.holds.conflicts.Load()
}

// conflictException is a single-item write's answer when a transaction holds its item.
func conflictException() *apiError {
	return &apiError{status: 400, code: "TransactionConflictException", ns: nsDynamo,
		msg: "Transaction is ongoing for the item"}
}

// cancelledByConflict is a transaction's answer when items at the given positions are held.
func cancelledByConflict(n int, conflicted []int) *apiError {
	reasons := make([]cancellationReason, n)
	codes := make([]string, n)
	for i := range reasons {
		reasons[i] = cancellationReason{Code: "None"}
	}
	for _, i := range conflicted {
		reasons[i] = cancellationReason{Code: "TransactionConflict", Message: "Transaction is ongoing for the item"}
	}
	for i, r := range reasons {
		codes[i] = r.Code
	}
	return transactionCancelled(reasons, codes)
}
