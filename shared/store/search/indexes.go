package search

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hapihub/hapihub/shared/domain"
	"github.com/hapihub/hapihub/shared/query"
	"github.com/hapihub/hapihub/shared/schema"
	"github.com/hapihub/hapihub/shared/store/core"
	"github.com/hapihub/hapihub/shared/textsearch"
)

// Indexes (docs/query.md has the whole design).
//
// GSI1 answers equality look-ups by externalId: GSI1PK = <resource partition>#externalId#<value>,
// GSI1SK = id (sparse: only objects with an externalId).
//
// GSI2..GSIn are overloaded "slot" indexes: each resource gives its other Indexed scalar fields
// slots 2, 3, ... in declaration order, and an object carries, per slot,
// GSI<n>SK = <encoded value>\x01<id>. The slot indexes' partition key is the table's own PK (the
// object's tenant partition): the index number already names the field within a resource, so
// a GSI<n>PK of <partition>#<field> repeated the partition once per slot, ~370 bytes of a
// patient's ~1.1 KB (and again in each of its 7 index copies) for nothing a query needs. The encoding
// sorts as BSON order does (null/missing < numbers < strings < booleans), so one index answers
// equality (begins_with), ranges (BETWEEN) and sorts, ties broken by id. The index is dense:
// an object without the field is written under the null encoding, so a sort over it is complete.
//
// The term index for $search lives in the base table: one posting item per distinct term of an
// object's searchable fields, PK = <resource partition>#term#<term>, SK = id, carrying a copy of
// the object so a search reads nothing else. It is written in the object's own transaction.

// IndexSlot is one slot index of a resource.
type IndexSlot struct {
	Field string // the field; for a compound index, its fields joined by "+"
	Index string // GSI name
	PK    string // partition attribute: the table's PK (slotPK)
	SK    string // sort attribute
	// Fields are a compound index's fields (schema.Resource.SortIndexes), nil for one field.
	Fields []string
}

// fields are the fields the slot's sort key orders by, before id.
func (s IndexSlot) fields() []string {
	if s.Fields != nil {
		return s.Fields
	}
	return []string{s.Field}
}

var (
	slotsMu    sync.Mutex
	slotsCache = map[*schema.Resource][]IndexSlot{}
)

// IndexSlots lists the slot indexes of a resource's Indexed fields (not externalId, which has
// GSI1, nor organizationId, which is constant inside a tenant partition).
func IndexSlots(res *schema.Resource) []IndexSlot {
	slotsMu.Lock()
	defer slotsMu.Unlock()
	if s, ok := slotsCache[res]; ok {
		return s
	}
	var out []IndexSlot
	for _, f := range res.SlotFields() {
		n := len(out) + 2
		out = append(out, IndexSlot{Field: f, Index: fmt.Sprintf("GSI%d", n), PK: slotPKAttr, SK: fmt.Sprintf("GSI%dSK", n)})
	}
	for _, fs := range res.SortIndexes {
		n := len(out) + 2
		out = append(out, IndexSlot{Field: strings.Join(fs, "+"), Fields: fs, Index: fmt.Sprintf("GSI%d", n), PK: slotPKAttr, SK: fmt.Sprintf("GSI%dSK", n)})
	}
	slotsCache[res] = out
	return out
}

// slotOf is the single-field slot of field.
func slotOf(res *schema.Resource, field string) (IndexSlot, bool) {
	for _, s := range IndexSlots(res) {
		if s.Field == field && s.Fields == nil {
			return s, true
		}
	}
	return IndexSlot{}, false
}

// compoundOf is the compound slot whose fields start with fields, if any.
func compoundOf(res *schema.Resource, fields ...string) (IndexSlot, bool) {
	for _, s := range IndexSlots(res) {
		if len(s.Fields) >= len(fields) && slices.Equal(s.Fields[:len(fields)], fields) {
			return s, true
		}
	}
	return IndexSlot{}, false
}

// slotSK is an object's sort key in a slot: each field's encoded value, then id, separated by
// keySep (smaller than every encoded byte, so the keys order as the tuples do).
func slotSK(s IndexSlot, doc domain.Doc, id string) string {
	var b strings.Builder
	for _, f := range s.fields() {
		b.WriteString(core.EncodeValue(doc[f]))
		b.WriteString(core.KeySep)
	}
	b.WriteString(id)
	return b.String()
}

// indexAttrs returns the GSI key attributes of an object.
func indexAttrs(t domain.Tenant, res *schema.Resource, doc domain.Doc) map[string]types.AttributeValue {
	out := map[string]types.AttributeValue{}
	id, _ := doc["id"].(string)
	if ext, ok := doc["externalId"].(string); ok && ext != "" {
		out["GSI1PK"] = core.SV(externalPK(t, res, ext))
		out["GSI1SK"] = core.SV(id)
	}
	for _, s := range IndexSlots(res) {
		out[s.SK] = core.SV(slotSK(s, doc, id)) // the partition key is the object's PK
	}
	return out
}

func externalPK(t domain.Tenant, res *schema.Resource, ext string) string {
	return core.Partition(t, res.Name) + "#externalId#" + core.Escape(ext)
}

// slotPKAttr is the slot indexes' partition key attribute: the table's own.
const slotPKAttr = "PK"

// slotPK is a slot index's partition key value for field: the resource's tenant partition, the
// same for every slot (the index names the field). Data written before (GSI<n>PK =
// <partition>#<field>) loses the attributes once, in EnsureIndexAttrs.
func slotPK(t domain.Tenant, res *schema.Resource, _ string) string {
	return core.Partition(t, res.Name)
}

// MaxTerms bounds the posting items of one object: an update may delete MaxTerms and put
// MaxTerms+1 items besides the object, its events, outbox entries and guards, and
// TransactWriteItems takes at most 100 items. An object with more terms is indexed under its
// first MaxTerms (in field order) and also listed in the overflow posting list, which every
// search reads, so it is still found.
const MaxTerms = 40

// indexLanguage is the language posting terms are stemmed in (MongoDB's default); searches in
// another language are answered without the term index.
const indexLanguage = textsearch.DefaultLanguage

// overflowTerm names the overflow posting list; real terms never contain a space.
const overflowTerm = " overflow"

func termPK(t domain.Tenant, res *schema.Resource, term string) string {
	return core.Partition(t, res.Name) + "#term#" + core.Escape(term)
}

// docTerms are the posting lists doc belongs to.
func docTerms(res *schema.Resource, doc domain.Doc) []string {
	if doc == nil {
		return nil
	}
	seen := map[string]bool{}
	var out []string
	for _, f := range query.SearchFields(res, doc) {
		for _, term := range textsearch.IndexTerms([]textsearch.Field{f}, indexLanguage) {
			if seen[term] {
				continue
			}
			seen[term] = true
			if len(out) == MaxTerms {
				return append(out, overflowTerm)
			}
			out = append(out, term)
		}
	}
	return out
}

// termWrites are the posting-list changes of an object going from old to next (nil for none).
func (s *Index) termWrites(t domain.Tenant, res *schema.Resource, old, next domain.Doc) ([]types.TransactWriteItem, error) {
	var out []types.TransactWriteItem
	keep := map[string]bool{}
	if next != nil {
		id, _ := next["id"].(string)
		for _, term := range docTerms(res, next) {
			keep[term] = true
			item, err := core.MarshalItem(next, map[string]types.AttributeValue{"PK": core.SV(termPK(t, res, term)), "SK": core.SV(id)})
			if err != nil {
				return nil, err
			}
			out = append(out, types.TransactWriteItem{Put: &types.Put{TableName: &s.Table, Item: item}})
		}
	}
	if old != nil {
		id, _ := old["id"].(string)
		for _, term := range docTerms(res, old) {
			if !keep[term] {
				out = append(out, types.TransactWriteItem{Delete: &types.Delete{TableName: &s.Table,
					Key: map[string]types.AttributeValue{"PK": core.SV(termPK(t, res, term)), "SK": core.SV(id)}}})
			}
		}
	}
	return out, nil
}

// indexWrites is the hook writeWithEvents calls for every transactional change: when the change
// is an object of a resource, it returns the writes that keep the rank lists (rank.go), the term
// index and the phrase pair index (phraseindex) in step, so every write path (create, guarded
// create, update, delete) maintains them in the same transaction as the object.
func (s *Index) indexWrites(ctx context.Context, t domain.Tenant, change types.TransactWriteItem, oc core.ObjectChange, obj, prev domain.Doc) ([]types.TransactWriteItem, error) {
	res := oc.Res
	if res == nil || obj == nil {
		return nil, nil
	}
	var key map[string]types.AttributeValue
	switch {
	case change.Put != nil:
		key = change.Put.Item
	case change.Delete != nil:
		key = change.Delete.Key
	default:
		return nil, nil
	}
	if core.GetS(key, "PK") != core.Partition(t, res.Name) {
		return nil, nil
	}
	var old, next domain.Doc
	switch oc.Kind {
	case core.ObjectCreated:
		next = obj
	case core.ObjectUpdated:
		old, next = priorDoc(obj, prev), obj
	case core.ObjectDeleted:
		old = obj
	default:
		return nil, nil
	}
	if len(query.SearchPaths(res)) == 0 {
		return s.Ranks.Writes(ctx, t, res, old, next)
	}
	// The rank lists' reads and the phrase vocabulary's writes (new pairs, before the
	// transaction) are independent round trips: side by side, a create waits for the longer.
	type ranked struct {
		out []types.TransactWriteItem
		err error
	}
	rc := make(chan ranked, 1)
	go func() {
		out, err := s.Ranks.Writes(ctx, t, res, old, next)
		rc <- ranked{out, err}
	}()
	pairs, perr := s.Phrases.Writes(ctx, t, res, old, next)
	r := <-rc
	if r.err != nil {
		return nil, r.err
	}
	if perr != nil {
		return nil, perr
	}
	terms, err := s.termWrites(t, res, old, next)
	if err != nil {
		return nil, err
	}
	return slices.Concat(r.out, terms, pairs), nil
}

// priorDoc rebuilds the document before an update from the new one and its previous
// attributes (a nil previous value means the field was absent: stored documents hold no nulls).
func priorDoc(next, prev domain.Doc) domain.Doc {
	old := make(domain.Doc, len(next))
	for k, v := range next {
		old[k] = v
	}
	for k, v := range prev {
		if v == nil {
			delete(old, k)
		} else {
			old[k] = v
		}
	}
	return old
}

// seedIndexWrites are the posting items of seeded objects, as batch put requests.
func (s *Index) seedIndexWrites(t domain.Tenant, res *schema.Resource, doc domain.Doc) ([]types.WriteRequest, error) {
	ws, err := s.termWrites(t, res, nil, doc)
	if err != nil {
		return nil, err
	}
	out := make([]types.WriteRequest, len(ws))
	for i, w := range ws {
		out[i] = types.WriteRequest{PutRequest: &types.PutRequest{Item: w.Put.Item}}
	}
	return out, nil
}

// purgeIndexWrites delete the posting items of a purged object.
func (s *Index) purgeIndexWrites(t domain.Tenant, res *schema.Resource, doc domain.Doc) []types.WriteRequest {
	var out []types.WriteRequest
	id, _ := doc["id"].(string)
	for _, term := range docTerms(res, doc) {
		out = append(out, types.WriteRequest{DeleteRequest: &types.DeleteRequest{Key: map[string]types.AttributeValue{"PK": core.SV(termPK(t, res, term)), "SK": core.SV(id)}}})
	}
	return out
}

func lookupResource(name string) (*schema.Resource, bool) { return schema.Lookup(name) }

// The marker item saying every object carries the slot attributes of the current schema; its
// sort key names the slots, so adding an index (a compound one) rebuilds once more.
const indexMarkerPK = "META#indexattrs"

func indexSignature() string {
	parts := []string{"slotPK=PK"} // slot indexes keyed by the table's PK: legacy GSI<n>PK removed

	for _, res := range schema.All() {
		for _, s := range IndexSlots(res) {
			parts = append(parts, res.Name+"."+s.Index+"="+s.Field)
		}
	}
	return strings.Join(parts, ",")
}

// EnsureIndexAttrs gives objects stored by an older version (a local data directory) the slot
// attributes the current schema declares, once per set of slots: a compound index that is new
// to the table would otherwise miss them (UpdateTable backfills an index only from attributes
// items already have). It runs before the API serves, as EnsureRankLists does.
func (s *Index) EnsureIndexAttrs(ctx context.Context) error {
	key := map[string]types.AttributeValue{"PK": core.SV(indexMarkerPK), "SK": core.SV(indexSignature())}
	got, err := s.DB.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.Table, Key: key, ConsistentRead: aws.Bool(true)})
	if err != nil {
		return fmt.Errorf("store: read index marker: %w", err)
	}
	if got.Item != nil {
		return nil
	}
	p := dynamodb.NewScanPaginator(s.DB, &dynamodb.ScanInput{TableName: &s.Table, ConsistentRead: aws.Bool(true)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("store: scan for index attributes: %w", err)
		}
		for _, it := range page.Items {
			t, res, ok := parseObjectItem(it)
			if !ok {
				continue
			}
			want := indexAttrs(t, res, core.UnmarshalDoc(it))
			set, vals := []string{}, map[string]types.AttributeValue{}
			for k, v := range want {
				if cur, ok := it[k].(*types.AttributeValueMemberS); ok && cur.Value == v.(*types.AttributeValueMemberS).Value {
					continue
				}
				vals[":"+k] = v
				set = append(set, k+" = :"+k)
			}
			remove := legacySlotPKs(it)
			if len(set) == 0 && len(remove) == 0 {
				continue
			}
			update := ""
			if len(set) > 0 {
				update = "SET " + strings.Join(set, ", ")
			}
			if len(remove) > 0 {
				update += " REMOVE " + strings.Join(remove, ", ")
			}
			// Conditioned on the version read, so a write racing the rebuild is never undone.
			cond := "attribute_not_exists(#v)"
			if v, ok := it[core.VersionAttr]; ok {
				cond, vals[":v"] = "#v = :v", v
			}
			_, err := s.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: &s.Table,
				Key:                       map[string]types.AttributeValue{"PK": it["PK"], "SK": it["SK"]},
				UpdateExpression:          aws.String(update),
				ConditionExpression:       aws.String(cond),
				ExpressionAttributeNames:  map[string]string{"#v": core.VersionAttr},
				ExpressionAttributeValues: vals})
			if err != nil {
				return fmt.Errorf("store: add index attributes to %s: %w", core.GetS(it, "SK"), err)
			}
		}
	}
	if _, err := s.DB.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.Table, Item: key}); err != nil {
		return fmt.Errorf("store: write index marker: %w", err)
	}
	return nil
}

// legacySlotPKs are the GSI<n>PK attributes (n >= 2) an object written before the slot indexes
// were keyed by the table's PK still carries.
func legacySlotPKs(it map[string]types.AttributeValue) []string {
	var out []string
	for k := range it {
		rest, gsi := strings.CutPrefix(k, "GSI")
		n, pk := strings.CutSuffix(rest, "PK")
		if gsi && pk && n != "" && n != "1" && strings.Trim(n, "0123456789") == "" {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// parseObjectItem says whether a base-table item is an object of a resource, and whose.
func parseObjectItem(it map[string]types.AttributeValue) (domain.Tenant, *schema.Resource, bool) {
	pk := core.GetS(it, "PK")
	parts := strings.Split(pk, "#")
	if len(parts) != 6 || parts[0] != "A" || parts[3] != "O" {
		return domain.Tenant{}, nil, false
	}
	res, ok := schema.Lookup(parts[5])
	if !ok || core.GetS(it, "object") != res.Object {
		return domain.Tenant{}, nil, false
	}
	t := domain.Tenant{Account: parts[1], Mode: parts[2], Org: parts[4]}
	return t, res, core.Partition(t, res.Name) == pk
}
