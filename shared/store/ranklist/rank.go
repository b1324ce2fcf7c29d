package ranklist

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hapihub/hapihub/shared/domain"
	"github.com/hapihub/hapihub/shared/query"
	"github.com/hapihub/hapihub/shared/schema"
	"github.com/hapihub/hapihub/shared/store/core"
)

// Rank lists answer "the objects at positions skip..skip+limit" and "how many" without reading
// what is skipped: DynamoDB has no offset, so a $skip on an index reads (and is charged for)
// every key it passes. A rank list is the ids of one set of objects in id order, under PK = the
// list, in two parts:
//
//   - closed chunks: SK = "c" + the chunk's lowest possible id, each holding at most
//     rankChunkCap ids (a string set and their count) of the range [lo, hi);
//   - the tail: the ids from T (the last closed chunk's hi, "" before there is any) upward, in
//     up to rankShards shard items (SK = "t00".."t31", attribute lo = T) of at most shardCap()
//     ids, each present only once written to; shard "t00", the anchor, exists from the first
//     roll on and carries the list's lanes w (ranktail.go).
//
// New ids are time-ordered, so nearly every create lands in the tail. On DynamoDB a single tail
// item would be one hot item: every create of an organization would write it, and concurrent
// creates would cancel each other (TransactionConflict). A busy list spreads its creates over w
// shards at random, so writers rarely meet; a quiet one (w = 1) fills shards 0, 1, 2 in turn, so
// its tail is 1–3 items and a newest-first page reads few. When the lanes are full, a roll
// (ranktail.go) moves the tail's ids, all but the greatest, into closed chunks (topping up the
// last one first) and restarts the tail from that id in the anchor alone: one transaction that
// changes the list's layout but not its content. A skip reads closed chunks (one item per
// ~rankChunkCap objects) and the tail's items until it reaches the page, then gets the page's
// objects by key.
//
// Lists kept: every object of a resource in a tenant, and, per ranked field (an indexed enum or
// boolean: few values, so deep skips are common), the objects holding each value. They are
// written in the object's own transaction (indexWrites), so they never disagree with the
// objects; a chunk's `hi`, a shard's `lo` and the versions `v` are the conditions that keep
// concurrent inserts, splits and rolls exact.
var rankChunkCap = 400 // a var so tests can split chunks with few objects

const (
	rankFirstSK    = "c" // SK of a list's first chunk (DynamoDB keys cannot be empty)
	rankTailPrefix = "t" // SK prefix of the tail's shards: after every chunk
)

// rankNames aliases a chunk's attributes in expressions (short names may be reserved words).
func rankNames(aliases ...string) map[string]string {
	m := make(map[string]string, len(aliases))
	for _, a := range aliases {
		m[a] = a[1:]
	}
	return m
}

// rankedField says whether the planner keeps a rank list per value of f.
func rankedField(f *schema.Field) bool {
	return f.Indexed && (len(f.Enum) > 0 || f.Type == schema.Boolean)
}

func rankFields(res *schema.Resource) []*schema.Field {
	var out []*schema.Field
	for _, f := range res.Fields {
		if rankedField(f) {
			out = append(out, f)
		}
	}
	return out
}

// rankPK names a list: the whole resource (field "") or the objects whose field is v.
func rankPK(t domain.Tenant, res *schema.Resource, field string, v any) string {
	if field == "" {
		return core.Partition(t, res.Name) + "#rank"
	}
	return core.Partition(t, res.Name) + "#rank#" + field + "#" + core.Escape(core.EncodeValue(v))
}

// rankLists are the lists doc belongs to.
func rankLists(t domain.Tenant, res *schema.Resource, doc domain.Doc) []string {
	if doc == nil {
		return nil
	}
	out := []string{rankPK(t, res, "", nil)}
	for _, f := range rankFields(res) {
		out = append(out, rankPK(t, res, f.Name, doc[f.Name]))
	}
	return out
}

type rankChunk struct {
	sk, hi string
	tailLo string   // a shard's lo (T)
	ids    []string // sorted ascending
	n, v   int64    // n is the stored count of ids, read alone by totals; v the version
	w      int      // the anchor shard's lanes (ranktail.go); 0 elsewhere
}

// shard reports whether c is one of the tail's shards rather than a closed chunk.
func (c rankChunk) shard() bool { return strings.HasPrefix(c.sk, rankTailPrefix) }

func (c rankChunk) lo() string {
	if c.shard() {
		return c.tailLo
	}
	return c.sk[len(rankFirstSK):]
}

func decodeChunk(it map[string]types.AttributeValue) rankChunk {
	c := rankChunk{sk: core.GetS(it, "SK"), hi: core.GetS(it, "hi"), tailLo: core.GetS(it, "lo"), n: core.GetN(it, "n"), v: core.GetN(it, "v"), w: int(core.GetN(it, "w"))}
	if ss, ok := it["ids"].(*types.AttributeValueMemberSS); ok {
		c.ids = slices.Clone(ss.Value)
		slices.Sort(c.ids)
	}
	return c
}

// chunkBefore reads the chunk of list pk with the greatest SK <= sk (strongly consistent).
func (s *Lists) chunkBefore(ctx context.Context, pk, sk string, inclusive bool) (rankChunk, bool, error) {
	op := "<"
	if inclusive {
		op = "<="
	}
	out, err := s.DB.Query(ctx, &dynamodb.QueryInput{
		TableName:                 &s.Table,
		KeyConditionExpression:    aws.String("PK = :pk AND SK " + op + " :sk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": core.SV(pk), ":sk": core.SV(sk)},
		ScanIndexForward:          aws.Bool(false),
		Limit:                     aws.Int32(1),
		ConsistentRead:            aws.Bool(true),
	})
	if err != nil {
		return rankChunk{}, false, fmt.Errorf("store: read rank chunk: %w", err)
	}
	if len(out.Items) == 0 {
		return rankChunk{}, false, nil
	}
	return decodeChunk(out.Items[0]), true, nil
}

// rankItem is a chunk's or a shard's item (a shard has lo, absent while it is "", no hi).
func (s *Lists) rankItem(pk string, c rankChunk) map[string]types.AttributeValue {
	item := map[string]types.AttributeValue{"PK": core.SV(pk), "SK": core.SV(c.sk), "v": core.N(c.v), "n": core.N(int64(len(c.ids)))}
	if c.shard() {
		if c.tailLo != "" {
			item["lo"] = core.SV(c.tailLo)
		}
		if c.w > 0 {
			item["w"] = core.N(int64(c.w))
		}
	} else {
		item["hi"] = core.SV(c.hi)
	}
	if len(c.ids) > 0 {
		item["ids"] = &types.AttributeValueMemberSS{Value: c.ids}
	}
	return item
}

func (s *Lists) chunkPut(pk string, c rankChunk, cond string, vals map[string]types.AttributeValue) types.TransactWriteItem {
	p := &types.Put{TableName: &s.Table, Item: s.rankItem(pk, c)}
	if cond != "" {
		p.ConditionExpression = aws.String(cond)
		if strings.Contains(cond, "#v") {
			p.ExpressionAttributeNames = rankNames("#v")
		}
	}
	if len(vals) > 0 {
		p.ExpressionAttributeValues = vals
	}
	return types.TransactWriteItem{Put: p}
}

// chunkInsert adds id to the closed chunk whose range holds it (an id below the tail: one created
// before a roll that committed after it): one conditional update, or a split when the chunk is
// full.
func (s *Lists) chunkInsert(ctx context.Context, pk, id string) ([]types.TransactWriteItem, error) {
	c, ok, err := s.chunkBefore(ctx, pk, rankFirstSK+id, true)
	if err != nil {
		return nil, err
	}
	if !ok {
		// Below the tail there is always the first chunk; it was just rolled or removed.
		return nil, core.ErrIndexRace
	}
	if len(c.ids) < rankChunkCap {
		return []types.TransactWriteItem{{Update: &types.Update{
			TableName:                 &s.Table,
			Key:                       map[string]types.AttributeValue{"PK": core.SV(pk), "SK": core.SV(c.sk)},
			UpdateExpression:          aws.String("ADD #ids :id, #n :one, #v :one"),
			ExpressionAttributeNames:  rankNames("#ids", "#n", "#v", "#hi"),
			ConditionExpression:       aws.String("#hi = :hi AND #n < :cap AND NOT contains(#ids, :x)"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":id": &types.AttributeValueMemberSS{Value: []string{id}}, ":x": core.SV(id), ":one": core.N(1), ":hi": core.SV(c.hi), ":cap": core.N(int64(rankChunkCap))},
		}}, s.sumAdd(pk, 1)}, nil
	}
	// Split: halve.
	ids := append(slices.Clone(c.ids), id)
	slices.Sort(ids)
	cut := len(ids) / 2
	right := rankChunk{sk: rankFirstSK + ids[cut], hi: c.hi, ids: ids[cut:], v: 1}
	left := rankChunk{sk: c.sk, hi: ids[cut], ids: ids[:cut], v: c.v + 1}
	return []types.TransactWriteItem{
		s.chunkPut(pk, left, "#v = :v", map[string]types.AttributeValue{":v": core.N(c.v)}),
		s.chunkPut(pk, right, "attribute_not_exists(PK)", nil),
		s.sumAdd(pk, 1),
	}, nil
}

// rankRemove takes id out of list pk: out of its tail shard, or out of its closed chunk, where a
// chunk it empties (other than the first) is dropped and its range given to the chunk before it.
func (s *Lists) rankRemove(ctx context.Context, pk, id string) ([]types.TransactWriteItem, error) {
	t, err := s.readTail(ctx, pk)
	if err != nil {
		return nil, err
	}
	if id >= t.lo {
		return s.shardRemove(pk, t, id), nil
	}
	c, ok, err := s.chunkBefore(ctx, pk, rankFirstSK+id, true)
	if err != nil {
		return nil, err
	}
	if !ok || !slices.Contains(c.ids, id) {
		return nil, nil // not listed: nothing to take out
	}
	key := map[string]types.AttributeValue{"PK": core.SV(pk), "SK": core.SV(c.sk)}
	if len(c.ids) == 1 && c.sk != rankFirstSK {
		prev, ok, err := s.chunkBefore(ctx, pk, c.sk, false)
		if err != nil {
			return nil, err
		}
		if ok {
			return []types.TransactWriteItem{
				{Delete: &types.Delete{TableName: &s.Table, Key: key, ConditionExpression: aws.String("#v = :v"), ExpressionAttributeNames: rankNames("#v"),
					ExpressionAttributeValues: map[string]types.AttributeValue{":v": core.N(c.v)}}},
				{Update: &types.Update{TableName: &s.Table,
					Key:                       map[string]types.AttributeValue{"PK": core.SV(pk), "SK": core.SV(prev.sk)},
					UpdateExpression:          aws.String("SET #hi = :hi ADD #v :one"),
					ConditionExpression:       aws.String("#hi = :lo"),
					ExpressionAttributeNames:  rankNames("#hi", "#v"),
					ExpressionAttributeValues: map[string]types.AttributeValue{":hi": core.SV(c.hi), ":lo": core.SV(c.lo()), ":one": core.N(1)}}},
				s.sumAdd(pk, -1),
			}, nil
		}
	}
	cond := "contains(#ids, :x)"
	if c.sk != rankFirstSK {
		cond += " AND #n > :one" // the last id of a chunk goes by the merge above, never this way
	}
	return []types.TransactWriteItem{{Update: &types.Update{
		TableName:                 &s.Table,
		Key:                       key,
		UpdateExpression:          aws.String("DELETE #ids :id ADD #n :minus, #v :one"),
		ExpressionAttributeNames:  rankNames("#ids", "#n", "#v"),
		ConditionExpression:       aws.String(cond),
		ExpressionAttributeValues: map[string]types.AttributeValue{":id": &types.AttributeValueMemberSS{Value: []string{id}}, ":x": core.SV(id), ":minus": core.N(-1), ":one": core.N(1)},
	}}, s.sumAdd(pk, -1)}, nil
}

// rankWrites are the rank-list changes of an object going from old to next (nil for none). The
// lists' chunks are read concurrently: a create reads two (the resource's and its status's).
func (s *Lists) rankWrites(ctx context.Context, t domain.Tenant, res *schema.Resource, old, next domain.Doc) ([]types.TransactWriteItem, error) {
	was, is := rankLists(t, res, old), rankLists(t, res, next)
	type op struct {
		pk, id string
		insert bool
		writes []types.TransactWriteItem
	}
	var ops []*op
	for _, pk := range was {
		if !slices.Contains(is, pk) {
			ops = append(ops, &op{pk: pk, id: str(old["id"])})
		}
	}
	for _, pk := range is {
		if !slices.Contains(was, pk) {
			ops = append(ops, &op{pk: pk, id: str(next["id"]), insert: true})
		}
	}
	err := core.ForEach(ctx, len(ops), ops, func(ctx context.Context, o *op) (err error) {
		if o.insert {
			o.writes, err = s.rankInsert(ctx, o.pk, o.id, old == nil)
		} else {
			o.writes, err = s.rankRemove(ctx, o.pk, o.id)
		}
		return err
	})
	var out []types.TransactWriteItem
	for _, o := range ops {
		out = append(out, o.writes...)
	}
	return out, err
}

// splitTail separates a list's items into its closed chunks and its tail's shards.
func splitTail(items []rankChunk) (chunks, shards []rankChunk) {
	for _, c := range items {
		if c.shard() {
			shards = append(shards, c)
		} else {
			chunks = append(chunks, c)
		}
	}
	return chunks, shards
}

// rankChunks reads every chunk of a list (strongly consistent).
func (s *Lists) rankChunks(ctx context.Context, pk string) ([]rankChunk, error) {
	var out []rankChunk
	var start map[string]types.AttributeValue
	for {
		page, err := s.DB.Query(ctx, &dynamodb.QueryInput{
			TableName:                 &s.Table,
			KeyConditionExpression:    aws.String("PK = :pk"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":pk": core.SV(pk)},
			ExclusiveStartKey:         start,
			ConsistentRead:            aws.Bool(true),
		})
		if err != nil {
			return nil, fmt.Errorf("store: read rank list: %w", err)
		}
		for _, it := range page.Items {
			out = append(out, decodeChunk(it))
		}
		if start = page.LastEvaluatedKey; start == nil {
			return out, nil
		}
	}
}

// seedRanks adds seeded objects to their lists. Seeding has one writer per tenant (a new
// sandbox, a reset), so lists are rewritten without conditions: the closed chunks before the
// first new id stay, the rest of the list (later chunks and the tail) is cut again from its ids
// plus the new ones.
func (s *Lists) seedRanks(ctx context.Context, t domain.Tenant, res *schema.Resource, docs []domain.Doc) error {
	byList := map[string][]string{}
	var order []string
	for _, d := range docs {
		for _, pk := range rankLists(t, res, d) {
			if _, ok := byList[pk]; !ok {
				order = append(order, pk)
			}
			byList[pk] = append(byList[pk], str(d["id"]))
		}
	}
	var reqs []types.WriteRequest
	for _, pk := range order {
		added := byList[pk]
		slices.Sort(added)
		items, err := s.rankChunks(ctx, pk)
		if err != nil {
			return err
		}
		chunks, shards := splitTail(items)
		from := 0 // first chunk to rewrite
		for i, c := range chunks {
			if c.lo() <= added[0] {
				from = i
			}
		}
		ids := slices.Clone(added)
		firstSK := rankFirstSK
		if len(chunks) > 0 {
			firstSK = chunks[from].sk
			for _, c := range chunks[from:] {
				ids = append(ids, c.ids...)
			}
		}
		var anchorV int64
		for _, c := range shards {
			ids = append(ids, c.ids...)
			if c.sk == shardSK(0) {
				anchorV = c.v
			} else {
				reqs = append(reqs, types.WriteRequest{DeleteRequest: &types.DeleteRequest{Key: map[string]types.AttributeValue{"PK": core.SV(pk), "SK": core.SV(c.sk)}}})
			}
		}
		slices.Sort(ids)
		ids = slices.Compact(ids)
		written := map[string]bool{}
		put := func(c rankChunk) {
			written[c.sk] = true
			reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: s.rankItem(pk, c)}})
		}
		// The greatest id starts the tail, alone in the anchor: the rest is closed.
		tailLo, closed := ids[len(ids)-1], ids[:len(ids)-1]
		if firstSK == rankFirstSK && len(closed) == 0 {
			tailLo = "" // one id and no chunk: no roll yet
		}
		for i := 0; i < len(closed); i += rankChunkCap {
			part := closed[i:min(len(closed), i+rankChunkCap)]
			c := rankChunk{sk: rankFirstSK + part[0], hi: tailLo, ids: part, v: 1}
			if i == 0 {
				c.sk = firstSK
			}
			if i+rankChunkCap < len(closed) {
				c.hi = closed[i+rankChunkCap]
			}
			put(c)
		}
		put(rankChunk{sk: shardSK(0), tailLo: tailLo, ids: ids[len(ids)-1:], v: anchorV + 1, w: 1})
		kept := 0
		for _, c := range chunks[:min(from, len(chunks))] {
			kept += len(c.ids)
		}
		reqs = append(reqs, s.sumPut(pk, kept+len(closed)))
		for _, c := range chunks[min(from, len(chunks)):] {
			if !written[c.sk] {
				reqs = append(reqs, types.WriteRequest{DeleteRequest: &types.DeleteRequest{Key: map[string]types.AttributeValue{"PK": core.SV(pk), "SK": core.SV(c.sk)}}})
			}
		}
	}
	return s.BatchWrite(ctx, reqs, "seed rank lists")
}

// purgeRanks deletes whole lists.
func (s *Lists) purgeRanks(ctx context.Context, lists []string) error {
	var reqs []types.WriteRequest
	for _, pk := range lists {
		chunks, err := s.rankChunks(ctx, pk)
		if err != nil {
			return err
		}
		for _, c := range chunks {
			reqs = append(reqs, types.WriteRequest{DeleteRequest: &types.DeleteRequest{Key: map[string]types.AttributeValue{"PK": core.SV(pk), "SK": core.SV(c.sk)}}})
		}
		reqs = append(reqs, s.sumDelete(pk))
	}
	return s.BatchWrite(ctx, reqs, "purge rank lists")
}

// rankPath says which list answers q when its key condition is exact and in id order.
func (s *Lists) rankPath(t domain.Tenant, res *schema.Resource, q *query.Query) (string, bool) {
	conds := q.Where.Children
	switch len(conds) {
	case 0:
		return rankPK(t, res, "", nil), true
	case 1:
		c := conds[0]
		if c.Kind != query.KindCond || c.Op != query.OpEq {
			return "", false
		}
		f, ok := res.Field(c.Field)
		if !ok || !rankedField(f) {
			return "", false
		}
		return rankPK(t, res, f.Name, c.Value), true
	}
	return "", false
}

// executeRanked answers an exact, id-ordered query with a skip or a total from its rank list:
// chunks are read (and counted) until the page, the page's objects are read by key, and the
// total sums the rest of the chunks' counts. It reports false when an object of the page no
// longer matches (it changed between the two reads), or when the list kept changing its layout
// under every read (readRanked), so the caller can answer another way.
func (s *Lists) executeRanked(ctx context.Context, t domain.Tenant, res *schema.Resource, q *query.Query, pk string, desc bool, r *domain.Result) (bool, error) {
	for range rankReadAttempts {
		page, total, ok, err := s.readRanked(ctx, q, pk, desc, &r.Stats)
		if err != nil {
			return false, err
		}
		if ok {
			return s.answerRanked(ctx, t, res, q, page, total, r)
		}
		s.sh().retries.Add(1)
	}
	return false, nil
}

// rankReadAttempts bounds the reads of a list whose layout changes under them (a roll or a split
// between two pages of its Query) before the find is answered another way.
const rankReadAttempts = 3

// readRanked reads list pk up to the page (and to its end for a total). A list is read in
// several Query calls, which are not one snapshot: a roll or a split between two of them would
// leave ids out (or count them twice) and shift every later position. The layout links every
// item to its neighbours (a chunk's SK is its lo and it stores its hi; the next chunk starts at
// that hi; the tail's shards all start at the last chunk's hi), so a read that saw two layouts
// breaks a link and reports false, to be read again. The tail is read whole in one Query of its
// own (after the chunks, or before them when descending), never cut by a page's Limit: its
// shards are 1–3 items in a quiet list and every one of them in a busy one.
func (s *Lists) readRanked(ctx context.Context, q *query.Query, pk string, desc bool, st *domain.Stats) (page []string, total int, ok bool, err error) {
	rd := &rankedRead{s: s, q: q, pk: pk, desc: desc, st: st, need: q.Skip + q.Limit, linked: !desc, tailSeen: -1}
	if desc {
		if ok, err := rd.tail(ctx); !ok || err != nil {
			return nil, 0, false, err
		}
	}
	in := &dynamodb.QueryInput{
		TableName:                 &s.Table,
		KeyConditionExpression:    aws.String("PK = :pk AND SK < :t"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": core.SV(pk), ":t": core.SV(rankTailPrefix)},
		ScanIndexForward:          aws.Bool(!desc),
		Limit:                     aws.Int32(int32(1 + rd.need/rankChunkCap)),
		ConsistentRead:            aws.Bool(true),
		ReturnConsumedCapacity:    types.ReturnConsumedCapacityTotal,
	}
	total = -1
	for {
		if rd.pos >= rd.need {
			if !q.Total {
				break
			}
			if n, ok, err := s.listSize(ctx, pk, rd.tailSeen, st); err != nil || ok {
				total = n
				if err != nil {
					return nil, 0, false, err
				}
				break
			}
			// Past the page only counts matter: the rest of the list, ids left out.
			in.Limit, in.ProjectionExpression, in.ExpressionAttributeNames = nil, aws.String("SK, #n, #hi"), rankNames("#n", "#hi")
		}
		out, err := s.DB.Query(ctx, in)
		if err != nil {
			return nil, 0, false, fmt.Errorf("store: read rank list: %w", err)
		}
		core.AddStats(st, out.ScannedCount, out.ConsumedCapacity)
		for _, it := range out.Items {
			if !rd.chunk(decodeChunk(it)) {
				return nil, 0, false, nil
			}
		}
		if in.ExclusiveStartKey = out.LastEvaluatedKey; in.ExclusiveStartKey == nil {
			// Every chunk read: ascending, the tail is next when the page or the count needs it.
			if !desc && (rd.pos < rd.need || q.Total && total < 0) {
				if ok, err := rd.tail(ctx); !ok || err != nil {
					return nil, 0, false, err
				}
			}
			break
		}
		if in.Limit != nil {
			in.Limit = aws.Int32(2 * *in.Limit)
		}
	}
	if total < 0 {
		total = rd.pos
	}
	return rd.page, total, true, nil
}

// rankedRead is one read of a list (readRanked): the page's ids so far and the link the next
// item read must meet.
type rankedRead struct {
	s        *Lists
	q        *query.Query
	pk       string
	desc     bool
	st       *domain.Stats
	need     int      // skip + limit
	pos      int      // ids counted so far
	page     []string // the page's ids so far
	link     string   // ascending: the lo the next item must start at; descending: the hi the next chunk must end at
	linked   bool     // whether link is known yet (descending: not before the tail, absent in a list that never rolled)
	tailSeen int      // the tail's count once read, else -1
}

// take counts cnt ids, taking those of the page.
func (rd *rankedRead) take(cnt int, ids func() []string) {
	if rd.pos+cnt > rd.q.Skip && rd.pos < rd.need {
		got := ids()
		if rd.desc {
			slices.Reverse(got)
		}
		rd.page = append(rd.page, got[max(0, rd.q.Skip-rd.pos):min(len(got), rd.need-rd.pos)]...)
	}
	rd.pos += cnt
}

// chunk takes a closed chunk; false when it does not link to what was read before it.
func (rd *rankedRead) chunk(c rankChunk) bool {
	if rd.desc && rd.linked && c.hi != rd.link || !rd.desc && c.lo() != rd.link {
		return false
	}
	if rd.desc {
		rd.link, rd.linked = c.lo(), true
	} else {
		rd.link = c.hi
	}
	rd.take(int(c.n), func() []string { return c.ids })
	return true
}

// tail reads the tail's shards in one Query and takes their ids; false when they do not all
// start at one bound, or (ascending) not where the last chunk ended.
func (rd *rankedRead) tail(ctx context.Context) (bool, error) {
	shards, err := rd.s.tailShards(ctx, rd.pk, rd.st)
	if err != nil || len(shards) == 0 {
		return err == nil, err
	}
	lo, cnt := shards[0].tailLo, 0
	var ids []string
	for _, c := range shards {
		if c.tailLo != lo {
			return false, nil
		}
		cnt += int(c.n)
		ids = append(ids, c.ids...)
	}
	if !rd.desc && lo != rd.link {
		return false, nil
	}
	rd.link, rd.linked, rd.tailSeen = lo, true, cnt
	slices.Sort(ids)
	rd.take(cnt, func() []string { return ids })
	return true, nil
}

// tailShards reads the shards of list pk in one Query (strongly consistent), counted in st.
func (s *Lists) tailShards(ctx context.Context, pk string, st *domain.Stats) ([]rankChunk, error) {
	out, err := s.DB.Query(ctx, &dynamodb.QueryInput{
		TableName:                 &s.Table,
		KeyConditionExpression:    aws.String("PK = :pk AND begins_with(SK, :t)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": core.SV(pk), ":t": core.SV(rankTailPrefix)},
		ConsistentRead:            aws.Bool(true),
		ReturnConsumedCapacity:    types.ReturnConsumedCapacityTotal,
	})
	if err != nil {
		return nil, fmt.Errorf("store: read rank tail: %w", err)
	}
	core.AddStats(st, out.ScannedCount, out.ConsumedCapacity)
	shards := make([]rankChunk, 0, len(out.Items))
	for _, it := range out.Items {
		shards = append(shards, decodeChunk(it))
	}
	return shards, nil
}

// answerRanked reads the page's objects by key into r with the total; false when one of them no
// longer matches (it changed between the list's read and this one).
func (s *Lists) answerRanked(ctx context.Context, t domain.Tenant, res *schema.Resource, q *query.Query, page []string, total int, r *domain.Result) (bool, error) {
	docs, err := s.getObjects(ctx, t, res, page, &r.Stats)
	if err != nil {
		return false, err
	}
	for _, d := range docs {
		if d == nil {
			return false, nil
		}
		if hit, _ := q.Evaluate(res, d); !hit {
			return false, nil
		}
	}
	r.Docs = append(r.Docs, docs...)
	r.Total = total
	r.Stats.Plan += " + rank list"
	return true, nil
}

// getObjects reads objects by id (strongly consistent), in the order asked; a missing one is nil.
func (s *Lists) getObjects(ctx context.Context, t domain.Tenant, res *schema.Resource, ids []string, st *domain.Stats) ([]domain.Doc, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	partition := core.Partition(t, res.Name)
	keys := make([]map[string]types.AttributeValue, len(ids))
	for i, id := range ids {
		keys[i] = map[string]types.AttributeValue{"PK": core.SV(partition), "SK": core.SV(id)}
	}
	byID := map[string]domain.Doc{}
	for len(keys) > 0 {
		k := min(100, len(keys))
		req := map[string]types.KeysAndAttributes{s.Table: {Keys: keys[:k], ConsistentRead: aws.Bool(true)}}
		keys = keys[k:]
		for len(req) > 0 {
			out, err := s.DB.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: req, ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal})
			if err != nil {
				return nil, fmt.Errorf("store: get %s: %w", res.Name, err)
			}
			for _, it := range out.Responses[s.Table] {
				byID[core.GetS(it, "SK")] = core.UnmarshalDoc(it)
			}
			st.Scanned += len(out.Responses[s.Table])
			for _, c := range out.ConsumedCapacity {
				st.Capacity += aws.ToFloat64(c.CapacityUnits)
			}
			st.Queries++
			req = out.UnprocessedKeys
		}
	}
	docs := make([]domain.Doc, len(ids))
	for i, id := range ids {
		docs[i] = byID[id]
	}
	return docs, nil
}

// The marker item saying a table's rank lists hold every object.
// v2: the tail in shards (a table of v1 lists is rebuilt once). v3: shards only once written
// to, lanes on the anchor (v2 lists still read and write right; the rebuild makes their tails
// one item). v4: each list's closed count (summary.go; lists without one would count wrong
// once changed, so they are rebuilt).
const rankMarkerPK, rankMarkerSK = "META#ranklists", "v4"

// EnsureRankLists builds the rank lists of objects stored before rank lists existed (a local
// data directory of an older version), once per table: without them a $skip would miss those
// objects. A table whose marker is present is left alone; a new table only gets the marker.
func (s *Lists) EnsureRankLists(ctx context.Context) error {
	key := map[string]types.AttributeValue{"PK": core.SV(rankMarkerPK), "SK": core.SV(rankMarkerSK)}
	got, err := s.DB.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.Table, Key: key, ConsistentRead: aws.Bool(true)})
	if err != nil {
		return fmt.Errorf("store: read rank-list marker: %w", err)
	}
	if got.Item != nil {
		return nil
	}
	type group struct {
		t    domain.Tenant
		res  *schema.Resource
		docs []domain.Doc
	}
	groups := map[string]*group{}
	p := dynamodb.NewScanPaginator(s.DB, &dynamodb.ScanInput{TableName: &s.Table, ConsistentRead: aws.Bool(true)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("store: scan for rank lists: %w", err)
		}
		for _, it := range page.Items {
			pk := core.GetS(it, "PK")
			parts := strings.Split(pk, "#")
			if len(parts) != 6 || parts[0] != "A" || parts[3] != "O" {
				continue
			}
			res, ok := schema.Lookup(parts[5])
			if !ok || core.GetS(it, "object") != res.Object {
				continue
			}
			t := domain.Tenant{Account: parts[1], Mode: parts[2], Org: parts[4]}
			if core.Partition(t, res.Name) != pk {
				continue
			}
			g := groups[pk]
			if g == nil {
				g = &group{t: t, res: res}
				groups[pk] = g
			}
			doc := domain.Doc{"id": core.GetS(it, "SK")}
			for _, f := range rankFields(res) {
				if v, ok := it[f.Name]; ok {
					doc[f.Name] = core.FromAV(v)
				}
			}
			g.docs = append(g.docs, doc)
		}
	}
	for _, g := range groups {
		lists := map[string]bool{rankPK(g.t, g.res, "", nil): true}
		for _, d := range g.docs {
			for _, pk := range rankLists(g.t, g.res, d) {
				lists[pk] = true
			}
		}
		if err := s.purgeRanks(ctx, slices.Sorted(maps.Keys(lists))); err != nil {
			return err
		}
		if err := s.seedRanks(ctx, g.t, g.res, g.docs); err != nil {
			return err
		}
	}
	if _, err := s.DB.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.Table, Item: key}); err != nil {
		return fmt.Errorf("store: write rank-list marker: %w", err)
	}
	return nil
}
