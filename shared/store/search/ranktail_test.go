package search_test

import (
	"context"
	"crypto/rand"
	"errors"
	"maps"
	mrand "math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/shared/domain"
	"github.com/hapihub/hapihub/shared/schema"
	"github.com/hapihub/hapihub/shared/store/core"
	"github.com/hapihub/hapihub/shared/store/ranklist"
	"github.com/hapihub/hapihub/shared/store/storetest"
)

// tailRace drives one rank list's writes by hand: each write is planned against the list as it
// is, and committed when the test says, so a test can commit a concurrent writer in between.
type tailRace struct {
	t     *testing.T
	ctx   context.Context
	ranks *ranklist.Lists
	pk    string
	ids   []string // listed, in the order created
	next  time.Time
}

// newTailRace is a fresh list whose shards hold 2 ids (chunk cap 32): a quiet list fills
// shards 0, 1, 2 and rolls at 6 ids.
func newTailRace(t *testing.T) *tailRace {
	ranklist.SetRankChunkCap(t, 32)
	st := storetest.New(t)
	tn := domain.Tenant{Account: "acct_1", Mode: domain.Test, Org: "org_tail"}
	return &tailRace{t: t, ctx: context.Background(), ranks: st.Index.Ranks, pk: ranklist.PK(tn, schema.Patients, "", nil),
		next: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
}

// id is a new id, a minute after the last (a quiet list: one lane).
func (r *tailRace) id() string {
	r.next = r.next.Add(time.Minute)
	return core.IDFrom("pat", r.next, rand.Reader)
}

func (r *tailRace) commit(w []types.TransactWriteItem) error {
	if len(w) == 0 {
		return nil
	}
	_, err := r.ranks.DB.TransactWriteItems(r.ctx, &dynamodb.TransactWriteItemsInput{TransactItems: w})
	return err
}

// insert plans and commits the insert of a new id; it returns the id.
func (r *tailRace) insert() string {
	id := r.id()
	w, err := ranklist.PlanInsert(r.ctx, r.ranks, r.pk, id)
	require.NoError(r.t, err)
	require.NoError(r.t, r.commit(w))
	r.ids = append(r.ids, id)
	return id
}

func (r *tailRace) roll() {
	w, err := ranklist.PlanRoll(r.ctx, r.ranks, r.pk)
	require.NoError(r.t, err)
	require.NoError(r.t, r.commit(w))
}

// cancelled asserts that a write planned before a concurrent one committed is refused whole.
func (r *tailRace) cancelled(w []types.TransactWriteItem, what string) {
	var tce *types.TransactionCanceledException
	require.True(r.t, errors.As(r.commit(w), &tce), "%s committed over a concurrent write", what)
}

// exact checks the list's layout and that it holds exactly the ids listed.
func (r *tailRace) exact() {
	got, _, err := ranklist.CheckList(r.ctx, r.ranks, r.pk)
	require.NoError(r.t, err)
	want := slices.Sorted(slices.Values(r.ids))
	require.Equal(r.t, want, got)
}

func (r *tailRace) shards() int {
	n, err := ranklist.TailShards(r.ctx, r.ranks, r.pk)
	require.NoError(r.t, err)
	return n
}

// An insert planned into a shard that did not exist yet, committed after other inserts created
// that shard and a roll deleted it again, is refused (the anchor's bound changed), before the
// first roll (no bound yet) and after it (the new shard would carry the old bound). Planned
// again, it lands below the tail, in its closed chunk.
func TestInsertIntoAbsentShardRacingARoll(t *testing.T) {
	r := newTailRace(t)
	r.insert()    // the anchor
	for range 2 { // before the first roll, and after it
		// Fill the shards present, until an insert would create one.
		for {
			before := r.shards()
			id := r.id()
			w, err := ranklist.PlanInsert(r.ctx, r.ranks, r.pk, id)
			require.NoError(t, err)
			creates := false
			for _, it := range w {
				creates = creates || it.Update != nil && strings.HasPrefix(*it.Update.ConditionExpression, "attribute_not_exists") &&
					it.Update.Key["SK"].(*types.AttributeValueMemberS).Value != "t00"
			}
			if !creates {
				require.NoError(t, r.commit(w))
				r.ids = append(r.ids, id)
				continue
			}
			// w creates a shard: others create it and fill the tail, a roll deletes it.
			require.Equal(t, before, r.shards())
			for r.shards() == before {
				r.insert()
			}
			r.roll()
			r.exact()
			r.cancelled(w, "an insert into a shard created and rolled away since it was read")
			w, err = ranklist.PlanInsert(r.ctx, r.ranks, r.pk, id)
			require.NoError(t, err)
			require.NoError(t, r.commit(w))
			r.ids = append(r.ids, id)
			r.exact()
			break
		}
	}
}

// A roll planned while a lane was empty is refused when an insert has since created that lane's
// shard: otherwise the new shard would survive the roll with the old bound, its id lost from
// the tail's order.
func TestRollRacingAnInsertIntoAnAbsentShard(t *testing.T) {
	r := newTailRace(t)
	r.insert()
	r.insert() // shard 0 full, 1 and 2 absent
	roll, err := ranklist.PlanRoll(r.ctx, r.ranks, r.pk)
	require.NoError(t, err)
	r.insert() // creates shard 1
	r.cancelled(roll, "a roll unaware of a shard created since it read the tail")
	r.exact()
	r.roll()
	r.exact()
	require.Equal(t, 1, r.shards(), "a roll leaves the anchor alone")
}

// An add planned into an existing shard, committed after a roll deleted that shard (and after
// an insert created it again with the new bound), is refused.
func TestAddToAShardRolledAway(t *testing.T) {
	for _, recreate := range []bool{false, true} {
		r := newTailRace(t)
		r.insert()
		r.insert()
		r.insert() // shard 1 holds one id: room for one more
		id := r.id()
		w, err := ranklist.PlanInsert(r.ctx, r.ranks, r.pk, id)
		require.NoError(t, err)
		r.insert() // shard 1 full
		r.roll()
		if recreate {
			r.insert() // anchor full
			r.insert() // shard 1 again, with the new bound
		}
		r.cancelled(w, "an add to a shard rolled away")
		r.exact()
	}
}

// A removal and a roll that read the same tail: whichever commits second is refused, and the
// removal planned again takes the id out of the closed chunk the roll moved it to.
func TestRemoveRacingARoll(t *testing.T) {
	r := newTailRace(t)
	for range 6 {
		r.insert()
	}
	// Roll first planned, removal committed first.
	roll, err := ranklist.PlanRoll(r.ctx, r.ranks, r.pk)
	require.NoError(t, err)
	gone := r.ids[2]
	rm, err := ranklist.PlanRemove(r.ctx, r.ranks, r.pk, gone)
	require.NoError(t, err)
	require.NoError(t, r.commit(rm))
	r.ids = slices.DeleteFunc(r.ids, func(x string) bool { return x == gone })
	r.cancelled(roll, "a roll of a tail an id was removed from since")
	r.exact()
	// Removal planned first, roll committed first.
	gone = r.ids[3]
	rm, err = ranklist.PlanRemove(r.ctx, r.ranks, r.pk, gone)
	require.NoError(t, err)
	r.roll()
	r.cancelled(rm, "a removal from a shard rolled away")
	r.exact()
	rm, err = ranklist.PlanRemove(r.ctx, r.ranks, r.pk, gone)
	require.NoError(t, err)
	require.NoError(t, r.commit(rm))
	r.ids = slices.DeleteFunc(r.ids, func(x string) bool { return x == gone })
	r.exact()
}

// A quiet list's tail stays in at most 3 shard items however many ids go through it, and its
// chunks stay full: each roll tops up the last chunk before opening another.
func TestQuietListTailStaysSmall(t *testing.T) {
	r := newTailRace(t)
	for range 200 {
		r.insert()
		require.LessOrEqual(t, r.shards(), 3)
	}
	r.exact()
	_, items, err := ranklist.CheckList(r.ctx, r.ranks, r.pk)
	require.NoError(t, err)
	require.LessOrEqual(t, items, 200/32+1+3, "chunks of 32 ids and the tail")
}

// A data directory written with the v2 layout (every shard written at each roll, no lanes) reads
// and writes right: its lists are 32-lane lists until EnsureRankLists (marker v3) rebuilds them
// with one-item tails.
func TestV2TailLayoutStillReadsAndWrites(t *testing.T) {
	ranklist.SetRankChunkCap(t, 32)
	st := storetest.New(t)
	ctx := context.Background()
	tn := domain.Tenant{Account: "acct_1", Mode: domain.Test, Org: "org_v2"}
	docs := genPatients(mrand.New(mrand.NewPCG(4, 4)), tn, 120)
	require.NoError(t, st.SeedObjects(ctx, tn, "patients", docs))
	require.NoError(t, st.EnsureRankLists(ctx))
	live := map[string]domain.Doc{}
	for _, d := range docs {
		live[d["id"].(string)] = d
	}
	lists := []string{ranklist.PK(tn, schema.Patients, "", nil)}
	for _, s := range []string{"active", "inactive", "deceased"} {
		lists = append(lists, ranklist.PK(tn, schema.Patients, "status", s))
	}
	for _, pk := range lists {
		require.NoError(t, ranklist.LegacyTail(ctx, st.Index.Ranks, pk))
	}
	n, err := ranklist.TailShards(ctx, st.Index.Ranks, lists[0])
	require.NoError(t, err)
	require.Equal(t, ranklist.RankShards, n)
	checkLists(t, st, tn, live)

	// Creates (enough to roll the 32 shards of 2 ids), deletes and status changes, concurrently.
	var mu sync.Mutex
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 25 {
				d, err := st.CreateObject(ctx, tn, schema.Patients, domain.Doc{"firstName": "N", "lastName": "W", "status": []string{"active", "inactive"}[(w+i)%2]}, domain.Meta{})
				if !assertNoError(t, err) {
					return
				}
				mu.Lock()
				live[d["id"].(string)] = d
				mu.Unlock()
				if i%5 == 0 {
					id := docs[w*25+i]["id"].(string)
					_, err := st.DeleteObject(ctx, tn, schema.Patients, id, 0, domain.Meta{})
					if !assertNoError(t, err) {
						return
					}
					mu.Lock()
					delete(live, id)
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	checkLists(t, st, tn, live)
	all := slices.Collect(maps.Values(live))
	for _, raw := range []string{"$sort[id]=-1&$skip=30&$limit=10&$total=true", "status=active&$sort[id]=-1&$skip=5&$limit=10&$total=true", "$skip=150&$limit=10"} {
		rankedFind(t, st, tn, raw, all)
	}

	require.NoError(t, st.EnsureRankLists(ctx)) // the marker is v2's: rebuilt
	checkLists(t, st, tn, live)
	for _, pk := range lists {
		n, err := ranklist.TailShards(ctx, st.Index.Ranks, pk)
		require.NoError(t, err)
		require.LessOrEqual(t, n, 1, pk)
	}
}

// Creates that overlap (one that started earlier commits after a later one) make a quiet list
// busy, every lane written; a roll after a slow period makes it quiet again (the anchor alone).
// A spread is refused when an insert added to a shard or created one since it read the tail.
func TestOverlappingCreatesSpreadAQuietListAndASlowPeriodFoldsIt(t *testing.T) {
	r := newTailRace(t)
	r.insert()
	spread, err := ranklist.PlanSpread(r.ctx, r.ranks, r.pk)
	require.NoError(t, err)
	r.insert() // into t00
	r.cancelled(spread, "a spread of a tail added to since")
	spread, err = ranklist.PlanSpread(r.ctx, r.ranks, r.pk)
	require.NoError(t, err)
	r.insert() // creates t01
	r.cancelled(spread, "a spread unaware of a shard created since")
	r.exact()
	require.Equal(t, 2, r.shards())

	for range 20 {
		r.insert() // one writer, in order: the list stays quiet
		require.LessOrEqual(t, r.shards(), 3)
	}
	early := r.id()
	r.insert() // started later, committed first
	w, err := ranklist.PlanInsert(r.ctx, r.ranks, r.pk, early)
	require.NoError(t, err)
	require.NoError(t, r.commit(w))
	r.ids = append(r.ids, early)
	require.Equal(t, ranklist.RankShards, r.shards(), "overlapping creates spread the list")
	r.exact()
	for r.shards() > 1 {
		r.insert() // a minute apart: the next roll folds the list
	}
	r.exact()
	for range 10 {
		r.insert()
		require.LessOrEqual(t, r.shards(), 3)
	}
	r.exact()
}

// A status change lists an older id after newer ones: that is not overlapping creates, and a
// quiet list stays quiet.
func TestStatusChangesKeepAQuietListQuiet(t *testing.T) {
	ranklist.SetRankChunkCap(t, 32)
	st := storetest.New(t)
	ctx := context.Background()
	tn := domain.Tenant{Account: "acct_1", Mode: domain.Test, Org: "org_quiet"}
	var made []string
	for i := range 6 {
		d, err := st.CreateObject(ctx, tn, schema.Patients, domain.Doc{"firstName": "A", "lastName": "B", "status": []string{"active", "inactive"}[i%2]}, domain.Meta{})
		require.NoError(t, err)
		made = append(made, d["id"].(string))
	}
	live := map[string]domain.Doc{}
	for _, id := range slices.Backward(made[:4]) { // newest first: older ids after newer ones
		next, _, err := st.UpdateObject(ctx, tn, schema.Patients, id, 0, func(cur domain.Doc) (domain.Doc, error) {
			cur["status"] = "deceased"
			return cur, nil
		}, domain.Meta{})
		require.NoError(t, err)
		live[id] = next
	}
	for _, id := range made[4:] {
		d, _, err := st.GetObject(ctx, tn, schema.Patients, id)
		require.NoError(t, err)
		live[id] = d
	}
	checkLists(t, st, tn, live)
	for _, s := range []string{"active", "inactive", "deceased"} {
		n, err := ranklist.TailShards(ctx, st.Index.Ranks, ranklist.PK(tn, schema.Patients, "status", s))
		require.NoError(t, err)
		require.LessOrEqual(t, n, 3, s)
	}
}

// A newest-first skip on a quiet list written by creates reads its 1–3 tail items and the chunks
// it needs, not 32 shards, and answers what the objects say.
func TestNewestFirstSkipReadsAQuietTail(t *testing.T) {
	ranklist.SetRankChunkCap(t, 50)
	st := storetest.New(t)
	ctx := context.Background()
	tn := domain.Tenant{Account: "acct_1", Mode: domain.Test, Org: "org_newest"}
	docs := genPatients(mrand.New(mrand.NewPCG(8, 8)), tn, 300)
	require.NoError(t, st.SeedObjects(ctx, tn, "patients", docs))
	clock := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	st.Now = func() time.Time { return clock }
	for i := range 80 {
		clock = clock.Add(time.Minute) // one create a minute: a quiet organization
		d, err := st.CreateObject(ctx, tn, schema.Patients, domain.Doc{"firstName": "New", "lastName": "Comer", "status": []string{"active", "inactive"}[i%2]}, domain.Meta{})
		require.NoError(t, err)
		docs = append(docs, d)
	}
	for _, raw := range []string{
		"$sort[id]=-1&$skip=120&$limit=10",
		"status=active&$sort[id]=-1&$skip=60&$limit=10&$total=true",
		"$sort[id]=-1&$skip=5&$limit=10",
	} {
		q, got := rankedFind(t, st, tn, raw, docs)
		if q.Total {
			continue
		}
		// The page, at most 3 tail items and the chunks of 50 ids the skip passes, plus the
		// one the page starts in and the one a read asks ahead for.
		require.LessOrEqual(t, got.Stats.Scanned, len(got.Docs)+3+q.Skip/50+2, raw)
	}
}

// hookedQueries runs after once, the first time a Query of the list returns: a writer
// committing between two pages of a reader's Query.
type hookedQueries struct {
	core.DB
	after func()
	once  sync.Once
}

func (h *hookedQueries) Query(ctx context.Context, in *dynamodb.QueryInput, opts ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	out, err := h.DB.Query(ctx, in, opts...)
	if err == nil {
		h.once.Do(h.after)
	}
	return out, err
}

// readAcross runs a ranked read whose first Query is followed by write (a concurrent writer),
// and requires it to be refused, or right about the list as it was before write or after it.
// Read again, it answers the right page. It reports whether the first read was refused.
func (r *tailRace) readAcross(skip, limit int, desc bool, write func()) (refused bool) {
	hooked := *r.ranks.Store
	hooked.DB = &hookedQueries{DB: hooked.DB, after: write}
	lists := ranklist.New(&hooked)
	want := func() []string {
		ids := slices.Sorted(slices.Values(r.ids))
		if desc {
			slices.Reverse(ids)
		}
		return ids[skip : skip+limit]
	}
	before := want()
	page, ok, err := ranklist.ReadRanked(r.ctx, lists, r.pk, skip, limit, desc)
	require.NoError(r.t, err)
	if ok {
		require.Contains(r.t, [][]string{before, want()}, page, "desc=%v: a read across a concurrent roll", desc)
	}
	refused = !ok
	page, ok, err = ranklist.ReadRanked(r.ctx, lists, r.pk, skip, limit, desc)
	require.NoError(r.t, err)
	require.True(r.t, ok)
	require.Equal(r.t, want(), page, "desc=%v", desc)
	return refused
}

// A roll that commits between two pages of a ranked read changes the list's layout under it.
// Ascending, it tops up the chunk the reader has just counted, so the ids it moves are in
// neither what was read (the chunk before) nor what is read next (the restarted tail): the read
// must notice (the chunk's hi no longer meets the tail's lo) rather than count 10 ids before the
// tail where there are now 15. Descending through a busy tail, the tail is read first and the
// roll then moves its ids into the chunk read next: the chunk's hi no longer meets the tail's lo.
func TestRankedReadSpanningARoll(t *testing.T) {
	roll := func(r *tailRace) func() {
		return func() {
			r.insert()
			r.insert()
			r.roll() // tops up chunk "c" with the tail's ids but the greatest
			r.exact()
		}
	}
	t.Run("ascending", func(t *testing.T) {
		r := newTailRace(t)
		for range 11 {
			r.insert()
		}
		r.roll() // chunk "c": 10 ids, room for 22 more; the tail starts at the 11th
		for range 3 {
			r.insert()
		}
		r.exact()
		// One item per Query page: the chunk, then the tail.
		require.True(t, r.readAcross(11, 3, false, roll(r)), "a read across a roll is not one list")
	})
	t.Run("descending, busy", func(t *testing.T) {
		r := newTailRace(t)
		for range 11 {
			r.insert()
		}
		r.roll()
		spread, err := ranklist.PlanSpread(r.ctx, r.ranks, r.pk)
		require.NoError(t, err)
		require.NoError(t, r.commit(spread))
		for range 6 {
			r.insert()
		}
		r.exact()
		require.Equal(t, ranklist.RankShards, r.shards())
		// The tail (the first Query) holds 7 ids, the page reaches into the chunk (the second):
		// the roll in between moved ids from the tail read into that chunk.
		require.True(t, r.readAcross(5, 5, true, roll(r)), "a read across a roll is not one list")
	})
}
