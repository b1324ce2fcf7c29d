package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/shared/schema"
	"github.com/hapihub/hapihub/shared/store"
)

// Sixteen writers create patients in one organization while also patching one shared patient,
// on the engine with DynamoDB's transaction conflicts on (infra/dynamo/conflicts.go): creates
// meet on the rank lists' tail chunks and patches on the shared object, so transactions are
// cancelled (TransactionConflict) or lose their version race, and the store plans them again.
// In the end every create is stored and listed exactly once, in order, and every patch is in
// the shared object: conflicts cost retries, never a write.
func TestConcurrentWritersInOneOrganizationConflictAndLoseNothing(t *testing.T) {
	store.SetRankChunkCap(t, 20) // splits all along the way
	st := newTable(t)
	ctx := context.Background()
	tn := store.Tenant{Account: "acct_1", Mode: store.Test, Org: "org_hot"}
	shared, err := st.CreateObject(ctx, tn, schema.Patients, store.Doc{"firstName": "Shared", "lastName": "Object", "status": "active", "metadata": map[string]any{}}, store.Meta{})
	require.NoError(t, err)
	sharedID := shared["id"].(string)

	const writers, creates, patches = 16, 20, 3
	statuses := []string{"active", "inactive", "deceased"}
	var mu sync.Mutex
	live := map[string]store.Doc{sharedID: shared}
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range creates {
				d, err := st.CreateObject(ctx, tn, schema.Patients, store.Doc{
					"firstName": "Ann", "lastName": fmt.Sprintf("W%d", w), "status": statuses[(w+i)%3],
				}, store.Meta{})
				if !assertNoError(t, err) {
					return
				}
				mu.Lock()
				live[d["id"].(string)] = d
				mu.Unlock()
				if i < patches {
					_, _, err := st.UpdateObject(ctx, tn, schema.Patients, sharedID, 0, func(cur store.Doc) (store.Doc, error) {
						m, _ := cur["metadata"].(map[string]any)
						if m == nil {
							m = map[string]any{}
						}
						m[fmt.Sprintf("w%d_%d", w, i)] = "x"
						cur["metadata"] = m
						return cur, nil
					}, store.Meta{})
					if !assertNoError(t, err) {
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	require.False(t, t.Failed())
	require.Positive(t, st.ConflictRetries(), "16 writers in one organization never had a transaction cancelled")
	t.Logf("%d creates and %d patches by %d writers: %d transactions planned again", writers*creates, writers*patches, writers, st.ConflictRetries())

	require.Len(t, live, writers*creates+1)
	for id := range live {
		_, _, err := st.GetObject(ctx, tn, schema.Patients, id)
		require.NoError(t, err, "created %s is gone", id)
	}
	checkLists(t, st, tn, live)
	got, _, err := st.GetObject(ctx, tn, schema.Patients, sharedID)
	require.NoError(t, err)
	require.Len(t, got["metadata"], writers*patches, "a patch was lost")
}

// assertNoError reports err from a writer goroutine (require would stop only that goroutine).
func assertNoError(t *testing.T, err error) bool {
	t.Helper()
	if err != nil {
		t.Errorf("write failed: %v", err)
		return false
	}
	return true
}
