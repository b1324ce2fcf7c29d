package ranklist

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hapihub/hapihub/shared/store/core"
)

// The tail of a rank list in shards (rank.go has the layout). rankShards is how many writers of
// one list can add ids without meeting. A shard holds at most shardCap ids, so a create writes
// an item under 1 KB (25 ids of 30 bytes with the list's key: ~0.9 KB).
//
// A list is quiet or busy, as its anchor shard t00 says (w: 1 or rankShards lanes). A quiet list
// keeps only the shards written to and fills t00, t01, t02 in turn, so a newest-first page or a
// total reads 1–3 tail items. A busy list has all rankShards shards (every one carrying w) and
// its creates pick one at random, as concurrent writers need. A quiet list turns busy when an
// insert finds an id created after its own already listed: creates overlap (a spread: every lane
// written). A busy list's roll keeps it busy while the closing tail's ids were created at
// busyRate or faster (ids embed their creation time); a quiet roll deletes every shard but t00.
//
// Exactness against concurrent rolls and spreads: an add to an existing shard is conditioned on
// the shard's existence and bound lo; an insert creating a shard is conditioned on its absence
// and bumps t00's version under the condition that t00 still has lo; a roll or a spread is
// conditioned on every shard's version (t00's included) and on the absence of the lanes it
// creates. DynamoDB serializes transactions, so of two that read the same tail, whichever
// commits second fails and is planned again.
const (
	rankShards = 32
	quietLanes = 3   // shards a quiet list's tail fills before it rolls
	busyRate   = 1.0 // creates per second from which a busy list stays busy
)

func shardCap() int { return max(1, 2*rankChunkCap/rankShards) }

func shardSK(k int) string { return fmt.Sprintf("%s%02d", rankTailPrefix, k) }

// shardNum is the number of shard sk (-1 for a key that is not a shard's).
func shardNum(sk string) int {
	k, err := strconv.Atoi(strings.TrimPrefix(sk, rankTailPrefix))
	if err != nil || shardSK(k) != sk {
		return -1
	}
	return k
}

// tail is what an insert, a removal or a roll read of a list's tail.
type tail struct {
	shards map[int]rankChunk // present shards by number
	lo     string            // the tail's bound: "" before the first roll
	w      int               // lanes: 1 (quiet) or rankShards (busy)
}

func (t tail) busy() bool { return t.w > 1 }

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
	spread := false
	for _, it := range out.Items {
		c := decodeChunk(it)
		if k := shardNum(c.sk); k >= 0 {
			t.shards[k] = c
			t.lo = c.tailLo
			spread = spread || k >= quietLanes
		}
	}
	switch a, ok := t.shards[0]; {
	case ok && a.w > 0:
		t.w = a.w
	case t.lo != "" || spread:
		t.w = rankShards // v2: every shard written at each roll, no lanes
	}
	s.hints.set(pk, t.busy())
	return t, nil
}

// getShard reads one shard (strongly consistent).
func (s *Lists) getShard(ctx context.Context, pk string, k int) (rankChunk, bool, error) {
	out, err := s.DB.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.Table,
		Key: map[string]types.AttributeValue{"PK": core.SV(pk), "SK": core.SV(shardSK(k))}, ConsistentRead: aws.Bool(true)})
	if err != nil {
		return rankChunk{}, false, fmt.Errorf("store: read rank shard: %w", err)
	}
	if out.Item == nil {
		return rankChunk{}, false, nil
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

// concurrent says whether the tail holds an id created after id: a create that started after
// this one committed first, so creates of this list overlap and a quiet list's one lane would
// make them meet. (A sequential writer's ids arrive in order however fast it goes.)
func (t tail) concurrent(id string) bool {
	for _, c := range t.shards {
		if len(c.ids) > 0 && c.ids[len(c.ids)-1] > id {
			return true
		}
	}
	return false
}

// pick chooses the shard an insert adds to: in a busy list a random one, or the emptiest when
// that one is full; in a quiet one the lowest with room of its quiet lanes and the shards present,
// so the tail stays in few items. It reports false when none has room (the tail must roll).
func (t tail) pick() (int, bool) {
	room := func(k int) int { return shardCap() - len(t.shards[k].ids) }
	if t.busy() {
		if k := rand.IntN(rankShards); room(k) > 0 {
			return k, true
		}
		best, bestRoom := -1, 0
		for k := range rankShards {
			if r := room(k); r > bestRoom {
				best, bestRoom = k, r
			}
		}
		return best, best >= 0
	}
	for k := range rankShards {
		if _, ok := t.shards[k]; (ok || k < quietLanes) && room(k) > 0 {
			return k, true
		}
	}
	return -1, false
}

// rankInsert adds id to list pk. A list this process last saw busy is tried the way busy lists
// are written, one random shard read; otherwise the tail is read (1–3 items in a quiet list), a
// quiet list whose creates overlap spreads, and the id goes to the shard pick chooses, a full tail
// rolling first. An id below the tail goes to its closed chunk. created says the id is a new
// object's: only creates are evidence of overlapping creates (a status change lists an older id
// after newer ones as a matter of course).
func (s *Lists) rankInsert(ctx context.Context, pk, id string, created bool) ([]types.TransactWriteItem, error) {
	if s.hints.busy(pk) {
		c, ok, err := s.getShard(ctx, pk, rand.IntN(rankShards))
		if err != nil {
			return nil, err
		}
		if ok && c.w == rankShards && id >= c.tailLo && len(c.ids) < shardCap() {
			return s.shardAdd(pk, tail{shards: map[int]rankChunk{shardNum(c.sk): c}, lo: c.tailLo}, shardNum(c.sk), id), nil
		}
	}
	for range 4 {
		t, err := s.readTail(ctx, pk)
		if err != nil {
			return nil, err
		}
		if id < t.lo {
			return s.chunkInsert(ctx, pk, id)
		}
		if created && !t.busy() && t.concurrent(id) {
			if err := s.commitTail(ctx, s.retile(pk, t, t.lo, nil, rankShards)); err != nil {
				return nil, err
			}
			continue
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
// version: only the shard's existence, the tail's bound, the shard's room and the id's absence.
// A shard not there yet is created, conditioned on its absence, with the tail's bound, and t00's
// version raised while it still has that bound, so a roll or spread that read the tail before
// fails (shard 0 itself is there from a list's first insert on).
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
			avals := map[string]types.AttributeValue{":one": core.N(1)}
			out = append(out, types.TransactWriteItem{Update: &types.Update{
				TableName:                 &s.Table,
				Key:                       map[string]types.AttributeValue{"PK": core.SV(pk), "SK": core.SV(shardSK(0))},
				UpdateExpression:          aws.String("ADD #v :one"),
				ConditionExpression:       aws.String("attribute_exists(#v) AND " + tailCond(t.lo, avals)),
				ExpressionAttributeNames:  rankNames("#v", "#lo"),
				ExpressionAttributeValues: avals,
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

// lanesFor is the lanes of the period after tail t, whose ids (sorted) are ids: a busy list
// stays busy while its ids are created at busyRate or faster (from the time they embed); a
// quiet one stays quiet until creates overlap (concurrent).
func (t tail) lanesFor(ids []string) int {
	if !t.busy() || len(ids) < 2 {
		return 1
	}
	first, ok1 := core.IDTime(ids[0])
	last, ok2 := core.IDTime(ids[len(ids)-1])
	if !ok1 || !ok2 {
		return 1
	}
	if secs := last.Sub(first).Seconds(); secs <= 0 || float64(len(ids)-1)/secs >= busyRate {
		return rankShards
	}
	return 1
}

// hints remembers which lists this process last saw busy, so their inserts read one random
// shard, as every insert did before quiet lists, instead of the whole tail. A wrong hint costs
// a read; the map is dropped when large.
type hints struct {
	mu sync.Mutex
	m  map[string]bool
}

func (h *hints) busy(pk string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.m[pk]
}

func (h *hints) set(pk string, busy bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.m == nil || len(h.m) > 4096 {
		h.m = map[string]bool{}
	}
	if busy {
		h.m[pk] = true
	} else {
		delete(h.m, pk)
	}
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
// range [lo, greatest), and the tail starts again at the greatest id, which t00 holds, in the
// mode the closing tail's rate calls for (lanesFor). The list's content is the same before and
// after, so the roll is its own transaction, apart from any object's.
func (s *Lists) roll(ctx context.Context, pk string, t tail) error {
	items, err := s.rollWrites(ctx, pk, t)
	if err != nil {
		return err
	}
	return s.commitTail(ctx, items)
}

// rollWrites is the roll's transaction for tail t as read.
func (s *Lists) rollWrites(ctx context.Context, pk string, t tail) ([]types.TransactWriteItem, error) {
	ids := t.ids()
	if len(ids) < 2 {
		return nil, core.ErrIndexRace // not full after all: changed since read
	}
	newLo := ids[len(ids)-1]
	chunks, err := s.closeChunks(ctx, pk, t.lo, newLo, ids[:len(ids)-1])
	if err != nil {
		return nil, err
	}
	chunks = append(chunks, s.sumAdd(pk, len(ids)-1))
	return s.retile(pk, t, newLo, chunks, t.lanesFor(ids)), nil
}

// commitTail runs a roll or a spread. When a concurrent insert, roll or spread makes it fail, it
// reports nothing, for the caller to read the tail again.
func (s *Lists) commitTail(ctx context.Context, items []types.TransactWriteItem) error {
	_, err := s.DB.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
	var tce *types.TransactionCanceledException
	if errors.As(err, &tce) {
		s.sh().retries.Add(1)
		return nil
	}
	if err != nil {
		return fmt.Errorf("store: rewrite rank tail: %w", err)
	}
	return nil
}

// retile rewrites the shards of tail t (as read) for the tail starting at lo in mode w, in one
// transaction with extra (a roll's chunks): t00 holds lo's id when the tail restarts there (a
// roll) or keeps its ids (a spread); a busy tail has every shard, each carrying w, a quiet one t00
// alone. Every shard read is conditioned on its version and every shard created on its absence,
// so a concurrent insert, roll or spread makes it fail.
func (s *Lists) retile(pk string, t tail, lo string, extra []types.TransactWriteItem, w int) []types.TransactWriteItem {
	items := extra
	for k := range rankShards {
		old, ok := t.shards[k]
		c := rankChunk{sk: shardSK(k), tailLo: lo, v: old.v + 1}
		switch {
		case lo == t.lo:
			c.ids = old.ids // a spread: the same tail
		case k == 0:
			c.ids = []string{lo}
		}
		if w > 1 || k == 0 {
			c.w = w
		}
		switch {
		case ok && c.w == 0 && len(c.ids) == 0:
			items = append(items, types.TransactWriteItem{Delete: &types.Delete{TableName: &s.Table,
				Key:                       map[string]types.AttributeValue{"PK": core.SV(pk), "SK": core.SV(c.sk)},
				ConditionExpression:       aws.String("#v = :v"),
				ExpressionAttributeNames:  rankNames("#v"),
				ExpressionAttributeValues: map[string]types.AttributeValue{":v": core.N(old.v)}}})
		case ok:
			items = append(items, s.chunkPut(pk, c, "#v = :v", map[string]types.AttributeValue{":v": core.N(old.v)}))
		case c.w > 0 || len(c.ids) > 0:
			items = append(items, s.chunkPut(pk, c, "attribute_not_exists(PK)", nil))
		}
	}
	return items
}
