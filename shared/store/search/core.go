// Package search is the store's search planner and index maintenance: find (the planner and its
// executors), rank lists and their sharded tails, phrase pairs and term postings, the index slots
// and their attributes, seeding and purging. It implements core.Indexer, so the table core's
// writes carry their index items in the same transaction. Decisions are in docs/query.md.
package search

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hapihub/hapihub/shared/domain"
	"github.com/hapihub/hapihub/shared/schema"
	"github.com/hapihub/hapihub/shared/store/core"
	"github.com/hapihub/hapihub/shared/store/ranklist"
)

// Index is the planner over the table core.
type Index struct {
	*core.Store
	// Ranks are the rank lists the planner reads and its index maintenance writes.
	Ranks *ranklist.Lists
	// countQ holds vocabulary count changes waiting to be applied (countqueue.go).
	countQ *countQueue
}

// New returns the planner over c.
func New(c *core.Store) *Index {
	ix := &Index{Store: c, Ranks: ranklist.New(c)}
	ix.countQ = ix.newCountQueue()
	return ix
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

// shared is the core's state kept across copies of a Store.
type shared struct {
	retries    *atomic.Int64
	knownVocab *sync.Map
}

func (s *Index) sh() shared {
	r, v := s.Store.Shared()
	return shared{retries: r, knownVocab: v}
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

// BeginWrite starts one write's phrase-vocabulary ledger (phrases.go), kept across its attempts.
func (s *Index) BeginWrite(ctx context.Context) (context.Context, any) {
	ledger := &countLedger{}
	return context.WithValue(ctx, ledgerKey{}, ledger), ledger
}

// SettleWrite settles the ledger's counts once the write committed or gave up.
func (s *Index) SettleWrite(ctx context.Context, state any, committed bool) {
	if l, ok := state.(*countLedger); ok {
		s.settleCounts(l, committed)
	}
}

// EnsureRankLists brings an older data directory's table up to date, once: the slot attributes
// first, then the rank lists (ranklist).
func (s *Index) EnsureRankLists(ctx context.Context) error {
	if err := s.EnsureIndexAttrs(ctx); err != nil {
		return err
	}
	return s.Ranks.EnsureRankLists(ctx)
}
