package ranklist

// Hooks for the planner's tests (shared/store/search): they split chunks with few objects and
// check a list's layout. Not used by the functions.

import (
	"context"
	"fmt"
	"slices"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hapihub/hapihub/shared/domain"
	"github.com/hapihub/hapihub/shared/query"
	"github.com/hapihub/hapihub/shared/schema"
	"github.com/hapihub/hapihub/shared/store/core"
)

// RankShards is how many shards a list's tail has.
const RankShards = rankShards

// SetRankChunkCap makes rank chunks split at n ids for the rest of the test.
func SetRankChunkCap(t interface{ Cleanup(func()) }, n int) {
	old := rankChunkCap
	rankChunkCap = n
	t.Cleanup(func() { rankChunkCap = old })
}

// RankList returns the ids of a rank list (field "" for the whole resource) after checking the
// layout's invariants: the first closed chunk is "c", each chunk's ids are within [lo, hi), hi
// is the next chunk's lo and the last chunk's hi the tail's lo, no chunk but the first is empty
// or over the cap, every shard has the tail's lo and at most shardCap ids, all at or above it,
// and every count equals its ids. The count returned is the number of items (chunks + shards).
func RankList(ctx context.Context, s *Lists, t domain.Tenant, res *schema.Resource, field string, v any) ([]string, int, error) {
	return CheckList(ctx, s, rankPK(t, res, field, v))
}

// CheckList is RankList for list pk; it also checks that the anchor shard exists once the tail
// has a bound (a roll writes it and nothing deletes it).
func CheckList(ctx context.Context, s *Lists, pk string) ([]string, int, error) {
	items, err := s.rankChunks(ctx, pk)
	if err != nil {
		return nil, 0, err
	}
	chunks, shards := splitTail(items)
	tailLo := ""
	if len(shards) > 0 {
		tailLo = shards[0].tailLo
	}
	if len(chunks) == 0 && tailLo != "" {
		return nil, 0, fmt.Errorf("tail starts at %q with no chunk before it", tailLo)
	}
	if len(shards) > rankShards {
		return nil, 0, fmt.Errorf("%d shards", len(shards))
	}
	if tailLo != "" && shards[0].sk != shardSK(0) {
		return nil, 0, fmt.Errorf("tail starts at %q with no anchor shard", tailLo)
	}
	var ids []string
	for i, c := range chunks {
		if i == 0 && c.sk != rankFirstSK {
			return nil, 0, fmt.Errorf("first chunk is %q", c.sk)
		}
		next := tailLo
		if i+1 < len(chunks) {
			next = chunks[i+1].lo()
		}
		if c.hi != next {
			return nil, 0, fmt.Errorf("chunk %q ends at %q, next starts at %q", c.sk, c.hi, next)
		}
		if (i > 0 && len(c.ids) == 0) || len(c.ids) > rankChunkCap {
			return nil, 0, fmt.Errorf("chunk %q holds %d ids", c.sk, len(c.ids))
		}
		if int(c.n) != len(c.ids) {
			return nil, 0, fmt.Errorf("chunk %q counts %d, holds %d", c.sk, c.n, len(c.ids))
		}
		for _, id := range c.ids {
			if id < c.lo() || id >= c.hi {
				return nil, 0, fmt.Errorf("chunk %q [%s, %s) holds %s", c.sk, c.lo(), c.hi, id)
			}
		}
		ids = append(ids, c.ids...)
	}
	if err := checkClosedCount(ctx, s, pk, len(ids)); err != nil {
		return nil, 0, err
	}
	tail, err := shardIDs(shards, tailLo)
	if err != nil {
		return nil, 0, err
	}
	slices.Sort(tail)
	ids = append(ids, tail...)
	if !slices.IsSorted(ids) || len(slices.Compact(slices.Clone(ids))) != len(ids) {
		return nil, 0, fmt.Errorf("ids out of order or twice")
	}
	return ids, len(items), nil
}

// checkClosedCount checks that list pk's closed count is the number of ids its chunks hold
// (absent only while it has none).
func checkClosedCount(ctx context.Context, s *Lists, pk string, closed int) error {
	var st domain.Stats
	n, ok, err := s.closedCount(ctx, pk, &st)
	switch {
	case err != nil:
		return err
	case !ok && closed > 0:
		return fmt.Errorf("no closed count, %d ids in chunks", closed)
	case ok && n != closed:
		return fmt.Errorf("closed count %d, %d ids in chunks", n, closed)
	}
	return nil
}

// shardIDs are the tail shards' ids, after checking that every shard has the tail's lo, at
// most shardCap ids, all at or above it, and a count equal to its ids.
func shardIDs(shards []rankChunk, tailLo string) ([]string, error) {
	var tail []string
	for _, c := range shards {
		if c.tailLo != tailLo {
			return nil, fmt.Errorf("shard %q starts at %q, the tail at %q", c.sk, c.tailLo, tailLo)
		}
		if len(c.ids) > shardCap() || int(c.n) != len(c.ids) {
			return nil, fmt.Errorf("shard %q counts %d, holds %d (cap %d)", c.sk, c.n, len(c.ids), shardCap())
		}
		for _, id := range c.ids {
			if id < tailLo {
				return nil, fmt.Errorf("shard %q holds %s below the tail %s", c.sk, id, tailLo)
			}
		}
		tail = append(tail, c.ids...)
	}
	return tail, nil
}

// ForgetRankLists deletes a tenant's patient rank lists and the table's marker, as a data
// directory written before rank lists existed would be.
func ForgetRankLists(ctx context.Context, s *Lists, t domain.Tenant, res *schema.Resource, values ...any) error {
	lists := []string{rankPK(t, res, "", nil)}
	for _, v := range values {
		lists = append(lists, rankPK(t, res, "status", v))
	}
	if err := s.purgeRanks(ctx, lists); err != nil {
		return err
	}
	_, err := s.DB.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: &s.Table,
		Key: map[string]types.AttributeValue{"PK": core.SV(rankMarkerPK), "SK": core.SV(rankMarkerSK)}})
	return err
}

// PlanInsert is the writes that add id to list pk, planned as a create plans them (a full tail
// rolls first), for a test to run after making a concurrent writer commit.
func PlanInsert(ctx context.Context, s *Lists, pk, id string) ([]types.TransactWriteItem, error) {
	return s.rankInsert(ctx, pk, id, true)
}

// PlanRemove is the writes that take id out of list pk, planned as a delete plans them.
func PlanRemove(ctx context.Context, s *Lists, pk, id string) ([]types.TransactWriteItem, error) {
	return s.rankRemove(ctx, pk, id)
}

// PlanRoll is the roll of list pk's tail as it is now, full or not.
func PlanRoll(ctx context.Context, s *Lists, pk string) ([]types.TransactWriteItem, error) {
	t, err := s.readTail(ctx, pk)
	if err != nil {
		return nil, err
	}
	return s.rollWrites(ctx, pk, t)
}

// TailShards is how many shard items list pk's tail has.
func TailShards(ctx context.Context, s *Lists, pk string) (int, error) {
	t, err := s.readTail(ctx, pk)
	return len(t.shards), err
}

// LegacyTail rewrites list pk's tail as the v2 layout had it after a roll (all rankShards
// shards written with the tail's bound and no lanes, the ids dealt round robin) and deletes the
// table's marker, as a data directory written by the previous version would be.
func LegacyTail(ctx context.Context, s *Lists, pk string) error {
	t, err := s.readTail(ctx, pk)
	if err != nil {
		return err
	}
	if t.lo == "" {
		return fmt.Errorf("list %s has not rolled", pk)
	}
	ids := t.ids()
	var reqs []types.WriteRequest
	for k := range rankShards {
		c := rankChunk{sk: shardSK(k), tailLo: t.lo, v: t.shards[k].v + 1}
		for i := k; i < len(ids); i += rankShards {
			c.ids = append(c.ids, ids[i])
		}
		reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: s.rankItem(pk, c)}})
	}
	if err := s.BatchWrite(ctx, reqs, "legacy tail"); err != nil {
		return err
	}
	_, err = s.DB.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: &s.Table,
		Key: map[string]types.AttributeValue{"PK": core.SV(rankMarkerPK), "SK": core.SV(rankMarkerSK)}})
	return err
}

// PlanSpread is the spread of list pk's tail as it is now: every lane written, busy.
func PlanSpread(ctx context.Context, s *Lists, pk string) ([]types.TransactWriteItem, error) {
	t, err := s.readTail(ctx, pk)
	if err != nil {
		return nil, err
	}
	return s.retile(pk, t, t.lo, nil, rankShards), nil
}

// ReadRanked reads the ids at skip..skip+limit of list pk as a ranked find does, once: ok is
// false when the read saw the list's layout change between its Query pages.
func ReadRanked(ctx context.Context, s *Lists, pk string, skip, limit int, desc bool) (page []string, ok bool, err error) {
	var st domain.Stats
	page, _, ok, err = s.readRanked(ctx, &query.Query{Skip: skip, Limit: limit}, pk, desc, &st)
	return page, ok, err
}
