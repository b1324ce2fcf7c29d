package search_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/shared/domain"
	"github.com/hapihub/hapihub/shared/query"
	"github.com/hapihub/hapihub/shared/schema"
	"github.com/hapihub/hapihub/shared/store"
	"github.com/hapihub/hapihub/shared/store/ranklist"
	"github.com/hapihub/hapihub/shared/store/storetest"
)

// wantList is what a rank list must hold: the ids of live objects, optionally with status v.
func wantList(live map[string]domain.Doc, status string) []string {
	var out []string
	for id, d := range live {
		if status == "" || d["status"] == status {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out
}

func checkLists(t *testing.T, st *store.Store, tn domain.Tenant, live map[string]domain.Doc) {
	t.Helper()
	ctx := context.Background()
	for _, status := range []string{"", "active", "inactive", "deceased"} {
		field := ""
		var v any
		if status != "" {
			field, v = "status", status
		}
		got, _, err := ranklist.RankList(ctx, st.Index.Ranks, tn, schema.Patients, field, v)
		require.NoError(t, err, "list %q", status)
		require.Equal(t, wantList(live, status), got, "list %q", status)
	}
}

// Concurrent creates, status changes and deletes through the transactional write path keep
// every rank list exact, with chunks splitting and emptying all along (3 ids per chunk).
func TestRankListsStayExactUnderConcurrentWrites(t *testing.T) {
	ranklist.SetRankChunkCap(t, 3)
	st := storetest.New(t)
	ctx := context.Background()
	tn := domain.Tenant{Account: "acct_1", Mode: domain.Test, Org: "org_rank"}
	statuses := []string{"active", "inactive", "deceased"}

	var mu sync.Mutex
	live := map[string]domain.Doc{}
	var wg sync.WaitGroup
	for w := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(w), 5))
			var mine []string
			for i := range 25 {
				switch {
				case len(mine) > 0 && i%5 == 4:
					id := mine[r.IntN(len(mine))]
					_, err := st.DeleteObject(ctx, tn, schema.Patients, id, 0, domain.Meta{})
					require.NoError(t, err)
					mine = slices.DeleteFunc(mine, func(x string) bool { return x == id })
					mu.Lock()
					delete(live, id)
					mu.Unlock()
				case len(mine) > 0 && i%3 == 2:
					id := mine[r.IntN(len(mine))]
					next, _, err := st.UpdateObject(ctx, tn, schema.Patients, id, 0, func(cur domain.Doc) (domain.Doc, error) {
						cur["status"] = statuses[r.IntN(3)]
						return cur, nil
					}, domain.Meta{})
					require.NoError(t, err)
					mu.Lock()
					live[id] = next
					mu.Unlock()
				default:
					d, err := st.CreateObject(ctx, tn, schema.Patients, domain.Doc{
						"firstName": "Ann", "lastName": fmt.Sprintf("W%d", w), "status": statuses[r.IntN(3)],
					}, domain.Meta{})
					require.NoError(t, err)
					mine = append(mine, d["id"].(string))
					mu.Lock()
					live[d["id"].(string)] = d
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	require.NotEmpty(t, live)
	checkLists(t, st, tn, live)

	// Emptying the resource leaves every list empty: chunks that empty merge into the one before.
	for id := range live {
		_, err := st.DeleteObject(ctx, tn, schema.Patients, id, 0, domain.Meta{})
		require.NoError(t, err)
		delete(live, id)
	}
	checkLists(t, st, tn, live)
	_, chunks, err := ranklist.RankList(ctx, st.Index.Ranks, tn, schema.Patients, "", nil)
	require.NoError(t, err)
	require.LessOrEqual(t, chunks, 1+ranklist.RankShards, "the first chunk and the tail's shards")
}

// Seeding in several calls, into lists that transactional writes also fill, then purging.
func TestRankListsSeedAndPurge(t *testing.T) {
	ranklist.SetRankChunkCap(t, 4)
	st := storetest.New(t)
	ctx := context.Background()
	tn := domain.Tenant{Account: "acct_1", Mode: domain.Test, Org: "org_seed"}
	r := rand.New(rand.NewPCG(3, 4))
	docs := genPatients(r, tn, 90)
	live := map[string]domain.Doc{}
	// Out of id order across calls, so later calls land in the middle of existing chunks.
	for _, part := range [][]domain.Doc{docs[40:70], docs[:40], docs[70:]} {
		require.NoError(t, st.SeedObjects(ctx, tn, "patients", part))
		for _, d := range part {
			live[d["id"].(string)] = d
		}
		checkLists(t, st, tn, live)
	}
	d, err := st.CreateObject(ctx, tn, schema.Patients, domain.Doc{"firstName": "A", "lastName": "B"}, domain.Meta{})
	require.NoError(t, err)
	live[d["id"].(string)] = d
	checkLists(t, st, tn, live)

	n, err := st.PurgeObjects(ctx, tn, schema.Patients)
	require.NoError(t, err)
	require.Equal(t, len(live), n)
	checkLists(t, st, tn, map[string]domain.Doc{})
}

// $skip and totals on a rank list read chunks, not what they skip, and agree with the index.
func TestFindSkipReadsRankChunks(t *testing.T) {
	ranklist.SetRankChunkCap(t, 50)
	st := storetest.New(t)
	ctx := context.Background()
	tn := domain.Tenant{Account: "acct_1", Mode: domain.Test, Org: "org_skip"}
	r := rand.New(rand.NewPCG(9, 9))
	docs := genPatients(r, tn, 600)
	require.NoError(t, st.SeedObjects(ctx, tn, "patients", docs))
	for _, raw := range []string{
		"status=active&$skip=150&$limit=10",
		"status=active&$skip=150&$limit=10&$sort[id]=-1",
		"$skip=420&$limit=25",
		"status=inactive&$limit=0&$total=true",
		"$skip=590&$limit=20&$total=true",
		"status=deceased&$skip=1000",
	} {
		q, got := rankedFind(t, st, tn, raw, docs)
		// Chunks hold 50 ids: a skip reads about skip/50 chunks plus the page, and the tail's
		// shards when it reaches them.
		require.LessOrEqual(t, got.Stats.Scanned, 2+ranklist.RankShards+q.Skip/50+len(got.Docs)+len(docs)/50*btoi(q.Total), raw)
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// A table whose objects predate rank lists gets them built once, at start-up.
func TestEnsureRankListsRebuildsOldData(t *testing.T) {
	ranklist.SetRankChunkCap(t, 5)
	st := storetest.New(t)
	ctx := context.Background()
	tn := domain.Tenant{Account: "acct_1", Mode: domain.Test, Org: "org_old"}
	docs := genPatients(rand.New(rand.NewPCG(1, 2)), tn, 40)
	require.NoError(t, st.SeedObjects(ctx, tn, "patients", docs))
	live := map[string]domain.Doc{}
	for _, d := range docs {
		live[d["id"].(string)] = d
	}
	require.NoError(t, st.EnsureRankLists(ctx)) // first start: builds and marks
	checkLists(t, st, tn, live)

	require.NoError(t, ranklist.ForgetRankLists(ctx, st.Index.Ranks, tn, schema.Patients, "active", "inactive", "deceased"))
	got, _, err := ranklist.RankList(ctx, st.Index.Ranks, tn, schema.Patients, "", nil)
	require.NoError(t, err)
	require.Empty(t, got)
	require.NoError(t, st.EnsureRankLists(ctx))
	checkLists(t, st, tn, live)
}

// Paging by offset while objects are created (new ids, so after every page read so far) and
// changed in fields outside the filter: each object present from the start comes exactly once,
// in id order, and every returned object matches the filter. Chunks split under the pager.
func TestSkipPagingWhileWriting(t *testing.T) {
	ranklist.SetRankChunkCap(t, 6)
	st := storetest.New(t)
	ctx := context.Background()
	tn := domain.Tenant{Account: "acct_1", Mode: domain.Test, Org: "org_paging"}
	docs := genPatients(rand.New(rand.NewPCG(5, 6)), tn, 150)
	require.NoError(t, st.SeedObjects(ctx, tn, "patients", docs))

	stop := make(chan struct{})
	var wg sync.WaitGroup
	defer wg.Wait()
	defer close(stop) // also when a require below fails: the writer must not outlive the test
	wg.Add(1)
	go func() {
		defer wg.Done()
		r := rand.New(rand.NewPCG(7, 8))
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			if i%2 == 0 {
				_, err := st.CreateObject(ctx, tn, schema.Patients, domain.Doc{"firstName": "New", "lastName": "Comer", "status": "active"}, domain.Meta{})
				if !assert.NoError(t, err) {
					return
				}
				continue
			}
			_, _, err := st.UpdateObject(ctx, tn, schema.Patients, docs[r.IntN(len(docs))]["id"].(string), 0, func(cur domain.Doc) (domain.Doc, error) {
				cur["lastName"] = fmt.Sprintf("Renamed%d", i)
				return cur, nil
			}, domain.Meta{})
			if !assert.NoError(t, err) {
				return
			}
		}
	}()
	for _, filter := range []string{"status=active&", ""} {
		var want []string
		for _, d := range docs {
			if filter == "" || d["status"] == "active" {
				want = append(want, d["id"].(string))
			}
		}
		slices.Sort(want)
		var got []string
		for skip := 0; ; skip += 7 {
			q, err := query.ParseRaw(schema.Patients, fmt.Sprintf("%s$skip=%d&$limit=7", filter, skip))
			require.NoError(t, err)
			res, err := st.Find(ctx, tn, schema.Patients, q)
			require.NoError(t, err)
			if skip > 0 {
				require.Contains(t, res.Stats.Plan, "rank list")
			}
			for _, d := range res.Docs {
				if filter != "" {
					require.Equal(t, "active", d["status"])
				}
				got = append(got, d["id"].(string))
			}
			if len(res.Docs) == 0 || len(got) > len(want)+40 {
				break
			}
		}
		require.True(t, slices.IsSorted(got), "pages in id order")
		require.Equal(t, len(got), len(slices.Compact(slices.Clone(got))), "no object twice")
		require.Equal(t, want, got[:len(want)], "every object present from the start, once (%s)", filter)
	}
}

// rankedFind runs raw through the store and requires a rank-list answer that agrees with the
// in-memory evaluator over docs: page and, when asked, total.
func rankedFind(t *testing.T, st *store.Store, tn domain.Tenant, raw string, docs []domain.Doc) (*query.Query, domain.Result) {
	t.Helper()
	q, err := query.ParseRaw(schema.Patients, raw)
	require.NoError(t, err)
	got, err := st.Find(context.Background(), tn, schema.Patients, q)
	require.NoError(t, err, raw)
	require.Contains(t, got.Stats.Plan, "rank list", raw)
	wantPage, wantTotal := q.Run(schema.Patients, docs)
	require.Equal(t, ids(wantPage), ids(got.Docs), raw)
	if q.Total {
		require.Equal(t, wantTotal, got.Total, raw)
	}
	return q, got
}
