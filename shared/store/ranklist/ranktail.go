package ranklist

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hapihub/hapihub/shared/store/core"
)

// The tail of a rank list in shards (rank.go has the layout). rankShards is how many writers of
// one list can add ids without meeting; shardCap keeps the whole tail at one chunk's size, so
// reading it costs what reading the single tail chunk cost, and each create writes a small item.
const rankShards = 32

func shardCap() int { return max(1, rankChunkCap/rankShards) }

func shardSK(k int) string { return fmt.Sprintf("%s%02d", rankTailPrefix, k) }

// readTail reads the shards of list pk (strongly consistent) and the tail's low bound: "" while
// no roll has happened (shards then exist only once written to).
func (s *Lists) readTail(ctx context.Context, pk string) ([]rankChunk, string, error) {
	out, err := s.DB.Query(ctx, &dynamodb.QueryInput{
		TableName:                 &s.Table,
		KeyConditionExpression:    aws.String("PK = :pk AND begins_with(SK, :t)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": core.SV(pk), ":t": core.SV(rankTailPrefix)},
		ConsistentRead:            aws.Bool(true),
	})
	if err != nil {
		return nil, "", fmt.Errorf("store: read rank tail: %w", err)
	}
	shards := make([]rankChunk, len(out.Items))
	for i, it := range out.Items {
		shards[i] = decodeChunk(it)
	}
	if len(shards) == 0 {
		return nil, "", nil
	}
	return shards, shards[0].tailLo, nil
}

// getShard reads one shard (strongly consistent).
func (s *Lists) getShard(ctx context.Context, pk string, k int) (rankChunk, bool, error) {
	out, err := s.DB.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.Table,
		Key: map[string]types.AttributeValue{"PK": core.SV(pk), "SK": core.SV(shardSK(k))}, ConsistentRead: aws.Bool(true)})
	if err != nil {
		return rankChunk{}, false, fmt.Errorf("store: read rank shard: %w", err)
	}
	if out.Item == nil {
		return rankChunk{sk: shardSK(k)}, false, nil
	}
	return decodeChunk(out.Item), true, nil
}

// tailCond is the condition that the tail still starts at lo (no roll since it was read).
func tailCond(lo string, vals map[string]types.AttributeValue) string {
	if lo == "" {
		return "attribute_not_exists(#lo)"
	}
	vals[":lo"] = core.SV(lo)
	return "#lo = :lo"
}

// rankInsert adds id to list pk. The usual case reads one shard, picked at random so concurrent
// writers spread, and adds the id to it; a full shard makes it look at all of them, and a full
// tail rolls first. An id below the tail goes to its closed chunk.
func (s *Lists) rankInsert(ctx context.Context, pk, id string) ([]types.TransactWriteItem, error) {
	sh, _, err := s.getShard(ctx, pk, rand.IntN(rankShards))
	if err != nil {
		return nil, err
	}
	if id < sh.tailLo {
		return s.chunkInsert(ctx, pk, id)
	}
	if len(sh.ids) < shardCap() {
		return []types.TransactWriteItem{s.shardAdd(pk, sh.sk, sh.tailLo, id)}, nil
	}
	for range 3 {
		shards, lo, err := s.readTail(ctx, pk)
		if err != nil {
			return nil, err
		}
		if id < lo {
			return s.chunkInsert(ctx, pk, id)
		}
		// The emptiest shard (one never written is empty).
		bySK := map[string]rankChunk{}
		for _, c := range shards {
			bySK[c.sk] = c
		}
		best, bestN := "", shardCap()
		for k := range rankShards {
			if c := bySK[shardSK(k)]; len(c.ids) < bestN {
				best, bestN = shardSK(k), len(c.ids)
			}
		}
		if best != "" {
			return []types.TransactWriteItem{s.shardAdd(pk, best, lo, id)}, nil
		}
		if err := s.roll(ctx, pk, shards, lo); err != nil {
			return nil, err
		}
	}
	return nil, core.ErrIndexRace
}

// shardAdd adds id to shard sk of a tail starting at lo. Adds commute, so concurrent adds to one
// shard need no version: only the tail's bound, the shard's room and the id's absence.
func (s *Lists) shardAdd(pk, sk, lo, id string) types.TransactWriteItem {
	vals := map[string]types.AttributeValue{":id": &types.AttributeValueMemberSS{Value: []string{id}}, ":x": core.SV(id), ":one": core.N(1), ":cap": core.N(int64(shardCap()))}
	cond := tailCond(lo, vals) + " AND (attribute_not_exists(#n) OR #n < :cap) AND NOT contains(#ids, :x)"
	return types.TransactWriteItem{Update: &types.Update{
		TableName:                 &s.Table,
		Key:                       map[string]types.AttributeValue{"PK": core.SV(pk), "SK": core.SV(sk)},
		UpdateExpression:          aws.String("ADD #ids :id, #n :one, #v :one"),
		ConditionExpression:       aws.String(cond),
		ExpressionAttributeNames:  rankNames("#ids", "#n", "#v", "#lo"),
		ExpressionAttributeValues: vals,
	}}
}

// shardRemove takes id out of the shard holding it (nothing when no shard does: not listed).
func (s *Lists) shardRemove(pk string, shards []rankChunk, lo, id string) []types.TransactWriteItem {
	for _, c := range shards {
		if !slices.Contains(c.ids, id) {
			continue
		}
		vals := map[string]types.AttributeValue{":id": &types.AttributeValueMemberSS{Value: []string{id}}, ":x": core.SV(id), ":minus": core.N(-1), ":one": core.N(1)}
		return []types.TransactWriteItem{{Update: &types.Update{
			TableName:                 &s.Table,
			Key:                       map[string]types.AttributeValue{"PK": core.SV(pk), "SK": core.SV(c.sk)},
			UpdateExpression:          aws.String("DELETE #ids :id ADD #n :minus, #v :one"),
			ConditionExpression:       aws.String(tailCond(lo, vals) + " AND contains(#ids, :x)"),
			ExpressionAttributeNames:  rankNames("#ids", "#n", "#v", "#lo"),
			ExpressionAttributeValues: vals,
		}}}
	}
	return nil
}

// roll turns a full tail into closed chunks: every id but the greatest goes into chunks of the
// range [lo, greatest), and the shards start again at the greatest id, which the first holds.
// The list's content is the same before and after, so the roll is its own transaction, apart
// from any object's; each shard's version makes it fail (and the caller read again) when a shard
// changed since it was read.
func (s *Lists) roll(ctx context.Context, pk string, shards []rankChunk, lo string) error {
	var ids []string
	versions := map[string]int64{}
	for _, c := range shards {
		ids = append(ids, c.ids...)
		versions[c.sk] = c.v
	}
	slices.Sort(ids)
	if len(ids) < 2 {
		return core.ErrIndexRace // not full after all: changed since read
	}
	newLo, closed := ids[len(ids)-1], ids[:len(ids)-1]
	var items []types.TransactWriteItem
	for i := 0; i < len(closed); i += rankChunkCap {
		part := closed[i:min(len(closed), i+rankChunkCap)]
		c := rankChunk{sk: rankFirstSK + part[0], hi: newLo, ids: part, v: 1}
		if i == 0 {
			c.sk = rankFirstSK + lo
		}
		if i+rankChunkCap < len(closed) {
			c.hi = closed[i+rankChunkCap]
		}
		items = append(items, s.chunkPut(pk, c, "attribute_not_exists(PK)", nil))
	}
	for k := range rankShards {
		sk := shardSK(k)
		c := rankChunk{sk: sk, tailLo: newLo, v: versions[sk] + 1}
		if k == 0 {
			c.ids = []string{newLo}
		}
		if v, ok := versions[sk]; ok {
			items = append(items, s.chunkPut(pk, c, "#v = :v", map[string]types.AttributeValue{":v": core.N(v)}))
		} else {
			items = append(items, s.chunkPut(pk, c, "attribute_not_exists(PK)", nil))
		}
	}
	_, err := s.DB.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
	var tce *types.TransactionCanceledException
	if errors.As(err, &tce) {
		s.sh().retries.Add(1)
		return nil // another writer rolled or added first: read the tail again
	}
	if err != nil {
		return fmt.Errorf("store: roll rank tail: %w", err)
	}
	return nil
}
