package phraseindex

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hapihub/hapihub/shared/domain"
	"github.com/hapihub/hapihub/shared/query"
	"github.com/hapihub/hapihub/shared/schema"
	"github.com/hapihub/hapihub/shared/store/core"
	"github.com/hapihub/hapihub/shared/textsearch"
)

// The pair index answers $search phrases (docs/query.md). Per object, each distinct pair of
// adjacent surface tokens (a, b) of a searchable field (textsearch.SurfaceTokens: folded,
// unstemmed, stop words kept) has a posting item PK = <partition>#pair#<a>\x01<b>, SK = id,
// holding a copy of the object, like the term postings. A phrase t0..tk (k >= 1) can only match
// an object having a pair (.. ending with t0, t1), (t_i, t_i+1) for interior tokens, or
// (t_k-1, .. starting with tk); the vocabulary items say which such pairs exist and how many
// objects hold each:
//   - right: PK = <partition>#pairR#<a>, SK = b, c = objects with (a, b);
//   - left:  PK = <partition>#pairL#<b>, SK = reverse(a), c (so "ends with t0" is begins_with);
//   - tokens: PK = <partition>#tok, SK = b of every indexed pair, for two-token phrases, whose
//     both tokens are partial. Never deleted.
// Postings change in the object's transaction, with the vocabulary items and tokens the store
// has not seen exist; other counts change after it (pairWrites); an object whose pairs would not fit
// (more than MaxPairs pairs, more than MaxPairTerms term postings, a token over maxPairToken
// bytes, or text textsearch cannot bound for case- or diacritic-sensitive phrases) is put in a
// pair-overflow list that every phrase plan reads, counted by its own vocabulary item.

// MaxPairs and MaxPairTerms keep an object's transaction within TransactWriteItems' 100 items:
// an update replacing every term (MaxPairTerms deletes and puts, or up to 40 deletes and 41 puts
// when either side overflows the pair index) and every pair (MaxPairs deletes and puts, with two
// vocabulary items and a token per pair added) stays at or below 83 index writes, leaving room
// for the object, its events, their outbox entries and guards. TestPairWritesFitTransaction
// checks the worst cases on the engine.
const (
	MaxPairs     = 8
	MaxPairTerms = 16
)

const (
	// maxPairToken bounds a token in a key (DynamoDB: partition keys up to 2048 bytes, sort keys 1024).
	maxPairToken = 100
	// maxEdgePairs is the most pairs one plan option may read; a wider option is not used.
	maxEdgePairs = 100
	// maxEdgeTokens bounds the tokens a two-token phrase's last token may begin.
	maxEdgeTokens = 50
	// pairOverflowLimit: with more objects in the pair-overflow list, phrases are answered by the
	// term lists, which that list would otherwise outweigh.
	pairOverflowLimit = 500
	countWorkers      = 8
)

type wordPair struct{ a, b string }

func pairBase(t domain.Tenant, res *schema.Resource) string { return core.Partition(t, res.Name) }

func pairPostingPK(t domain.Tenant, res *schema.Resource, escA, escB string) string {
	return pairBase(t, res) + "#pair#" + escA + core.KeySep + escB
}

func pairOverflowPK(t domain.Tenant, res *schema.Resource) string {
	return pairBase(t, res) + "#pairovf"
}

func pairOverflowCountKey(t domain.Tenant, res *schema.Resource) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"PK": core.SV(pairBase(t, res) + "#pairovfcount"), "SK": core.SV("c")}
}

func pairRightPK(t domain.Tenant, res *schema.Resource, escA string) string {
	return pairBase(t, res) + "#pairR#" + escA
}

func pairLeftPK(t domain.Tenant, res *schema.Resource, escB string) string {
	return pairBase(t, res) + "#pairL#" + escB
}

func pairTokPK(t domain.Tenant, res *schema.Resource) string { return pairBase(t, res) + "#tok" }

func pairRightKey(t domain.Tenant, res *schema.Resource, p wordPair) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"PK": core.SV(pairRightPK(t, res, core.EscapeKey(p.a))), "SK": core.SV(core.EscapeKey(p.b))}
}

func pairLeftKey(t domain.Tenant, res *schema.Resource, p wordPair) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"PK": core.SV(pairLeftPK(t, res, core.EscapeKey(p.b))), "SK": core.SV(core.EscapeKey(textsearch.ReverseRunes(p.a)))}
}

// unescapeKey inverts core.EscapeKey.
func unescapeKey(s string) string {
	if !strings.Contains(s, "\x02") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == 2 && i+1 < len(s) {
			b.WriteByte(s[i+1] - 3)
			i++
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// docPairs are the distinct adjacent-token pairs of doc's searchable fields, in field order,
// or overflow when doc is not pair-indexed (see MaxPairs).
func (s *Index) docPairs(res *schema.Resource, doc domain.Doc) (pairs []wordPair, overflow bool) {
	if doc == nil {
		return nil, false
	}
	if len(s.terms(res, doc)) > MaxPairTerms {
		return nil, true
	}
	seen := map[wordPair]bool{}
	for _, f := range query.SearchFields(res, doc) {
		toks, ok := textsearch.SurfaceTokens(f.Text)
		if !ok {
			return nil, true
		}
		for i := 0; i+1 < len(toks); i++ {
			p := wordPair{toks[i], toks[i+1]}
			if len(p.a) > maxPairToken || len(p.b) > maxPairToken {
				return nil, true
			}
			if seen[p] {
				continue
			}
			if len(pairs) == MaxPairs {
				return nil, true
			}
			seen[p] = true
			pairs = append(pairs, p)
		}
	}
	return pairs, false
}

// pairTxWrites are the pair-index changes of an object going from old to next (nil for none):
// the postings for its transaction, the vocabulary counts to raise (new pairs) and to lower
// (pairs gone), and the tokens the token vocabulary must hold when they commit. Counts of known
// items are not in the transaction: one vocabulary item counts every object with a common pair
// ("example com" of every email at example.com), and in every create's transaction it would be
// a hot item that concurrent creates of an organization conflict on (pairWrites decides).
func (s *Index) pairTxWrites(t domain.Tenant, res *schema.Resource, old, next domain.Doc) (out []types.TransactWriteItem, inc, dec []countDelta, toks []string, err error) {
	newPairs, newOvf := s.docPairs(res, next)
	oldPairs, oldOvf := s.docPairs(res, old)
	had := map[wordPair]bool{}
	for _, p := range oldPairs {
		had[p] = true
	}
	keep := map[wordPair]bool{}
	put := func(pk string) error {
		item, err := core.MarshalItem(next, map[string]types.AttributeValue{"PK": core.SV(pk), "SK": core.SV(str(next["id"]))})
		if err != nil {
			return err
		}
		out = append(out, types.TransactWriteItem{Put: &types.Put{TableName: &s.Table, Item: item}})
		return nil
	}
	// Kept pairs are rewritten too: the postings are copies of the object.
	for _, p := range newPairs {
		keep[p] = true
		if err := put(pairPostingPK(t, res, core.EscapeKey(p.a), core.EscapeKey(p.b))); err != nil {
			return nil, nil, nil, nil, err
		}
		if !had[p] {
			inc = append(inc, countDelta{pairRightKey(t, res, p), 1}, countDelta{pairLeftKey(t, res, p), 1})
			toks = append(toks, p.b)
		}
	}
	if newOvf {
		if err := put(pairOverflowPK(t, res)); err != nil {
			return nil, nil, nil, nil, err
		}
	}
	id := str(old["id"])
	for _, p := range oldPairs {
		if keep[p] {
			continue
		}
		out = append(out, types.TransactWriteItem{Delete: &types.Delete{TableName: &s.Table,
			Key: map[string]types.AttributeValue{"PK": core.SV(pairPostingPK(t, res, core.EscapeKey(p.a), core.EscapeKey(p.b))), "SK": core.SV(id)}}})
		dec = append(dec, countDelta{pairRightKey(t, res, p), -1}, countDelta{pairLeftKey(t, res, p), -1})
	}
	if oldOvf && !newOvf {
		out = append(out, types.TransactWriteItem{Delete: &types.Delete{TableName: &s.Table,
			Key: map[string]types.AttributeValue{"PK": core.SV(pairOverflowPK(t, res)), "SK": core.SV(id)}}})
	}
	switch {
	case newOvf && !oldOvf:
		inc = append(inc, countDelta{pairOverflowCountKey(t, res), 1})
	case oldOvf && !newOvf:
		dec = append(dec, countDelta{pairOverflowCountKey(t, res), -1})
	}
	return out, inc, dec, toks, nil
}

// pairWrites are the transaction items that keep the pair postings in step with an object going
// from old to next (Writes: the search planner's indexWrites calls it). Vocabulary items this
// store has not seen exist (and the tokens of new pairs) are raised and put in the same
// transaction, so a committed pair is always reachable; counts of items known to exist are
// raised, and those of pairs gone lowered, once the change committed, off the request path
// (settleCounts, countqueue.go).
//
// Sending the new vocabulary before the transaction, as this did, cost a round trip and a
// commit on every create with a new pair (most: an email's local part is one), for one write
// unit less per item. A vocabulary item is new to a store only once, so the items a
// transaction raises are rarely contended: 16 writers in one organization conflict on a common
// pair ("example com") only until one of them commits it.
func (s *Index) pairWrites(ctx context.Context, t domain.Tenant, res *schema.Resource, old, next domain.Doc) ([]types.TransactWriteItem, error) {
	out, inc, dec, toks, err := s.pairTxWrites(t, res, old, next)
	if err != nil {
		return nil, err
	}
	l, _ := ctx.Value(ledgerKey{}).(*countLedger)
	if l == nil {
		return nil, fmt.Errorf("store: pair writes outside writeWithEvents")
	}
	// Every attempt plans afresh: a cancelled transaction raised nothing.
	l.after, l.seen = l.after[:0], l.seen[:0]
	for _, d := range inc {
		if s.vocabKnown(d.key) {
			l.after = append(l.after, d)
			continue
		}
		out = append(out, types.TransactWriteItem{Update: &types.Update{TableName: &s.Table, Key: d.key,
			UpdateExpression: aws.String("ADD c :d"), ExpressionAttributeValues: map[string]types.AttributeValue{":d": core.N(d.delta)}}})
		l.seen = append(l.seen, d.key)
	}
	putTok := map[string]bool{}
	for _, tok := range toks {
		key := map[string]types.AttributeValue{"PK": core.SV(pairTokPK(t, res)), "SK": core.SV(core.EscapeKey(tok))}
		if putTok[tok] || s.vocabKnown(key) {
			continue // a transaction may not name an item twice
		}
		putTok[tok] = true
		out = append(out, types.TransactWriteItem{Put: &types.Put{TableName: &s.Table, Item: key}})
		l.seen = append(l.seen, key)
	}
	l.lower = dec
	return out, nil
}

// countLedger is one write's vocabulary counts as its last attempt planned them: the items its
// transaction creates (known to exist once it commits), the counts to raise and to lower after.
type countLedger struct {
	seen  []map[string]types.AttributeValue // created or raised in the transaction
	after []countDelta                      // to raise after it commits (items known to exist)
	lower []countDelta
}

type ledgerKey struct{}

// settleCounts finishes a write's counts once its transaction committed: the vocabulary it
// created is remembered, the pairs it removed are lowered and known ones raised. They are
// queued and applied off the request path (countqueue.go): a count off for a while prices plans
// and nothing else. A write that did not commit changed no count.
func (s *Index) settleCounts(l *countLedger, committed bool) {
	if !committed {
		return
	}
	for _, k := range l.seen {
		s.vocabSeen(k)
	}
	s.queueCounts(append(l.after, l.lower...))
}

func (s *Index) putPairTokens(ctx context.Context, t domain.Tenant, res *schema.Resource, toks []string) error {
	seen := map[string]bool{}
	var reqs []types.WriteRequest
	for _, tok := range toks {
		if seen[tok] {
			continue
		}
		seen[tok] = true
		reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: map[string]types.AttributeValue{
			"PK": core.SV(pairTokPK(t, res)), "SK": core.SV(core.EscapeKey(tok))}}})
	}
	return s.BatchWrite(ctx, reqs, "put phrase tokens")
}

// countDelta is an aggregated change of one vocabulary count.
type countDelta struct {
	key   map[string]types.AttributeValue
	delta int64
}

// pairCountDeltas aggregates the vocabulary counts of docs (sign +1 when they are added, -1
// when they go), with the tokens their pairs end with.
func (s *Index) pairCountDeltas(t domain.Tenant, res *schema.Resource, docs []domain.Doc, sign int64) ([]countDelta, []string) {
	counts := map[wordPair]int64{}
	var order []wordPair
	overflow := int64(0)
	for _, d := range docs {
		pairs, ovf := s.docPairs(res, d)
		if ovf {
			overflow++
		}
		for _, p := range pairs {
			if counts[p] == 0 {
				order = append(order, p)
			}
			counts[p]++
		}
	}
	var out []countDelta
	var toks []string
	for _, p := range order {
		out = append(out, countDelta{pairRightKey(t, res, p), sign * counts[p]}, countDelta{pairLeftKey(t, res, p), sign * counts[p]})
		toks = append(toks, p.b)
	}
	if overflow > 0 {
		out = append(out, countDelta{pairOverflowCountKey(t, res), sign * overflow})
	}
	return out, toks
}

// addCounts applies count changes with UpdateItem ADD, countWorkers at a time.
func (s *Index) addCounts(ctx context.Context, deltas []countDelta) error {
	return core.ForEach(ctx, countWorkers, deltas, func(ctx context.Context, d countDelta) error {
		_, err := s.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: &s.Table, Key: d.key,
			UpdateExpression: aws.String("ADD c :d"), ExpressionAttributeValues: map[string]types.AttributeValue{":d": core.N(d.delta)}})
		if err != nil {
			return fmt.Errorf("store: update phrase vocabulary: %w", err)
		}
		return nil
	})
}

// seedPairIndex writes the vocabulary of seeded objects (tokens, then counts aggregated over the
// call) and returns their pair postings for the seed's batches. The vocabulary goes first: if
// the seed stops half-way, counts may be high (planning only) but no posting is unreachable.
func (s *Index) seedPairIndex(ctx context.Context, t domain.Tenant, res *schema.Resource, docs []domain.Doc) ([]types.WriteRequest, error) {
	if len(query.SearchPaths(res)) == 0 {
		return nil, nil
	}
	deltas, toks := s.pairCountDeltas(t, res, docs, 1)
	if err := s.putPairTokens(ctx, t, res, toks); err != nil {
		return nil, err
	}
	if err := s.addCounts(ctx, deltas); err != nil {
		return nil, err
	}
	var reqs []types.WriteRequest
	for _, d := range docs {
		ws, _, _, _, err := s.pairTxWrites(t, res, nil, d)
		if err != nil {
			return nil, err
		}
		for _, w := range ws {
			if w.Put != nil {
				reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: w.Put.Item}})
			}
		}
	}
	return reqs, nil
}

// purgePairWrites delete the pair postings of a purged object (purgePairCounts then lowers the
// counts).
func (s *Index) purgePairWrites(t domain.Tenant, res *schema.Resource, doc domain.Doc) []types.WriteRequest {
	pairs, ovf := s.docPairs(res, doc)
	id := str(doc["id"])
	var out []types.WriteRequest
	for _, p := range pairs {
		out = append(out, types.WriteRequest{DeleteRequest: &types.DeleteRequest{Key: map[string]types.AttributeValue{
			"PK": core.SV(pairPostingPK(t, res, core.EscapeKey(p.a), core.EscapeKey(p.b))), "SK": core.SV(id)}}})
	}
	if ovf {
		out = append(out, types.WriteRequest{DeleteRequest: &types.DeleteRequest{Key: map[string]types.AttributeValue{
			"PK": core.SV(pairOverflowPK(t, res)), "SK": core.SV(id)}}})
	}
	return out
}

// purgePairCounts lowers the vocabulary counts of purged objects, aggregated.
func (s *Index) purgePairCounts(ctx context.Context, t domain.Tenant, res *schema.Resource, docs []domain.Doc) error {
	if len(query.SearchPaths(res)) == 0 {
		return nil
	}
	deltas, _ := s.pairCountDeltas(t, res, docs, -1)
	return s.addCounts(ctx, deltas)
}

// --- planning ---

// List is one posting list of a plan, with its vocabulary count.
type List struct {
	PK    string
	Count int64
}

// Plan is a set of posting lists whose union holds every object a phrase matches (one option of
// a phrase, with the overflow list once chosen), and the sum of their counts.
type Plan struct {
	Name  string
	Lists []List
	Total int64
}

// plan is the pair lists of the search's cheapest phrase option, when the search has a phrase of
// at least two surface tokens (ok is false otherwise, or when the pair index would not narrow
// it). Options are priced by the vocabulary counts, evaluated from the cheapest to read (an
// interior pair is one GetItem) and no further once one costs no more than the page: more
// vocabulary reads could not pay for themselves. Every candidate is still checked against the
// whole query by the executor.
func (s *Index) plan(ctx context.Context, t domain.Tenant, res *schema.Resource, q *query.Query, streamed bool, st *domain.Stats) (Plan, bool, error) {
	if q.Search == nil {
		return Plan{}, false, nil
	}
	phrases := searchPhrases(q)
	if len(phrases) == 0 {
		return Plan{}, false, nil
	}
	// The overflow count is read alongside the options: one round trip less on every phrase.
	type counted struct {
		c   int64
		st  domain.Stats
		err error
	}
	overflowc := make(chan counted, 1)
	go func() {
		var cs domain.Stats
		c, _, err := s.getCount(ctx, pairOverflowCountKey(t, res), &cs)
		overflowc <- counted{c, cs, err}
	}()
	evals := s.phraseOptions(ctx, t, res, phrases, st)
	stopAt := int64(max(q.Skip+q.Limit, 1))
	if streamed {
		// A streamed page stops at its matches, so an option of up to twice the page costs about
		// the page whatever the next options hold: pricing them is a round trip for nothing.
		stopAt *= 2
	}
	var best Plan
	found := false
	for _, ev := range evals {
		if found && best.Total <= stopAt {
			break
		}
		o, ok, err := ev()
		if err != nil {
			<-overflowc
			return Plan{}, false, err
		}
		if ok && (!found || o.Total < best.Total) {
			best, found = o, true
		}
	}
	oc := <-overflowc
	st.Queries += oc.st.Queries
	st.Scanned += oc.st.Scanned
	st.Capacity += oc.st.Capacity
	overflow := oc.c
	if oc.err != nil || !found || overflow > pairOverflowLimit {
		return Plan{}, false, oc.err
	}
	// The overflow count bounds its list from above (both change in one transaction; seeds
	// raise it before writing postings, purges lower it after deleting them), so 0 means empty.
	if overflow > 0 {
		best.Lists = append(best.Lists, List{PK: pairOverflowPK(t, res), Count: overflow})
		best.Total += overflow
	}
	return best, true, nil
}

// searchPhrases are the search's phrases of at least two surface tokens, as tokens.
func searchPhrases(q *query.Query) [][]string {
	var phrases [][]string
	for _, ph := range q.Search.Parsed.Phrases {
		if toks := textsearch.PhraseTokens(ph, q.Search.Options); len(toks) >= 2 {
			phrases = append(phrases, toks)
		}
	}
	return phrases
}

// phraseOptions are the evaluations of every pair option of the phrases, cheapest to price
// first: interior pairs, left edges, right edges, two-token phrases.
func (s *Index) phraseOptions(ctx context.Context, t domain.Tenant, res *schema.Resource, phrases [][]string, st *domain.Stats) []func() (Plan, bool, error) {
	var evals []func() (Plan, bool, error)
	for _, toks := range phrases {
		for i := 1; i+1 <= len(toks)-2; i++ {
			a, b := toks[i], toks[i+1]
			evals = append(evals, func() (Plan, bool, error) { return s.interiorOption(ctx, t, res, a, b, st) })
		}
	}
	for _, toks := range phrases {
		if k := len(toks) - 1; k >= 2 {
			evals = append(evals, func() (Plan, bool, error) { return s.leftEdgeOption(ctx, t, res, toks[0], toks[1], st) })
		}
	}
	for _, toks := range phrases {
		if k := len(toks) - 1; k >= 2 {
			evals = append(evals, func() (Plan, bool, error) { return s.rightEdgeOption(ctx, t, res, toks[k-1], toks[k], st) })
		}
	}
	for _, toks := range phrases {
		if len(toks) == 2 {
			evals = append(evals, func() (Plan, bool, error) { return s.twoTokenOption(ctx, t, res, toks[0], toks[1], st) })
		}
	}
	return evals
}

// getCount reads one vocabulary count (found is false when the item does not exist).
func (s *Index) getCount(ctx context.Context, key map[string]types.AttributeValue, st *domain.Stats) (c int64, found bool, err error) {
	out, err := s.DB.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.Table, Key: key, ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal})
	if err != nil {
		return 0, false, fmt.Errorf("read phrase vocabulary: %w", err)
	}
	st.Queries++
	if out.ConsumedCapacity != nil && out.ConsumedCapacity.CapacityUnits != nil {
		st.Capacity += *out.ConsumedCapacity.CapacityUnits
	}
	if out.Item == nil {
		return 0, false, nil
	}
	st.Scanned++
	return core.GetN(out.Item, "c"), true, nil
}

// vocab reads the vocabulary entries of pk beginning with prefix; ok is false past limit.
func (s *Index) vocab(ctx context.Context, pk, prefix string, limit int, st *domain.Stats) (items []map[string]types.AttributeValue, ok bool, err error) {
	out, err := s.DB.Query(ctx, &dynamodb.QueryInput{TableName: &s.Table, KeyConditionExpression: aws.String("PK = :pk AND begins_with(SK, :p)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": core.SV(pk), ":p": core.SV(prefix)},
		ScanIndexForward:          aws.Bool(true), Limit: aws.Int32(int32(limit + 1)), ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal})
	if err != nil {
		return nil, false, fmt.Errorf("read phrase vocabulary: %w", err)
	}
	core.AddStats(st, out.ScannedCount, out.ConsumedCapacity)
	if len(out.Items) > limit || out.LastEvaluatedKey != nil {
		return nil, false, nil
	}
	return out.Items, true, nil
}

// interiorOption: the exact pair of two interior tokens.
func (s *Index) interiorOption(ctx context.Context, t domain.Tenant, res *schema.Resource, a, b string, st *domain.Stats) (Plan, bool, error) {
	if len(a) > maxPairToken || len(b) > maxPairToken {
		return Plan{}, true, nil // no such pair is indexed: only the overflow list can match
	}
	c, _, err := s.getCount(ctx, pairRightKey(t, res, wordPair{a, b}), st)
	if err != nil {
		return Plan{}, false, err
	}
	// The list is read even when its count is 0: counts only price the plan.
	return Plan{Name: a + " " + b, Total: c, Lists: []List{{PK: pairPostingPK(t, res, core.EscapeKey(a), core.EscapeKey(b)), Count: c}}}, true, nil
}

// leftEdgeOption: the pairs (.. ending with t0, t1).
func (s *Index) leftEdgeOption(ctx context.Context, t domain.Tenant, res *schema.Resource, t0, t1 string, st *domain.Stats) (Plan, bool, error) {
	o := Plan{Name: "*" + t0 + " " + t1}
	if len(t1) > maxPairToken {
		return o, true, nil
	}
	items, ok, err := s.vocab(ctx, pairLeftPK(t, res, core.EscapeKey(t1)), core.EscapeKey(textsearch.ReverseRunes(t0)), maxEdgePairs, st)
	if err != nil || !ok {
		return o, false, err
	}
	for _, it := range items {
		a := textsearch.ReverseRunes(unescapeKey(core.GetS(it, "SK")))
		c := core.GetN(it, "c")
		o.Lists = append(o.Lists, List{PK: pairPostingPK(t, res, core.EscapeKey(a), core.EscapeKey(t1)), Count: c})
		o.Total += c
	}
	return o, true, nil
}

// rightEdgeOption: the pairs (t_k-1, tk..).
func (s *Index) rightEdgeOption(ctx context.Context, t domain.Tenant, res *schema.Resource, a, tk string, st *domain.Stats) (Plan, bool, error) {
	o := Plan{Name: a + " " + tk + "*"}
	if len(a) > maxPairToken {
		return o, true, nil
	}
	items, ok, err := s.vocab(ctx, pairRightPK(t, res, core.EscapeKey(a)), core.EscapeKey(tk), maxEdgePairs, st)
	if err != nil || !ok {
		return o, false, err
	}
	for _, it := range items {
		c := core.GetN(it, "c")
		o.Lists = append(o.Lists, List{PK: pairPostingPK(t, res, core.EscapeKey(a), core.GetS(it, "SK")), Count: c})
		o.Total += c
	}
	return o, true, nil
}

// twoTokenOption: the pairs (.. ending with t0, t1..), through the tokens beginning with t1.
func (s *Index) twoTokenOption(ctx context.Context, t domain.Tenant, res *schema.Resource, t0, t1 string, st *domain.Stats) (Plan, bool, error) {
	o := Plan{Name: "*" + t0 + " " + t1 + "*"}
	toks, ok, err := s.vocab(ctx, pairTokPK(t, res), core.EscapeKey(t1), maxEdgeTokens, st)
	if err != nil || !ok {
		return o, false, err
	}
	for _, tok := range toks {
		escB := core.GetS(tok, "SK")
		items, ok, err := s.vocab(ctx, pairLeftPK(t, res, escB), core.EscapeKey(textsearch.ReverseRunes(t0)), maxEdgePairs-len(o.Lists), st)
		if err != nil || !ok {
			return o, false, err
		}
		for _, it := range items {
			a := textsearch.ReverseRunes(unescapeKey(core.GetS(it, "SK")))
			c := core.GetN(it, "c")
			o.Lists = append(o.Lists, List{PK: pairPostingPK(t, res, core.EscapeKey(a), escB), Count: c})
			o.Total += c
		}
	}
	return o, true, nil
}

// vocabKnown reports whether this store has seen the vocabulary item (or token) at key exist.
func (s *Index) vocabKnown(key map[string]types.AttributeValue) bool {
	_, ok := s.known().Load(core.GetS(key, "PK") + "\x00" + core.GetS(key, "SK"))
	return ok
}

func (s *Index) vocabSeen(key map[string]types.AttributeValue) {
	s.known().Store(core.GetS(key, "PK")+"\x00"+core.GetS(key, "SK"), true)
}
