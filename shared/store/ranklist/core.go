// Package ranklist keeps the rank lists: per resource and per ranked field value, the ids of the
// objects in id order, in chunks with a sharded tail, so a $skip or a total is answered without
// reading the objects before it (docs/query.md). The search planner reads them and its index
// maintenance writes them in each change's transaction.
package ranklist

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hapihub/hapihub/shared/domain"
	"github.com/hapihub/hapihub/shared/query"
	"github.com/hapihub/hapihub/shared/schema"
	"github.com/hapihub/hapihub/shared/store/core"
)

// Lists are the rank lists over the table core.
type Lists struct {
	*core.Store
	hints *hints // lists this process last saw busy (ranktail.go)
}

// New returns the rank lists over c.
func New(c *core.Store) *Lists { return &Lists{Store: c, hints: &hints{}} }

// What the search planner uses.

// RankedField says whether the planner keeps a rank list per value of f.
func RankedField(f *schema.Field) bool { return rankedField(f) }

// PK is the partition of a rank list (field "" for the whole resource).
func PK(t domain.Tenant, res *schema.Resource, field string, v any) string {
	return rankPK(t, res, field, v)
}

// ListsOf are the rank lists an object belongs to.
func ListsOf(t domain.Tenant, res *schema.Resource, doc domain.Doc) []string {
	return rankLists(t, res, doc)
}

// Path says which list answers q when its key condition is exact and in id order.
func (s *Lists) Path(t domain.Tenant, res *schema.Resource, q *query.Query) (string, bool) {
	return s.rankPath(t, res, q)
}

// Execute answers an exact, id-ordered query from its rank list (rank.go's executeRanked).
func (s *Lists) Execute(ctx context.Context, t domain.Tenant, res *schema.Resource, q *query.Query, pk string, desc bool, r *domain.Result) (bool, error) {
	return s.executeRanked(ctx, t, res, q, pk, desc, r)
}

// Writes are the rank-list items a change writes in its transaction.
func (s *Lists) Writes(ctx context.Context, t domain.Tenant, res *schema.Resource, old, next domain.Doc) ([]types.TransactWriteItem, error) {
	return s.rankWrites(ctx, t, res, old, next)
}

// Seed adds seeded objects to their lists.
func (s *Lists) Seed(ctx context.Context, t domain.Tenant, res *schema.Resource, docs []domain.Doc) error {
	return s.seedRanks(ctx, t, res, docs)
}

// Purge deletes lists.
func (s *Lists) Purge(ctx context.Context, lists []string) error { return s.purgeRanks(ctx, lists) }

// shared is the core's state kept across copies of a Store.
type shared struct {
	retries    *atomic.Int64
	knownVocab *sync.Map
}

func (s *Lists) sh() shared {
	r, v := s.Store.Shared()
	return shared{retries: r, knownVocab: v}
}

func str(v any) string {
	s, _ := v.(string)
	return s
}
