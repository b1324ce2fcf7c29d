package search

import (
	"context"

	"github.com/hapihub/hapihub/shared/domain"
	"github.com/hapihub/hapihub/shared/query"
	"github.com/hapihub/hapihub/shared/schema"
)

// rankedTotal answers a find that wants a total and whose matches are exactly a rank list's
// objects (the whole resource, or one value of a ranked field: rankPath), its page read from an
// index (a sort's, or its own from the start): the page is read as if no total were asked, and
// the total is the list's count, summed from its chunks (one item per up to 400 objects) instead
// of counting or reading every match. Every page of the Hubpay dialect wants a total, so a sorted
// Hubpay page of a large organization depends on it. It reports false when it does not apply.
func (s *Index) rankedTotal(ctx context.Context, t domain.Tenant, res *schema.Resource, q *query.Query, p access, r *domain.Result) (bool, error) {
	if !q.Total || q.Search != nil || (p.rank != "" && q.Skip > 0) {
		return false, nil // no total, or a skip on the path's own rank list (executeRanked)
	}
	pk, ok := s.Ranks.Path(t, res, q)
	if !ok {
		return false, nil
	}
	page := *q
	page.Total = false
	if err := s.execute(ctx, t, res, &page, p, r); err != nil {
		return true, err
	}
	total, err := s.Ranks.Count(ctx, pk, &r.Stats)
	r.Total, r.Stats.Plan = total, r.Stats.Plan+" + rank list count"
	return true, err
}
