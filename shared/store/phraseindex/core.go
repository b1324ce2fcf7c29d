// Package phraseindex keeps the pair index that answers $search phrases (docs/query.md, "Pair
// index"): per object, a posting for each distinct pair of adjacent surface tokens, vocabulary
// items counting them, and an overflow list for objects whose pairs would not fit a
// transaction. The search planner asks it for a phrase's cheapest pair lists (Plan), and its
// index maintenance adds the pair writes to each change's transaction (Writes), to seeds and to
// purges. Vocabulary counts change off the request path (countqueue.go).
package phraseindex

import (
	"context"
	"sync"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hapihub/hapihub/shared/domain"
	"github.com/hapihub/hapihub/shared/query"
	"github.com/hapihub/hapihub/shared/schema"
	"github.com/hapihub/hapihub/shared/store/core"
)

// Index is the pair index over the table core.
type Index struct {
	*core.Store
	// terms are an object's term postings (the search planner's term index): the pairs share
	// the object's transaction with them, so too many terms send it to the overflow list.
	terms func(*schema.Resource, domain.Doc) []string
	// countQ holds vocabulary count changes waiting to be applied (countqueue.go).
	countQ *countQueue
}

// New returns the pair index over c; terms lists an object's term postings (see MaxPairTerms).
func New(c *core.Store, terms func(*schema.Resource, domain.Doc) []string) *Index {
	ix := &Index{Store: c, terms: terms}
	ix.countQ = ix.newCountQueue()
	return ix
}

// What the search planner uses.

// Plan is the pair lists that answer q's phrases, with the overflow list; ok is false when q has
// no phrase of two or more surface tokens, or the pair index would not narrow it. streamed says
// the page stops at its matches (ordered, no total), which makes wider options as cheap.
func (s *Index) Plan(ctx context.Context, t domain.Tenant, res *schema.Resource, q *query.Query, streamed bool, st *domain.Stats) (Plan, bool, error) {
	return s.plan(ctx, t, res, q, streamed, st)
}

// Writes are the pair-index items a change writes in its transaction; the context must carry
// the write's ledger (BeginWrite).
func (s *Index) Writes(ctx context.Context, t domain.Tenant, res *schema.Resource, old, next domain.Doc) ([]types.TransactWriteItem, error) {
	return s.pairWrites(ctx, t, res, old, next)
}

// BeginWrite starts one write's vocabulary ledger, kept across its attempts.
func (s *Index) BeginWrite(ctx context.Context) (context.Context, any) {
	ledger := &countLedger{}
	return context.WithValue(ctx, ledgerKey{}, ledger), ledger
}

// SettleWrite settles the ledger's counts once the write committed or gave up.
func (s *Index) SettleWrite(state any, committed bool) {
	if l, ok := state.(*countLedger); ok {
		s.settleCounts(l, committed)
	}
}

// Seed writes the vocabulary of seeded objects and returns their postings for the seed's batches.
func (s *Index) Seed(ctx context.Context, t domain.Tenant, res *schema.Resource, docs []domain.Doc) ([]types.WriteRequest, error) {
	return s.seedPairIndex(ctx, t, res, docs)
}

// PurgeWrites delete a purged object's postings; PurgeCounts then lowers the counts.
func (s *Index) PurgeWrites(t domain.Tenant, res *schema.Resource, doc domain.Doc) []types.WriteRequest {
	return s.purgePairWrites(t, res, doc)
}

// PurgeCounts lowers the vocabulary counts of purged objects.
func (s *Index) PurgeCounts(ctx context.Context, t domain.Tenant, res *schema.Resource, docs []domain.Doc) error {
	return s.purgePairCounts(ctx, t, res, docs)
}

// known is the vocabulary this store has seen exist, kept across copies of the core.
func (s *Index) known() *sync.Map {
	_, v := s.Store.Shared()
	return v
}

func str(v any) string {
	s, _ := v.(string)
	return s
}
