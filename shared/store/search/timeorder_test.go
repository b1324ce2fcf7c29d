package search_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/shared/domain"
	"github.com/hapihub/hapihub/shared/query"
	"github.com/hapihub/hapihub/shared/schema"
	"github.com/hapihub/hapihub/shared/store"
	"github.com/hapihub/hapihub/shared/store/core"
	"github.com/hapihub/hapihub/shared/store/ranklist"
	"github.com/hapihub/hapihub/shared/store/storetest"
)

// tiedPatients is an organization whose patients were created in few milliseconds (about 12 per
// millisecond): seeded ones from generated times, created ones through the store's transactional
// create under a clock that moves 1 ms every 12 reads. createdAt ties are the rule, so the order
// within a millisecond is all id tie-break.
func tiedPatients(t *testing.T, st *store.Store, tn domain.Tenant) []domain.Doc {
	t.Helper()
	ctx := context.Background()
	r := rand.New(rand.NewPCG(15, 15))
	base := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	docs := genPatients(r, tn, 360)
	for _, d := range docs {
		created := base.Add(time.Duration(r.IntN(30)) * time.Millisecond)
		d["id"], d["createdAt"] = core.IDFrom("pat", created, cryptoless{r}), created.UnixMilli()
	}
	require.NoError(t, st.SeedObjects(ctx, tn, "patients", docs))
	var reads atomic.Int64
	st.Now = func() time.Time { return base.Add(time.Duration(40+reads.Add(1)/12) * time.Millisecond) }
	for i := range 120 {
		d, err := st.CreateObject(ctx, tn, schema.Patients, domain.Doc{"firstName": "Tie", "lastName": fmt.Sprint("T", i%5),
			"status": statuses[i%3]}, domain.Meta{})
		require.NoError(t, err)
		docs = append(docs, d)
	}
	return docs
}

// A sort on createdAt (alone, or with id ties the same way) is answered in id order: from the
// rank lists when it skips or totals, for the whole resource and one status, both directions, and
// every page, total and cursor walk equals the in-memory evaluator's (query.Order over every
// object). Shapes that are not id order are planned as before, and agree too.
func TestCreatedAtSortIsIDOrder(t *testing.T) {
	ranklist.SetRankChunkCap(t, 7) // many chunks, and the tail's shards
	st := storetest.New(t)
	ctx := context.Background()
	tn := domain.Tenant{Account: "acct_1", Mode: domain.Test, Org: "org_ties"}
	docs := tiedPatients(t, st, tn)
	ms := map[int64]int{}
	for _, d := range docs {
		ms[d["createdAt"].(int64)]++
	}
	require.Less(t, len(ms), len(docs)/8, "most patients share their millisecond")

	check := func(t *testing.T, raw string, rewritten bool) {
		t.Helper()
		q, err := query.ParseRaw(schema.Patients, raw)
		require.NoError(t, err, raw)
		got, err := st.Find(ctx, tn, schema.Patients, q)
		require.NoError(t, err, raw)
		want, total := q.Run(schema.Patients, docs)
		require.Equal(t, ids(want), ids(got.Docs), "%s (plan %s)", raw, got.Stats.Plan)
		if q.Total {
			require.Equal(t, total, got.Total, "total of %s (plan %s)", raw, got.Stats.Plan)
		}
		require.Equal(t, rewritten, strings.Contains(got.Stats.Plan, "createdAt order = id order"), "%s: plan %s", raw, got.Stats.Plan)
		exactRank := rewritten && !strings.Contains(raw, "[$") && !strings.Contains(raw, "lastName")
		if exactRank && (q.Skip > 0 || q.Total) {
			require.Contains(t, got.Stats.Plan, "rank list", raw)
			// Chunks of 7: what is skipped is counted from chunks, not read.
			require.LessOrEqual(t, got.Stats.Scanned, 2+ranklist.RankShards+len(docs)/7+len(got.Docs), "%s (plan %s)", raw, got.Stats.Plan)
		}
	}
	for _, dir := range []string{"1", "-1"} {
		for _, filter := range []string{"", "status=active&", "status=deceased&"} {
			for _, sort := range []string{"$sort[createdAt]=" + dir, "$sort[0][createdAt]=" + dir + "&$sort[1][id]=" + dir} {
				for _, page := range []string{"$limit=10", "$skip=13&$limit=7", "$skip=150&$limit=25&$total=true", "$skip=470&$limit=20",
					"$limit=0&$total=true", "$skip=1000&$total=true"} {
					check(t, filter+sort+"&"+page, true)
				}
			}
			// Hubpay's dialect: pages are offsets with a total.
			word := map[string]string{"1": "asc", "-1": "desc"}[dir]
			check(t, filter+"sort=createdAt,"+word+"&page=3&size=9", true)
			// createdAt ranges in id order: id ranges, tied milliseconds on both edges.
			lo, hi := docs[5]["createdAt"].(int64), docs[9]["createdAt"].(int64)
			lo, hi = min(lo, hi), max(lo, hi)
			for _, rng := range []string{fmt.Sprintf("createdAt[$gte]=%d&createdAt[$lte]=%d", lo, hi),
				fmt.Sprintf("createdAt[$gt]=%d&createdAt[$lt]=%d", lo, hi), fmt.Sprintf("createdAt[$gt]=%d", hi),
				fmt.Sprintf("createdAt[$lt]=%d", lo), fmt.Sprintf("createdAt[$gt]=%d&createdAt[$lt]=%d", hi, lo), "createdAt[$gte]=-5"} {
				check(t, filter+rng+"&$sort[createdAt]="+dir+"&$skip=3&$limit=15", true)
				check(t, filter+rng+"&$sort[createdAt]="+dir+"&$limit=100&$total=true", true)
			}
			check(t, filter+"lastName=T1&$sort[createdAt]="+dir+"&$limit=5", true)
			// Not id order: a key after createdAt, or ties by id the other way.
			other := map[string]string{"1": "-1", "-1": "1"}[dir]
			check(t, filter+"$sort[0][createdAt]="+dir+"&$sort[1][id]="+other+"&$skip=20&$limit=10", false)
			check(t, filter+"$sort[0][createdAt]="+dir+"&$sort[1][lastName]=1&$limit=10", false)
		}
	}

	// Cursor pages, as the handler builds them (shared/api/find.go), walk the offset order.
	for _, raw := range []string{"$sort[createdAt]=-1", "$sort[createdAt]=1", "status=active&$sort[createdAt]=-1",
		"$sort[0][createdAt]=1&$sort[1][id]=1", fmt.Sprintf("createdAt[$gte]=%d&$sort[createdAt]=-1", docs[0]["createdAt"].(int64))} {
		full, err := query.ParseRaw(schema.Patients, raw+"&$limit=96")
		require.NoError(t, err)
		want, _ := full.Run(schema.Patients, docs)
		var walked []string
		cursor := ""
		for range 200 {
			q, err := query.ParseRaw(schema.Patients, raw+"&$limit=8")
			require.NoError(t, err)
			if cursor != "" {
				anchor, _, err := st.GetObject(ctx, tn, schema.Patients, cursor)
				require.NoError(t, err)
				q.Cursor = &query.Cursor{ID: cursor, Param: query.ParamStartingAfter}
				q.Seek(schema.Patients, anchor)
			}
			got, err := st.Find(ctx, tn, schema.Patients, q)
			require.NoError(t, err, raw)
			assert.Contains(t, got.Stats.Plan, "createdAt order = id order", raw)
			assert.LessOrEqual(t, got.Stats.Scanned, 2*8+2, "a cursor page reads its page (%s, plan %s)", raw, got.Stats.Plan)
			walked = append(walked, ids(got.Docs)...)
			if len(got.Docs) < 8 || len(walked) >= 96 {
				break
			}
			cursor = walked[len(walked)-1]
		}
		assert.Equal(t, ids(want), walked, raw)
	}
}
