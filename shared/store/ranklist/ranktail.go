package ranklist

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hapihub/hapihub/shared/store/core"
)

// The tail of a rank list in shards (rank.go has the layout). rankShards is how many writers of
// one list can add ids without meeting. A shard holds at most shardCap ids, so a create writes
// an item under 1 KB (25 ids of 30 bytes with the list's key: ~0.9 KB).
//
// Shards exist only once written to. Shard 0, the anchor, carries the tail's bound lo (every
// shard written since the last roll carries it too) and the list's lane count w: how many
// shards inserts spread over. A quiet list (w = 1) fills shards 0, 1, 2 in turn and rolls when
// they are full, so a newest-first page or total reads 1–3 tail items; a busy one spreads its
// inserts at random over w lanes (up to 32), so concurrent creates rarely meet. Each roll sets w
// from the rate the closing tail's ids were created at (ids embed their creation time), and
// deletes every shard but the anchor.
//
// Exactness against a concurrent roll: an insert into an existing shard is conditioned on the
// shard's lo; an insert creating a shard is conditioned on the shard's absence and checks the
// anchor's lo; a roll is conditioned on each shard's version and on the absence of every lane
// an insert could create. DynamoDB serializes transactions, so of an insert and a roll that
// read the same tail, whichever commits second fails and is planned again.
const (
	rankShards = 32
	quietLanes = 3   // shards a list's tail fills before it rolls, when it has fewer lanes
	laneRate   = 2.0 // creates per second one lane takes: past it the list spreads to more
)

func shardCap() int { return max(1, 2*rankChunkCap/rankShards) }

func shardSK(k int) string { return fmt.Sprintf("%s%02d", rankTailPrefix, k) }

// shardNum is the number of shard sk (-1 for a key that is not a shard's).
func shardNum(sk string) int {
	var k int
	if _, err := fmt.Sscanf(strings.TrimPrefix(sk, rankTailPrefix), "%02d", &k); err != nil || shardSK(k) != sk {
		return -1
	}
	return k
}

// tail is what an insert, a removal or a roll read of a list's tail.
type tail struct {
	shards map[int]rankChunk // present shards by number
	lo     string            // the tail's bound: "" before the first roll
	w      int               // lanes
}

// lanes is how many shards inserts may write: a list's lanes, and at least quietLanes so a
// quiet list rolls every quietLanes*shardCap ids instead of every shardCap.
func (t tail) lanes() int { return min(rankShards, max(quietLanes, t.w)) }

// ids are the tail's ids, sorted.
func (t tail) ids() []string {
	var ids []string
	for _, c := range t.shards {
		ids = append(ids, c.ids...)
	}
	slices.Sort(ids)
	return ids
}

// readTail reads the shards of list pk (strongly consistent).
func (s *Lists) readTail(ctx context.Context, pk string) (tail, error) {
	out, err := s.DB.Query(ctx, &dynamodb.QueryInput{
		TableName:                 &s.Table,
		KeyConditionExpression:    aws.String("PK = :pk AND begins_with(SK, :t)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": core.SV(pk), ":t": core.SV(rankTailPrefix)},
		ConsistentRead:            aws.Bool(true),
	})
	if err != nil {
		return tail{}, fmt.Errorf("store: read rank tail: %w", err)
	}
	t := tail{shards: map[int]rankChunk{}, w: 1}
	for _, it := range out.Items {
		c := decodeChunk(it)
		if k := shardNum(c.sk); k >= 0 {
			t.shards[k] = c
			t.lo = c.tailLo
		}
	}
	if a, ok := t.shards[0]; ok {
		switch {
		case a.w > 0:
			t.w = a.w
		case t.lo != "":
			t.w = rankShards // rolled before lanes existed: every shard was written at its roll
		}
	}
	return t, nil
}

// tailCond is the condition that the tail still starts at lo (no roll since it was read).
func tailCond(lo string, vals map[string]types.AttributeValue) string {
	if lo == "" {
		return "attribute_not_exists(#lo)"
	}
	vals[":lo"] = core.SV(lo)
	return "#lo = :lo"
}

// pick chooses the shard an insert adds to: in a quiet list the lowest with room, so the tail
// stays in few items; in a busy one a random lane, or the emptiest when that one is full. It
// reports false when every lane is full (the tail must roll).
func (t tail) pick() (int, bool) {
	n := t.lanes()
	room := func(k int) int { return shardCap() - len(t.shards[k].ids) }
	if t.w > 1 {
		if k := rand.IntN(n); room(k) > 0 {
			return k, true
		}
	}
	best, bestRoom := -1, 0
	for k := range n {
		if r := room(k); r > bestRoom && (t.w > 1 || best < 0) {
			best, bestRoom = k, r
		}
	}
	return best, best >= 0
}

// rankInsert adds id to list pk: it reads the tail, adds the id to a shard with room (pick), and
// rolls a full tail first. An id below the tail goes to its closed chunk.
func (s *Lists) rankInsert(ctx context.Context, pk, id string) ([]types.TransactWriteItem, error) {
	for range 3 {
		t, err := s.readTail(ctx, pk)
		if err != nil {
			return nil, err
		}
		if id < t.lo {
			return s.chunkInsert(ctx, pk, id)
		}
		if k, ok := t.pick(); ok {
			return s.shardAdd(pk, t, k, id), nil
		}
		if err := s.roll(ctx, pk, t); err != nil {
			return nil, err
		}
	}
	return nil, core.ErrIndexRace
}

// shardAdd adds id to shard k of tail t. Adds commute, so concurrent adds to one shard need no
// version: only the tail's bound, the shard's room and the id's absence. A shard not there yet
// is created, conditioned on its absence, with the tail's bound, and the anchor is checked to
// still carry that bound (shard 0 itself exists from the first roll on).
func (s *Lists) shardAdd(pk string, t tail, k int, id string) []types.TransactWriteItem {
	vals := map[string]types.AttributeValue{":id": &types.AttributeValueMemberSS{Value: []string{id}}, ":one": core.N(1)}
	update := "ADD #ids :id, #n :one, #v :one"
	var cond string
	var out []types.TransactWriteItem
	if _, ok := t.shards[k]; ok {
		vals[":cap"], vals[":x"] = core.N(int64(shardCap())), core.SV(id)
		cond = "attribute_exists(#v) AND " + tailCond(t.lo, vals) + " AND #n < :cap AND NOT contains(#ids, :x)"
	} else {
		cond = "attribute_not_exists(#v)"
		if t.lo != "" {
			update = "SET #lo = :lo " + update
			vals[":lo"] = core.SV(t.lo)
		}
		if k != 0 {
			avals := map[string]types.AttributeValue{}
			out = append(out, types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{
				TableName:                 &s.Table,
				Key:                       map[string]types.AttributeValue{"PK": core.SV(pk), "SK": core.SV(shardSK(0))},
				ConditionExpression:       aws.String(tailCond(t.lo, avals)),
				ExpressionAttributeNames:  rankNames("#lo"),
				ExpressionAttributeValues: nilIfEmpty(avals),
			}})
		}
	}
	names := rankNames("#ids", "#n", "#v")
	if strings.Contains(cond+update, "#lo") {
		names["#lo"] = "lo"
	}
	return append(out, types.TransactWriteItem{Update: &types.Update{
		TableName:                 &s.Table,
		Key:                       map[string]types.AttributeValue{"PK": core.SV(pk), "SK": core.SV(shardSK(k))},
		UpdateExpression:          aws.String(update),
		ConditionExpression:       aws.String(cond),
		ExpressionAttributeNames:  names,
		ExpressionAttributeValues: vals,
	}})
}

func nilIfEmpty(m map[string]types.AttributeValue) map[string]types.AttributeValue {
	if len(m) == 0 {
		return nil
	}
	return m
}

// shardRemove takes id out of the shard holding it (nothing when no shard does: not listed).
func (s *Lists) shardRemove(pk string, t tail, id string) []types.TransactWriteItem {
	for _, c := range t.shards {
		if !slices.Contains(c.ids, id) {
			continue
		}
		vals := map[string]types.AttributeValue{":id": &types.AttributeValueMemberSS{Value: []string{id}}, ":x": core.SV(id), ":minus": core.N(-1), ":one": core.N(1)}
		return []types.TransactWriteItem{{Update: &types.Update{
			TableName:                 &s.Table,
			Key:                       map[string]types.AttributeValue{"PK": core.SV(pk), "SK": core.SV(c.sk)},
			UpdateExpression:          aws.String("DELETE #ids :id ADD #n :minus, #v :one"),
			ConditionExpression:       aws.String(tailCond(t.lo, vals) + " AND contains(#ids, :x)"),
			ExpressionAttributeNames:  rankNames("#ids", "#n", "#v", "#lo"),
			ExpressionAttributeValues: vals,
		}}}
	}
	return nil
}

// lanesFor is how many lanes a list whose tail holds ids (sorted) needs: its creates per second
// (from the time the ids embed) over laneRate, between 1 and rankShards.
func lanesFor(ids []string) int {
	if len(ids) < 2 {
		return 1
	}
	first, ok1 := core.IDTime(ids[0])
	last, ok2 := core.IDTime(ids[len(ids)-1])
	if !ok1 || !ok2 {
		return 1
	}
	secs := last.Sub(first).Seconds()
	if secs <= 0 {
		return rankShards
	}
	return int(min(rankShards, max(1, math.Ceil(float64(len(ids)-1)/secs/laneRate))))
}

// closeChunks are the puts that close ids (sorted, all in [lo, hi)) into chunks: the list's last
// chunk, when it has room, takes them first (rewritten, conditioned on its version), so quiet
// lists that roll often still have full chunks; the rest go into new chunks of up to
// rankChunkCap ids from lo.
func (s *Lists) closeChunks(ctx context.Context, pk, lo, hi string, ids []string) ([]types.TransactWriteItem, error) {
	firstSK, cond := rankFirstSK+lo, "attribute_not_exists(PK)"
	var vals map[string]types.AttributeValue
	var v int64 = 1
	if lo != "" {
		last, ok, err := s.chunkBefore(ctx, pk, rankTailPrefix, false)
		if err != nil {
			return nil, err
		}
		if ok && last.hi == lo && len(last.ids) < rankChunkCap {
			ids = append(slices.Clone(last.ids), ids...)
			firstSK, cond, v = last.sk, "#v = :v", last.v+1
			vals = map[string]types.AttributeValue{":v": core.N(last.v)}
		}
	}
	var items []types.TransactWriteItem
	for i := 0; i < len(ids); i += rankChunkCap {
		part := ids[i:min(len(ids), i+rankChunkCap)]
		c := rankChunk{sk: rankFirstSK + part[0], hi: hi, ids: part, v: 1}
		if i+rankChunkCap < len(ids) {
			c.hi = ids[i+rankChunkCap]
		}
		if i > 0 {
			items = append(items, s.chunkPut(pk, c, "attribute_not_exists(PK)", nil))
			continue
		}
		c.sk, c.v = firstSK, v
		items = append(items, s.chunkPut(pk, c, cond, vals))
	}
	return items, nil
}

// roll turns a full tail into closed chunks: every id but the greatest goes into chunks of the
// range [lo, greatest), and the tail starts again at the greatest id, which the anchor holds;
// the other shards are deleted. The list's content is the same before and after, so the roll is
// its own transaction, apart from any object's; the shards' versions and the absence of the
// lanes not written make it fail (and the caller read again) when the tail changed since read.
func (s *Lists) roll(ctx context.Context, pk string, t tail) error {
	items, err := s.rollWrites(ctx, pk, t)
	if err != nil {
		return err
	}
	_, err = s.DB.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
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

// rollWrites is the roll's transaction for tail t as read.
func (s *Lists) rollWrites(ctx context.Context, pk string, t tail) ([]types.TransactWriteItem, error) {
	ids := t.ids()
	if len(ids) < 2 {
		return nil, core.ErrIndexRace // not full after all: changed since read
	}
	newLo := ids[len(ids)-1]
	items, err := s.closeChunks(ctx, pk, t.lo, newLo, ids[:len(ids)-1])
	if err != nil {
		return nil, err
	}
	anchor := rankChunk{sk: shardSK(0), tailLo: newLo, ids: []string{newLo}, w: lanesFor(ids)}
	if c, ok := t.shards[0]; ok {
		anchor.v = c.v + 1
		items = append(items, s.chunkPut(pk, anchor, "#v = :v", map[string]types.AttributeValue{":v": core.N(c.v)}))
	} else {
		anchor.v = 1
		items = append(items, s.chunkPut(pk, anchor, "attribute_not_exists(PK)", nil))
	}
	for k, c := range t.shards {
		if k == 0 {
			continue
		}
		items = append(items, types.TransactWriteItem{Delete: &types.Delete{TableName: &s.Table,
			Key:                       map[string]types.AttributeValue{"PK": core.SV(pk), "SK": core.SV(c.sk)},
			ConditionExpression:       aws.String("#v = :v"),
			ExpressionAttributeNames:  rankNames("#v"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":v": core.N(c.v)}}})
	}
	for k := 1; k < t.lanes(); k++ {
		if _, ok := t.shards[k]; !ok {
			items = append(items, types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{TableName: &s.Table,
				Key:                 map[string]types.AttributeValue{"PK": core.SV(pk), "SK": core.SV(shardSK(k))},
				ConditionExpression: aws.String("attribute_not_exists(PK)")}})
		}
	}
	return items, nil
}
