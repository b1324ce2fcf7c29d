package search_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/shared/domain"
	"github.com/hapihub/hapihub/shared/schema"
	"github.com/hapihub/hapihub/shared/store/ranklist"
	"github.com/hapihub/hapihub/shared/store/storetest"
)

// Sixteen writers create patients in one organization and change the status of some, on the
// engine with DynamoDB's transaction conflicts on (infra/dynamo/conflicts.go): writes meet on
// the rank lists' tail shards (every create of the organization adds to the same lists), so
// transactions are cancelled (TransactionConflict) or fail an index condition, and the store
// plans them again. In the end every create is stored and listed exactly once, in order, in the
// list of its current status: conflicts cost retries, never a write. (Many writers patching one
// object is contention on that object, answered lock_timeout: TestUpdateObject*.)
func TestConcurrentWritersInOneOrganizationConflictAndLoseNothing(t *testing.T) {
	ranklist.SetRankChunkCap(t, 4*ranklist.RankShards) // the whole-resource tail rolls twice
	st := storetest.New(t)
	ctx := context.Background()
	tn := domain.Tenant{Account: "acct_1", Mode: domain.Test, Org: "org_hot"}
	const writers, creates, patches = 16, 20, 3
	statuses := []string{"active", "inactive", "deceased"}
	var mu sync.Mutex
	live := map[string]domain.Doc{}
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range creates {
				d, err := st.CreateObject(ctx, tn, schema.Patients, domain.Doc{
					"firstName": "Ann", "lastName": fmt.Sprintf("W%d", w), "status": statuses[(w+i)%3],
				}, domain.Meta{})
				if !assertNoError(t, err) {
					return
				}
				mu.Lock()
				live[d["id"].(string)] = d
				mu.Unlock()
				if i%(creates/patches) == 0 {
					next, _, err := st.UpdateObject(ctx, tn, schema.Patients, d["id"].(string), 0, func(cur domain.Doc) (domain.Doc, error) {
						cur["status"] = statuses[(w+i+1)%3]
						return cur, nil
					}, domain.Meta{})
					if !assertNoError(t, err) {
						return
					}
					mu.Lock()
					live[d["id"].(string)] = next
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	require.False(t, t.Failed())
	require.Positive(t, st.ConflictRetries(), "16 writers in one organization never had a transaction cancelled")
	t.Logf("%d creates and %d status changes by %d writers: %d transactions planned again", writers*creates, writers*patches, writers, st.ConflictRetries())

	require.Len(t, live, writers*creates)
	for id, want := range live {
		got, _, err := st.GetObject(ctx, tn, schema.Patients, id)
		require.NoError(t, err, "created %s is gone", id)
		require.Equal(t, want["status"], got["status"], "a status change of %s was lost", id)
	}
	checkLists(t, st, tn, live)
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
