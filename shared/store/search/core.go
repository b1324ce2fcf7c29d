// Package search is the store's search planner and index maintenance: find (the planner and its
// executors), term postings, the index slots and their attributes, seeding and purging, over the
// rank lists (ranklist) and the phrase pair index (phraseindex). It implements core.Indexer, so the table core's
// writes carry their index items in the same transaction. Decisions are in docs/query.md.
package search

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hapihub/hapihub/shared/domain"
	"github.com/hapihub/hapihub/shared/schema"
	"github.com/hapihub/hapihub/shared/store/core"
	"github.com/hapihub/hapihub/shared/store/phraseindex"
	"github.com/hapihub/hapihub/shared/store/ranklist"
)

// Index is the planner over the table core.
type Index struct {
	*core.Store
	// Ranks are the rank lists the planner reads and its index maintenance writes.
	Ranks *ranklist.Lists
	// Phrases is the pair index the planner reads for phrases and its index maintenance writes.
	Phrases *phraseindex.Index
}

// New returns the planner over c.
func New(c *core.Store) *Index {
	return &Index{Store: c, Ranks: ranklist.New(c), Phrases: phraseindex.New(c, docTerms)}
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

// The core.Indexer hooks.

// IndexAttrs are the index attributes of an object's own item.
func (s *Index) IndexAttrs(t domain.Tenant, res *schema.Resource, doc domain.Doc) map[string]types.AttributeValue {
	return indexAttrs(t, res, doc)
}

// IndexWrites are the index items a change writes in its transaction.
func (s *Index) IndexWrites(ctx context.Context, t domain.Tenant, change types.TransactWriteItem, oc core.ObjectChange, obj, prev domain.Doc) ([]types.TransactWriteItem, error) {
	return s.indexWrites(ctx, t, change, oc, obj, prev)
}

// BeginWrite starts one write's phrase-vocabulary ledger (phraseindex), kept across its attempts.
func (s *Index) BeginWrite(ctx context.Context) (context.Context, any) {
	return s.Phrases.BeginWrite(ctx)
}

// SettleWrite settles the ledger's counts once the write committed or gave up.
func (s *Index) SettleWrite(ctx context.Context, state any, committed bool) {
	s.Phrases.SettleWrite(state, committed)
}

// SettleCounts waits until every queued vocabulary count change is applied (tests reading
// counts, and a process about to stop, call it).
func (s *Index) SettleCounts() { s.Phrases.SettleCounts() }

// EnsureRankLists brings an older data directory's table up to date, once: the slot attributes
// first, then the rank lists (ranklist).
func (s *Index) EnsureRankLists(ctx context.Context) error {
	if err := s.EnsureIndexAttrs(ctx); err != nil {
		return err
	}
	return s.Ranks.EnsureRankLists(ctx)
}
