package search

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hapihub/hapihub/shared/domain"
	"github.com/hapihub/hapihub/shared/query"
	"github.com/hapihub/hapihub/shared/schema"
	"github.com/hapihub/hapihub/shared/store/core"
	"github.com/hapihub/hapihub/shared/store/phraseindex"
)

// phrasePlan replaces a term-list search path by the pair lists of the search's cheapest phrase
// option (phraseindex.Plan) when the search has a phrase of at least two surface tokens.
func (s *Index) phrasePlan(ctx context.Context, t domain.Tenant, res *schema.Resource, q *query.Query, p *access, st *domain.Stats) error {
	// A search plan is the term lists, or the partition for another language than the index's:
	// phrases match as substrings in every language, so the pairs narrow both.
	if q.Search == nil || len(p.queries) == 0 {
		return nil
	}
	plan, ok, err := s.Phrases.Plan(ctx, t, res, q, p.ordered && !q.Total, st)
	if err != nil || !ok {
		return err
	}
	usePairLists(q, p, plan)
	return nil
}

// usePairLists makes p read the plan's pair lists.
func usePairLists(q *query.Query, p *access, plan phraseindex.Plan) {
	need := int64(q.Skip + q.Limit)
	p.name = "search pairs " + plan.Name
	p.queries, p.hints = nil, nil
	for _, l := range plan.Lists {
		p.queries = append(p.queries, keyQuery{kce: "PK = :pk", vals: map[string]types.AttributeValue{":pk": core.SV(l.PK)}})
		hint := int32(0) // unordered or counted: read every candidate in 1 MB pages
		if p.ordered && !q.Total {
			// Each list's share of the page, so the merge reads about what it returns.
			share := int64(0)
			if plan.Total > 0 {
				share = (need*l.Count + plan.Total - 1) / plan.Total
			}
			hint = int32(min(share+1, 1000))
		}
		p.hints = append(p.hints, hint)
	}
}
