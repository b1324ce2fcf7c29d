package search

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hapihub/hapihub/shared/apperr"
	"github.com/hapihub/hapihub/shared/domain"
	"github.com/hapihub/hapihub/shared/query"
	"github.com/hapihub/hapihub/shared/schema"
	"github.com/hapihub/hapihub/shared/store/core"
	"github.com/hapihub/hapihub/shared/store/ranklist"
	"github.com/hapihub/hapihub/shared/textsearch"
)

// Find answers a compiled query with the table's indexes (docs/query.md): it picks an access
// path (externalId look-up, equality, $in or $or of equalities, range or sort on a slot index,
// term postings for $search, else the resource partition), streams it, checks every candidate
// against the whole query in memory, and stops as soon as the page is full when the path's
// order is the query's order and no total is wanted.
func (s *Index) Find(ctx context.Context, t domain.Tenant, res *schema.Resource, q *query.Query) (domain.Result, error) {
	p, err := s.plan(t, res, q)
	if err != nil {
		return domain.Result{}, err // a refusal: the query has no bounded plan
	}
	r := domain.Result{}
	// A phrase may narrow a search path to pair postings (phraseindex); that plan reads vocabulary.
	err = s.phrasePlan(ctx, t, res, q, &p, &r.Stats)
	r.Stats.Plan = p.name
	if err == nil {
		var done bool
		if done, err = s.rankedTotal(ctx, t, res, q, p, &r); !done && err == nil {
			err = s.execute(ctx, t, res, q, p, &r)
		}
	}
	if e := (*apperr.Error)(nil); errors.As(err, &e) && e.Kind == apperr.InvalidParameters {
		return domain.Result{}, err
	}
	if err != nil {
		return domain.Result{}, fmt.Errorf("store: find %s (%s): %w", res.Name, p.name, err)
	}
	return r, nil
}

// maxCandidates bounds the items one find reads and checks in memory (query.MaxCandidates; a
// variable so tests can lower it).
var maxCandidates = query.MaxCandidates

// IndexRow is the resource's line of docs/query.md's table of what its indexes answer.
func IndexRow(res *schema.Resource) string {
	var comp []string
	for _, s := range IndexSlots(res) {
		if s.Fields != nil {
			comp = append(comp, "("+strings.Join(s.Fields, ", ")+")")
		}
	}
	if len(comp) == 0 {
		comp = []string{"-"}
	}
	return fmt.Sprintf("| %s | %s | %s | %s |", res.Name, strings.Join(res.IndexedFields(), ", "), strings.Join(res.SortableFirst(), ", "), strings.Join(comp, ", "))
}

// servable says, for a refusal, what the resource can answer.
func servable(res *schema.Resource) string {
	return fmt.Sprintf("%s are answered from indexes when they filter with an equality, $in or range on %s, an $or whose every branch has such an equality, or $search; "+
		"and sort first on %s (further sort keys then order ties; not after an enum or boolean field), or on any field after such a filter. See docs/query.md.",
		res.Name, strings.Join(res.IndexedFields(), ", "), strings.Join(res.SortableFirst(), ", "))
}

func errSortNotIndexed(res *schema.Resource, field string, more bool) error {
	if f, ok := res.Field(field); ok && more && f.Indexed {
		return apperr.New(apperr.InvalidParameters, "Sorting %s on %s (a field of few values) and then on more keys would sort most of them in memory: "+
			"sort on %s alone, or filter first. %s", res.Name, field, field, servable(res)).WithCode("query_not_indexed")
	}
	return apperr.New(apperr.InvalidParameters, "Sorting %s on %s first would read every one of them: %s", res.Name, field, servable(res)).WithCode("query_not_indexed")
}

func errTooBroad(res *schema.Resource) error {
	return apperr.New(apperr.InvalidParameters, "This query reads more than %d %s to answer (MaxCandidates); narrow it. %s", maxCandidates, res.Name, servable(res)).WithCode("query_too_broad")
}

func errSkipTooBroad(res *schema.Resource) error {
	return apperr.New(apperr.InvalidParameters, "A $skip over %d on this query would read every %s it skips (only the whole list, or one status-like value, "+
		"keeps counts that skip without reading); narrow it with a filter, or page with startingAfter (the id of the last object seen), which reads only the page at any depth. %s",
		maxCandidates, res.Object, servable(res)).WithCode("query_too_broad")
}

// keyQuery is one DynamoDB Query of an access path.
type keyQuery struct {
	index string // "" for the base table
	kce   string
	names map[string]string
	vals  map[string]types.AttributeValue
}

// access is a chosen access path.
type access struct {
	name    string
	queries []keyQuery // several are merged by id
	// byValue: the single query is ordered by the value of this field, then id.
	byValue string
	desc    bool
	// ordered: the path yields candidates in the query's order.
	ordered bool
	// exact: every candidate matches (the key conditions are the whole query), so skips and
	// totals can be counted without reading items.
	exact bool
	// rank: the rank list (rank.go) holding exactly this path's objects, when there is one.
	rank string
	// groupBy: the path is in these fields' value order (desc), but the query orders ties of
	// those values by further keys: the executor sorts each run of equal values as a whole.
	groupBy []string
	// skip, when set, replaces queries: a skip scan (mixed-direction compound sorts).
	skip *skipScan
	// mergeSK: the queries are merged in this sort-key attribute's order past its first
	// component (see mergeStream), not by id.
	mergeSK string
	// hints, when set, are the first page sizes of the queries (else pageHint's, for all).
	hints []int32
}

// planner holds what the access-path choices of one query share: the query, and the order it
// wants without the keys that equality already fixes.
type planner struct {
	s         *Index
	t         domain.Tenant
	res       *schema.Resource
	q         *query.Query
	conds     []query.Node
	keys      []query.SortKey
	idDesc    bool
	relevance bool
	idOrdered bool
	byTime    bool // a createdAt sort answered in id order (timeorder.go)
	idBounds  int  // how many of conds are id bounds standing for createdAt ranges
}

func (s *Index) newPlanner(t domain.Tenant, res *schema.Resource, q *query.Query) *planner {
	conds := q.Where.Children
	// The order the query wants, without keys that equality already fixes.
	fixed := map[string]bool{}
	for _, c := range conds {
		if c.Kind == query.KindCond && c.Op == query.OpEq {
			fixed[c.Field] = true
		}
	}
	var keys []query.SortKey
	idDesc := q.IDDesc()
	for _, k := range q.Sort {
		if k.Field == "id" {
			// id is unique: keys after it never apply, and it sets the tie-break's direction.
			idDesc = k.Desc
			break
		}
		if !fixed[k.Field] {
			keys = append(keys, k)
		}
	}
	relevance := q.Search != nil && q.Search.SortByRelevance
	idOrdered := len(keys) == 0 && !relevance
	p := &planner{s: s, t: t, res: res, q: q, conds: conds, keys: keys, idDesc: idDesc, relevance: relevance, idOrdered: idOrdered}
	p.timeOrder()
	return p
}

// plan picks the access path, or refuses a query no path serves without reading the whole
// organization (a sort whose first key has no index and no narrowing filter).
func (s *Index) plan(t domain.Tenant, res *schema.Resource, q *query.Query) (a access, err error) {
	p := s.newPlanner(t, res, q)
	if p.byTime {
		defer func() { a.name += " (createdAt order = id order)" }()
	}
	if q.Search != nil {
		return p.searchAccess(), nil
	}
	if a, ok := p.indexedAccess(); ok {
		return a, nil
	}
	if p.idBounds > 0 {
		return p.sortOrPartition() // createdAt ranges in id order: the partition's id range
	}
	if a, ok := p.rangeAccess(); ok {
		return a, nil
	}
	return p.sortOrPartition()
}

// ordering finishes a path read in the order of the first n sort keys (then id, in the
// read's direction): further keys, or ties going by id the other way, are applied within
// each run of equal values (groupBy), so the page costs its items plus the run it ends in.
func (p *planner) ordering(a access, n int) access {
	keys, idDesc := p.keys, p.idDesc
	a.desc, a.ordered = keys[0].Desc, true
	if len(keys) > n || keys[n-1].Desc != idDesc {
		for _, k := range keys[:n] {
			a.groupBy = append(a.groupBy, k.Field)
		}
		a.name += fmt.Sprintf(" then %d key(s) by run", len(keys)-n)
	}
	return a
}

// sortPath reads the sort's index in value order (between bounds, all on the first key): a
// compound index when the first two keys are one in the same direction, else the first
// key's slot.
func (p *planner) sortPath(bounds []query.Node) (access, bool) {
	s, t, res, keys := p.s, p.t, p.res, p.keys
	if len(keys) == 0 || p.relevance {
		return access{}, false
	}
	if a, ok := p.compoundSortPath(bounds); ok {
		return a, true
	}
	slot, ok := slotOf(res, keys[0].Field)
	if !ok {
		return access{}, false
	}
	a := s.rangePath(t, res, slot, bounds)
	if len(bounds) == 0 {
		a.name = "sort " + slot.Field + " (" + slot.Index + ")"
	}
	a = p.ordering(a, 1)
	if a.groupBy != nil && broadField(res, keys[0].Field) {
		// A run of one enum or boolean value is a large share of the organization: sorting
		// it whole is the cliff this planner refuses (unless a filter narrows it first).
		return access{}, false
	}
	return a, true
}

// compoundSortPath is sortPath on a compound index of the first two sort keys.
func (p *planner) compoundSortPath(bounds []query.Node) (access, bool) {
	s, t, res, keys := p.s, p.t, p.res, p.keys
	if len(keys) >= 2 {
		if slot, ok := compoundOf(res, keys[0].Field, keys[1].Field); ok {
			first, hasFirst := slotOf(res, keys[0].Field)
			switch {
			case keys[0].Desc == keys[1].Desc:
				a := s.rangePath(t, res, slot, bounds)
				a.name = "sort " + slot.Field + " (" + slot.Index + ")"
				return p.ordering(a, 2), true
			case len(bounds) == 0 && hasFirst:
				// Opposite directions: each value of the first key in its order (one item read
				// from its own index per value), and that value's range of the compound index
				// read in the second key's direction.
				a := access{name: "sort " + slot.Field + " (" + slot.Index + ", skip scan on " + first.Index + ")",
					skip: &skipScan{t: t, res: res, first: first, compound: slot, firstDesc: keys[0].Desc, secondDesc: keys[1].Desc}}
				// Ties within a (first, second) pair come in the second key's id order, which
				// ordering compares with the tie-break's direction.
				return p.ordering(a, 2), true
			}
		}
	}
	return access{}, false
}

// prefixPath: an equality on a compound index's first field, sorted on its next one, reads
// that index from the value on, in the sort's order.
func (p *planner) prefixPath(c query.Node) (access, bool) {
	t, res, keys := p.t, p.res, p.keys
	if len(keys) == 0 || p.relevance || c.Kind != query.KindCond || c.Op != query.OpEq {
		return access{}, false
	}
	slot, ok := compoundOf(res, c.Field, keys[0].Field)
	if !ok {
		return access{}, false
	}
	a := access{name: "equality " + c.Field + " sorted by " + keys[0].Field + " (" + slot.Index + ")", queries: []keyQuery{{
		index: slot.Index,
		kce:   "#pk = :pk AND begins_with(#sk, :v)",
		names: map[string]string{"#pk": slot.PK, "#sk": slot.SK},
		vals:  map[string]types.AttributeValue{":pk": core.SV(slotPK(t, res, slot.Field)), ":v": core.SV(core.EncodeValue(c.Value) + core.KeySep)},
	}}}
	return p.ordering(a, 1), true
}

// sortedOr: an $or whose every branch has an equality on a compound index's first field,
// sorted on its second: each branch's range read in the sort's order, merged in that order.
func (p *planner) sortedOr(or query.Node) (access, bool) {
	res, q, keys := p.res, p.q, p.keys
	if len(keys) == 0 || p.relevance {
		return access{}, false
	}
	a := access{name: "or sorted by " + keys[0].Field + " (merged compound ranges)"}
	for _, branch := range or.Children {
		found := false
		for _, c := range branch.Children {
			if b, ok := p.prefixPath(c); ok {
				sk := IndexSlotSK(res, b.queries[0].index)
				if a.mergeSK != "" && sk != a.mergeSK {
					return access{}, false // branches on different compound indexes
				}
				a.queries, a.mergeSK, found = append(a.queries, b.queries...), sk, true
				break
			}
		}
		if !found {
			return access{}, false
		}
	}
	// Each range's first page is its share of the page plus about a standard deviation of
	// how unevenly the branches interleave (sqrt of the share), so that a second round trip
	// is rare (~4% for two branches and a page of 10, against ~50% for the bare share) while
	// the reads stay within 1.6x the page. Pages grow with what is still needed.
	even := (q.Skip + q.Limit + len(a.queries) - 1) / max(len(a.queries), 1)
	share := int32(even + int(math.Ceil(math.Sqrt(float64(even)))))
	for range a.queries {
		a.hints = append(a.hints, max(share, 2))
	}
	return p.ordering(a, 1), len(a.queries) > 0
}

// searchAccess: a $search reads the term postings when it is in the index's language, else
// the partition.
func (p *planner) searchAccess() access {
	s, t, res, q, idDesc, idOrdered := p.s, p.t, p.res, p.q, p.idDesc, p.idOrdered
	if q.Search.Language == indexLanguage {
		if a, ok := s.searchPath(t, res, q); ok {
			a.desc, a.ordered = idDesc, idOrdered
			return a
		}
	}
	return s.partitionPath(t, res, idDesc, idOrdered, "scan (search language "+q.Search.Language+")")
}

// indexedAccess: equality on an indexed field, then $in, then $or of indexable branches.
func (p *planner) indexedAccess() (access, bool) {
	s, t, res, q, conds, keys := p.s, p.t, p.res, p.q, p.conds, p.keys
	idDesc, idOrdered := p.idDesc, p.idOrdered
	only := len(conds)-p.idBounds == 1 // the id bounds are key conditions too (seekID)
	for _, c := range conds {
		if a, ok := p.prefixPath(c); ok {
			a.exact = only && a.groupBy == nil
			return a, true
		}
	}
	for _, c := range conds {
		if a, ok := s.eqPath(t, res, c); ok {
			if len(keys) > 0 && broadField(res, c.Field) {
				// An enum or boolean value holds a large share of the objects: reading the sort's
				// index in order and filtering stops at the page, sorting the share would not.
				if sp, ok := p.sortPath(nil); ok {
					return sp, true
				}
			}
			a.desc, a.ordered, a.exact = idDesc, idOrdered, only
			a.rank, _ = s.Ranks.Path(t, res, q)
			if idOrdered {
				seekID(&a, conds)
			}
			return a, true
		}
	}
	for _, c := range conds {
		if c.Kind == query.KindOr {
			if a, ok := p.sortedOr(c); ok {
				return a, true
			}
			if a, ok := s.orPath(t, res, c); ok {
				a.desc, a.ordered = idDesc, idOrdered
				return a, true
			}
		}
	}
	return access{}, false
}

// rangeAccess: ranges on one slot field (all of its bounds).
func (p *planner) rangeAccess() (access, bool) {
	s, t, res, conds, keys := p.s, p.t, p.res, p.conds, p.keys
	for _, c := range conds {
		if c.Kind != query.KindCond || !isRange(c.Op) || c.Value == nil {
			continue
		}
		slot, ok := slotOf(res, c.Field)
		if !ok {
			continue
		}
		bounds, others := rangeBounds(conds, c.Field)
		if len(keys) > 0 && keys[0].Field == c.Field {
			if a, ok := p.sortPath(bounds); ok {
				a.exact = others == 0 && a.groupBy == nil
				return a, true
			}
		}
		a := s.rangePath(t, res, slot, bounds)
		a.desc = len(keys) == 1 && keys[0].Desc
		// Ordered by (value, id): the query's order only when it sorts on this field alone.
		a.ordered = !p.relevance && len(keys) == 1 && keys[0].Field == c.Field && keys[0].Desc == p.idDesc
		a.exact = others == 0
		return a, true
	}
	return access{}, false
}

// rangeBounds are the range conditions on field, and how many conditions are something else.
func rangeBounds(conds []query.Node, field string) (bounds []query.Node, others int) {
	for _, d := range conds {
		if d.Kind == query.KindCond && d.Field == field && isRange(d.Op) && d.Value != nil {
			bounds = append(bounds, d)
		} else {
			others++
		}
	}
	return bounds, others
}

// sortOrPartition: a sort on a slot field reads that index in order (it is dense, so it is
// complete); a sort on anything else is refused; no sort reads the partition.
func (p *planner) sortOrPartition() (access, error) {
	s, t, res, q, conds, keys := p.s, p.t, p.res, p.q, p.conds, p.keys
	if a, ok := p.sortPath(nil); ok {
		a.exact = len(conds) == 0 && a.groupBy == nil
		return a, nil
	}
	if len(keys) > 0 {
		return access{}, errSortNotIndexed(res, keys[0].Field, len(keys) > 1 || keys[0].Desc != p.idDesc)
	}
	a := s.partitionPath(t, res, p.idDesc, p.idOrdered, "partition")
	seekID(&a, conds)
	a.exact = len(conds) == p.idBounds
	a.rank, _ = s.Ranks.Path(t, res, q)
	return a, nil
}

// broadField: an equality on f may match a large share of the objects (an enum or a boolean,
// the fields rank lists are kept for).
func broadField(res *schema.Resource, field string) bool {
	f, ok := res.Field(field)
	return ok && ranklist.RankedField(f)
}

func isRange(op query.Op) bool {
	return op == query.OpLt || op == query.OpLte || op == query.OpGt || op == query.OpGte
}

func (s *Index) partitionPath(t domain.Tenant, res *schema.Resource, desc, ordered bool, name string) access {
	return access{name: name, desc: desc, ordered: ordered, queries: []keyQuery{{
		kce: "PK = :pk", vals: map[string]types.AttributeValue{":pk": core.SV(core.Partition(t, res.Name))},
	}}}
}

// seekID narrows reads in id order to the id bounds among conds (a cursor's, or createdAt ranges
// as timeOrder rewrites them): the partition's sort key is the id; an equality's slot range
// (<value>\x01<id>) becomes the part of it within the bounds. An empty range reads nothing.
func seekID(a *access, conds []query.Node) {
	lo, hi := query.IDRange(conds)
	if lo == "" && hi == "" {
		return
	}
	if hi != "" && lo > hi {
		a.queries = nil // DynamoDB refuses BETWEEN with lo > hi
	}
	for i := range a.queries {
		kq := &a.queries[i]
		v, ok := kq.vals[":v"].(*types.AttributeValueMemberS)
		l, h := lo, hi
		switch {
		case kq.index == "" && kq.kce == "PK = :pk" && hi == "":
			kq.kce += " AND SK >= :lo"
		case kq.index == "" && kq.kce == "PK = :pk" && lo == "":
			kq.kce += " AND SK <= :hi"
		case kq.index == "" && kq.kce == "PK = :pk":
			kq.kce += " AND SK BETWEEN :lo AND :hi"
		case ok && strings.HasSuffix(kq.kce, "begins_with(#sk, :v)"):
			l, h = v.Value+lo, v.Value+cmp.Or(hi, "\x7f") // the value's keys within the bounds
			kq.kce = strings.TrimSuffix(kq.kce, "begins_with(#sk, :v)") + "#sk BETWEEN :lo AND :hi"
			delete(kq.vals, ":v")
		default:
			continue
		}
		if l != "" {
			kq.vals[":lo"] = core.SV(l)
		}
		if h != "" {
			kq.vals[":hi"] = core.SV(h)
		}
	}
	a.name += " from id range"
}

// eqQueries are the index queries for field = v (ordered by id), if the field is indexed.
func (s *Index) eqQuery(t domain.Tenant, res *schema.Resource, field string, v any) (keyQuery, bool) {
	if field == "externalId" {
		ext, ok := v.(string)
		if !ok || ext == "" {
			return keyQuery{}, false
		}
		return keyQuery{index: core.GSI1, kce: "GSI1PK = :pk", vals: map[string]types.AttributeValue{":pk": core.SV(externalPK(t, res, ext))}}, true
	}
	slot, ok := slotOf(res, field)
	if !ok {
		return keyQuery{}, false
	}
	return keyQuery{
		index: slot.Index,
		kce:   "#pk = :pk AND begins_with(#sk, :v)",
		names: map[string]string{"#pk": slot.PK, "#sk": slot.SK},
		vals:  map[string]types.AttributeValue{":pk": core.SV(slotPK(t, res, field)), ":v": core.SV(core.EncodeValue(v) + core.KeySep)},
	}, true
}

func (s *Index) eqPath(t domain.Tenant, res *schema.Resource, c query.Node) (access, bool) {
	if c.Kind != query.KindCond {
		return access{}, false
	}
	switch c.Op {
	case query.OpEq:
		kq, ok := s.eqQuery(t, res, c.Field, c.Value)
		return access{name: "equality " + c.Field, queries: []keyQuery{kq}}, ok
	case query.OpIn:
		a := access{name: "in " + c.Field}
		for _, v := range c.Values {
			kq, ok := s.eqQuery(t, res, c.Field, v)
			if !ok {
				return access{}, false
			}
			a.queries = append(a.queries, kq)
		}
		return a, len(a.queries) > 0
	}
	return access{}, false
}

// orPath unions one indexable equality (or $in) of every branch.
func (s *Index) orPath(t domain.Tenant, res *schema.Resource, or query.Node) (access, bool) {
	a := access{name: "or"}
	for _, branch := range or.Children {
		found := false
		for _, c := range branch.Children {
			if b, ok := s.eqPath(t, res, c); ok {
				a.queries = append(a.queries, b.queries...)
				a.name += " " + b.name + ";"
				found = true
				break
			}
		}
		if !found {
			return access{}, false
		}
	}
	return a, len(a.queries) > 0 && len(a.queries) <= 2*query.MaxValues
}

// rangePath reads a slot index between the bounds (all of them on the slot's field).
func (s *Index) rangePath(t domain.Tenant, res *schema.Resource, slot IndexSlot, bounds []query.Node) access {
	lo, hi := "", "\x7f"
	if len(bounds) > 0 {
		tag := core.EncodeValue(bounds[0].Value)[:1]
		lo, hi = tag, string(rune(tag[0]+1))
		for _, b := range bounds {
			enc := core.EncodeValue(b.Value)
			var l, h string
			pos, seek := seekKey(slot, b)
			switch {
			case b.Op == query.OpGte && seek:
				l = pos + "\x00" // a cursor: just past the anchor's own key
			case b.Op == query.OpLte && seek:
				h = pos
			case b.Op == query.OpGte:
				l = enc
			case b.Op == query.OpGt:
				l = enc + "\x02"
			case b.Op == query.OpLt:
				h = enc
			case b.Op == query.OpLte:
				h = enc + "\x02"
			}
			if l != "" && l > lo {
				lo = l
			}
			if h != "" && h < hi {
				hi = h
			}
		}
	}
	a := access{name: "range " + slot.Field + " (" + slot.Index + ")", byValue: slot.Field}
	if lo > hi {
		return a // empty: DynamoDB refuses BETWEEN with lo > hi
	}
	a.queries = []keyQuery{{
		index: slot.Index,
		kce:   "#pk = :pk AND #sk BETWEEN :lo AND :hi",
		names: map[string]string{"#pk": slot.PK, "#sk": slot.SK},
		vals:  map[string]types.AttributeValue{":pk": core.SV(slotPK(t, res, slot.Field)), ":lo": core.SV(lo), ":hi": core.SV(hi)},
	}}
	return a
}

// seekKey is a cursor's position as the slot's sort key (its values, then id), when the slot
// orders by exactly the fields the cursor's order does.
func seekKey(slot IndexSlot, b query.Node) (string, bool) {
	fields := slot.Fields
	if fields == nil {
		fields = []string{slot.Field}
	}
	if b.After == "" || !slices.Equal(fields, b.AfterFields) {
		return "", false
	}
	var key strings.Builder
	for _, f := range fields {
		v, _ := query.Lookup(b.Anchor, f)
		key.WriteString(core.EncodeValue(v) + core.KeySep)
	}
	return key.String() + b.After, true
}

// searchPath reads the posting lists of the search's terms (plus the overflow list), merged by
// id; every candidate is then confirmed against the whole query.
//
// A phrase's interior words are whole tokens of every document the phrase matches, so when
// there is one, its list alone holds every candidate (each also holds one of the search's
// terms, as MongoDB requires): the union of every term's list, where a common word ("street")
// would be read for each rare one, is then not needed. Of several such terms the longest is
// read, longer words being the rarer ones.
func (s *Index) searchPath(t domain.Tenant, res *schema.Resource, q *query.Query) (access, bool) {
	anyTerms, required, _ := textsearch.QueryTerms(q.Search.Parsed, q.Search.Options)
	a := access{name: "search " + strings.Join(anyTerms, "|")}
	if len(anyTerms) == 0 {
		return a, true // no positive term: MongoDB matches nothing
	}
	lists := anyTerms
	if len(required) > 0 {
		best := required[0]
		for _, r := range required[1:] {
			if len(r) > len(best) {
				best = r
			}
		}
		lists = []string{best}
		a.name = "search required " + best
	}
	for _, term := range append(lists, overflowTerm) {
		a.queries = append(a.queries, keyQuery{kce: "PK = :pk", vals: map[string]types.AttributeValue{":pk": core.SV(termPK(t, res, term))}})
	}
	return a, true
}

// execute streams the path and fills r. It reads at most maxCandidates items (errTooBroad).
func (s *Index) execute(ctx context.Context, t domain.Tenant, res *schema.Resource, q *query.Query, p access, r *domain.Result) error {
	need := q.Skip + q.Limit
	if p.ordered && p.exact && len(p.queries) == 1 {
		return s.executeExact(ctx, t, res, q, p, r)
	}
	count, read, hits := 0, 0, 0
	// A run of equal groupBy values, sorted by the whole query order when it ends.
	var run []query.Scored
	runKey := ""
	// An ordered stream's next page asks for what the page still needs at the density of matches
	// seen so far (+25%), split over merged streams, 4x the last at most; once the page is full,
	// as much again as the run it ends in has so far.
	grow := func(streams int) grower {
		if !p.ordered || q.Total {
			return nil
		}
		return func(cur int32) int32 {
			rem := need - hits
			if rem <= 0 {
				// The page is full but the run it ends in goes on: runs tend to be as long as
				// the part already read, and short ones are the common case.
				return int32(max(2, min(len(run)+1, 1000)))
			}
			n := int32(math.Ceil(float64(rem)*float64(read+1)/float64(hits+1)*1.25/float64(streams))) + 1
			return max(2, min(n, cur*4, 1000))
		}
	}
	src := s.source(p, pageHint(p, q, need), &r.Stats, grow)
	var matched []query.Scored
	flush := func() {
		count = placeRun(q, run, count, r)
		run = run[:0]
	}
	for {
		doc, ok, err := src.next(ctx)
		if err != nil {
			return err
		}
		if !ok {
			break
		}
		if read++; read > maxCandidates {
			return errTooBroad(res)
		}
		hit, score := q.Evaluate(res, doc)
		if !hit {
			continue
		}
		hits++
		if !p.ordered {
			matched = append(matched, query.Scored{Doc: doc, Score: score})
			continue
		}
		if p.groupBy != nil {
			k := groupKey(doc, p.groupBy)
			if k != runKey || len(run) == 0 {
				flush()
				runKey = k
				if count >= need && !q.Total {
					break
				}
			}
			run = append(run, query.Scored{Doc: doc, Score: score})
			continue
		}
		count++
		if count > q.Skip && len(r.Docs) < q.Limit {
			r.Docs = append(r.Docs, doc)
		}
		if count >= need && !q.Total {
			break
		}
	}
	flush()
	if !p.ordered {
		count = placeUnordered(q, matched, need, r)
	}
	r.Total = count
	return nil
}

// executeExact answers an exact, ordered, single-query path: from its rank list when a skip
// or a total wants one, else counted by DynamoDB (executeCounted).
func (s *Index) executeExact(ctx context.Context, t domain.Tenant, res *schema.Resource, q *query.Query, p access, r *domain.Result) error {
	if p.rank != "" && (q.Skip > 0 || q.Total) {
		ok, err := s.Ranks.Execute(ctx, t, res, q, p.rank, p.desc, r)
		if ok || err != nil {
			return err
		}
		*r = domain.Result{Stats: r.Stats}
	}
	return s.executeCounted(ctx, res, q, p, r)
}

// placeRun sorts a run of equal groupBy values by the whole query order and pages it; it
// returns the count of matches placed so far.
func placeRun(q *query.Query, run []query.Scored, count int, r *domain.Result) int {
	q.Order(run)
	for _, m := range run {
		count++
		if count > q.Skip && len(r.Docs) < q.Limit {
			r.Docs = append(r.Docs, m.Doc)
		}
	}
	return count
}

// groupKey is the encoded groupBy values of doc: equal keys are one run.
func groupKey(doc domain.Doc, fields []string) string {
	k := ""
	for _, f := range fields {
		v, _ := query.Lookup(doc, f)
		k += core.EncodeValue(v) + core.KeySep
	}
	return k
}

// placeUnordered sorts every match of an unordered path and pages them; it returns the total.
func placeUnordered(q *query.Query, matched []query.Scored, need int, r *domain.Result) int {
	q.Order(matched)
	for i := q.Skip; i < len(matched) && i < need; i++ {
		r.Docs = append(r.Docs, matched[i].Doc)
	}
	return len(matched)
}

// pageHint sizes the first page of a streamed query: the page and one more (to see that it is
// the end); sorted by run, a few more, so that a run of ties at the page's end (as common at 100
// objects as at 100,000) is seen without a second round trip.
func pageHint(p access, q *query.Query, need int) int32 {
	if !p.ordered || q.Total {
		return 0 // read it all: DynamoDB's 1 MB pages
	}
	if p.groupBy != nil {
		return int32(min(max(need+1+max(3, need/4), 10), 1000))
	}
	return int32(min(max(need+1, 10), 1000))
}

// executeCounted answers an exact, ordered, single-query path: the skipped items and the total
// are counted by DynamoDB (Select COUNT: only keys cross the wire) and just the page is read.
// DynamoDB still reads (and bills) every key it counts, so counting is held to maxCandidates
// like any other read: a larger $skip is refused before reading, a larger total when reached.
// (A path with a rank list comes here only when a ranked page changed under it, rarely: it is
// answered whole, as its list's size bounds it.)
func (s *Index) executeCounted(ctx context.Context, res *schema.Resource, q *query.Query, p access, r *domain.Result) error {
	if len(p.queries) == 0 {
		return nil
	}
	bounded := p.rank == ""
	if bounded && q.Skip > maxCandidates {
		return errSkipTooBroad(res)
	}
	kq := p.queries[0]
	var start map[string]types.AttributeValue
	skipped := 0
	for skipped < q.Skip {
		out, err := s.runQuery(ctx, kq, p.desc, int32(q.Skip-skipped), start, true, &r.Stats)
		if err != nil {
			return err
		}
		skipped += int(out.Count)
		start = out.LastEvaluatedKey
		if start == nil {
			break
		}
	}
	done := skipped < q.Skip || (start == nil && q.Skip > 0)
	count := skipped
	for !done && len(r.Docs) < q.Limit {
		out, err := s.runQuery(ctx, kq, p.desc, int32(q.Limit-len(r.Docs)), start, false, &r.Stats)
		if err != nil {
			return err
		}
		for _, it := range out.Items {
			r.Docs = append(r.Docs, core.UnmarshalDoc(it))
		}
		count += len(out.Items)
		start = out.LastEvaluatedKey
		done = start == nil
	}
	for q.Total && !done {
		limit := int32(0) // DynamoDB's 1 MB pages
		if bounded {
			if count >= maxCandidates {
				return errTooBroad(res)
			}
			limit = int32(maxCandidates + 1 - count)
		}
		out, err := s.runQuery(ctx, kq, p.desc, limit, start, true, &r.Stats)
		if err != nil {
			return err
		}
		count += int(out.Count)
		start = out.LastEvaluatedKey
		done = start == nil
	}
	r.Total = count
	return nil
}

func (s *Index) runQuery(ctx context.Context, kq keyQuery, desc bool, limit int32, start map[string]types.AttributeValue, countOnly bool, st *domain.Stats) (*dynamodb.QueryOutput, error) {
	in := &dynamodb.QueryInput{
		TableName:                 &s.Table,
		KeyConditionExpression:    aws.String(kq.kce),
		ExpressionAttributeValues: kq.vals,
		ScanIndexForward:          aws.Bool(!desc),
		ExclusiveStartKey:         start,
		ReturnConsumedCapacity:    types.ReturnConsumedCapacityTotal,
	}
	if len(kq.names) > 0 {
		in.ExpressionAttributeNames = kq.names
	}
	if kq.index != "" {
		in.IndexName = aws.String(kq.index)
	}
	if limit > 0 {
		in.Limit = aws.Int32(limit)
	}
	if countOnly {
		in.Select = types.SelectCount
	}
	out, err := s.DB.Query(ctx, in)
	if err != nil {
		return nil, err
	}
	core.AddStats(st, out.ScannedCount, out.ConsumedCapacity)
	return out, nil
}

// source yields candidate documents.
type source interface {
	next(ctx context.Context) (domain.Doc, bool, error)
}

// grower sizes a stream's next page from the current one; nil grows it 4x.
type grower func(cur int32) int32

func (s *Index) source(p access, hint int32, st *domain.Stats, grow func(streams int) grower) source {
	limit := func(i int) int32 {
		if i < len(p.hints) {
			return p.hints[i]
		}
		return hint
	}
	if p.skip != nil {
		sc := *p.skip
		sc.s, sc.st, sc.hint, sc.grow = s, st, hint, grow(1)
		return &sc
	}
	if len(p.queries) == 1 {
		return &queryStream{s: s, kq: p.queries[0], desc: p.desc, limit: limit(0), st: st, grow: grow(1)}
	}
	m := &mergeStream{desc: p.desc, mergeSK: p.mergeSK}
	for i, kq := range p.queries {
		m.streams = append(m.streams, &queryStream{s: s, kq: kq, desc: p.desc, limit: limit(i), st: st, grow: grow(len(p.queries))})
	}
	return m
}

// queryStream reads one key condition page by page, growing the pages as it goes.
type queryStream struct {
	s     *Index
	kq    keyQuery
	desc  bool
	limit int32
	st    *domain.Stats
	grow  grower
	buf   []map[string]types.AttributeValue
	start map[string]types.AttributeValue
	done  bool
}

func (q *queryStream) peek(ctx context.Context) (map[string]types.AttributeValue, bool, error) {
	for len(q.buf) == 0 && !q.done {
		if q.start != nil && q.limit > 0 {
			// A next page, sized now that the last one has been consumed.
			if q.grow != nil {
				q.limit = q.grow(q.limit)
			} else {
				q.limit = min(q.limit*4, 1000)
			}
		}
		out, err := q.s.runQuery(ctx, q.kq, q.desc, q.limit, q.start, false, q.st)
		if err != nil {
			return nil, false, err
		}
		q.buf, q.start = out.Items, out.LastEvaluatedKey
		q.done = q.start == nil
	}
	if len(q.buf) == 0 {
		return nil, false, nil
	}
	return q.buf[0], true, nil
}

func (q *queryStream) next(ctx context.Context) (domain.Doc, bool, error) {
	it, ok, err := q.peek(ctx)
	if !ok || err != nil {
		return nil, false, err
	}
	q.buf = q.buf[1:]
	return core.UnmarshalDoc(it), true, nil
}

// mergeStream merges id-ordered streams, dropping duplicates (an object in two posting lists,
// or matching two $or branches).
type mergeStream struct {
	streams []*queryStream
	desc    bool
	last    string
	// mergeSK, when set, merges by this sort-key attribute after its first component (a compound
	// index's value of the second field, then id) instead of by id.
	mergeSK string
}

func (m *mergeStream) key(it map[string]types.AttributeValue) string {
	if m.mergeSK == "" {
		return core.GetS(it, "id")
	}
	sk := core.GetS(it, m.mergeSK)
	return sk[strings.Index(sk, core.KeySep)+1:]
}

func (m *mergeStream) next(ctx context.Context) (domain.Doc, bool, error) {
	for {
		best, bestID := -1, ""
		for i, st := range m.streams {
			it, ok, err := st.peek(ctx)
			if err != nil {
				return nil, false, err
			}
			if !ok {
				continue
			}
			id := m.key(it)
			if best < 0 || (m.desc && id > bestID) || (!m.desc && id < bestID) {
				best, bestID = i, id
			}
		}
		if best < 0 {
			return nil, false, nil
		}
		doc, _, _ := m.streams[best].next(ctx)
		if bestID == m.last && m.last != "" {
			continue
		}
		m.last = bestID
		return doc, true, nil
	}
}

// skipScan reads a compound index (a, b) in a's order with b in the opposite direction: it finds
// each next value of a with one item of a's own slot index (a Limit 1 query past the previous
// value), then streams that value's range of the compound index in b's direction. A page costs
// its items plus one item per value of a it spans.
type skipScan struct {
	t                     domain.Tenant
	res                   *schema.Resource
	first, compound       IndexSlot
	firstDesc, secondDesc bool

	s    *Index
	st   *domain.Stats
	hint int32
	grow grower
	cur  *queryStream
	last string // the encoded value of a being read ("" before the first)
	done bool
	sent int32 // items handed out so far: later runs' first pages ask only for the rest
}

func (k *skipScan) next(ctx context.Context) (domain.Doc, bool, error) {
	for {
		if k.cur != nil {
			doc, ok, err := k.cur.next(ctx)
			if ok || err != nil {
				k.sent++
				return doc, ok, err
			}
			k.cur = nil
		}
		if k.done {
			return nil, false, nil
		}
		// The next value of a: past every key of the last one (they are last+\x01+id).
		lo, hi := "", "\x7f"
		if k.started() {
			if k.firstDesc {
				hi = k.last
			} else {
				lo = k.last + "\x02"
			}
		}
		kq := keyQuery{index: k.first.Index, kce: "#pk = :pk AND #sk BETWEEN :lo AND :hi",
			names: map[string]string{"#pk": k.first.PK, "#sk": k.first.SK},
			vals:  map[string]types.AttributeValue{":pk": core.SV(slotPK(k.t, k.res, k.first.Field)), ":lo": core.SV(lo), ":hi": core.SV(hi)}}
		if lo > hi {
			k.done = true
			continue
		}
		out, err := k.s.runQuery(ctx, kq, k.firstDesc, 1, nil, false, k.st)
		if err != nil {
			return nil, false, err
		}
		if len(out.Items) == 0 {
			k.done = true
			continue
		}
		sk := core.GetS(out.Items[0], k.first.SK)
		k.last = sk[:strings.LastIndex(sk, core.KeySep)]
		limit := k.hint
		if limit > 0 {
			limit = max(limit-k.sent, 2)
		}
		k.cur = &queryStream{s: k.s, desc: k.secondDesc, limit: limit, st: k.st, grow: k.grow, kq: keyQuery{
			index: k.compound.Index,
			kce:   "#pk = :pk AND begins_with(#sk, :v)",
			names: map[string]string{"#pk": k.compound.PK, "#sk": k.compound.SK},
			vals:  map[string]types.AttributeValue{":pk": core.SV(slotPK(k.t, k.res, k.compound.Field)), ":v": core.SV(k.last + core.KeySep)},
		}}
	}
}

func (k *skipScan) started() bool { return k.last != "" }

// IndexSlotSK is the sort-key attribute of the slot index named index.
func IndexSlotSK(res *schema.Resource, index string) string {
	for _, sl := range IndexSlots(res) {
		if sl.Index == index {
			return sl.SK
		}
	}
	return ""
}
