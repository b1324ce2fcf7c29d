package search

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/hapihub/hapihub/shared/domain"
	"github.com/hapihub/hapihub/shared/schema"
	"github.com/hapihub/hapihub/shared/store/core"
	"github.com/hapihub/hapihub/shared/store/ranklist"
)

// SeedObjects writes prepared objects without events: initial sandbox data is a starting state,
// not a change anyone made. Batches of 25 (DynamoDB's BatchWriteItem limit) are sent by
// seedWorkers goroutines at once, retrying unprocessed items; the first error stops the rest.
func (s *Index) SeedObjects(ctx context.Context, t domain.Tenant, res string, docs []domain.Doc) error {
	r, ok := lookupResource(res)
	if !ok {
		return fmt.Errorf("store: seed: unknown resource %s", res)
	}
	for _, d := range docs {
		if err := core.CheckIDTime(r, d); err != nil {
			return err // createdAt order is read as id order (timeorder.go)
		}
	}
	// The phrase index's vocabulary is written first, its postings go with the batches (phraseindex).
	reqs, err := s.Phrases.Seed(ctx, t, r, docs)
	if err != nil {
		return err
	}
	for _, d := range docs {
		item, err := s.Store.ObjectItem(t, r, d, 1)
		if err != nil {
			return err
		}
		reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: item}})
		// Seeded objects must be searchable too (indexes.go).
		postings, err := s.seedIndexWrites(t, r, d)
		if err != nil {
			return err
		}
		reqs = append(reqs, postings...)
	}
	// Rank lists first: a failure then leaves no object outside its lists.
	if err := s.Ranks.Seed(ctx, t, r, docs); err != nil {
		return err
	}
	return core.ForEach(ctx, seedWorkers, slices.Collect(slices.Chunk(reqs, 25)), func(ctx context.Context, b []types.WriteRequest) error {
		if err := s.seedBatch(ctx, b); err != nil {
			return fmt.Errorf("store: seed %s: %w", res, err)
		}
		return nil
	})
}

// seedWorkers is how many BatchWriteItem calls SeedObjects has in flight: enough to keep the
// table (or the local engine's group commit) busy, few enough to stay far from throttling.
const seedWorkers = 4

func (s *Index) seedBatch(ctx context.Context, reqs []types.WriteRequest) error {
	batch := map[string][]types.WriteRequest{s.Table: reqs}
	for len(batch) > 0 {
		out, err := s.DB.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: batch})
		if err != nil {
			return err
		}
		batch = out.UnprocessedItems
	}
	return nil
}

// PurgeObjects deletes every object of res in the tenant, with the guards of their externalIds,
// without events (a sandbox reset restores a starting state; nobody changed anything). It
// returns how many objects it deleted.
func (s *Index) PurgeObjects(ctx context.Context, t domain.Tenant, res *schema.Resource) (int, error) {
	count := 0
	lists := map[string]bool{ranklist.PK(t, res, "", nil): true}
	var start map[string]types.AttributeValue
	for {
		p, err := s.ListPage(ctx, t, res, true, 500, start)
		if err != nil {
			return count, err
		}
		var reqs []types.WriteRequest
		for _, d := range p.Docs {
			reqs = append(reqs, types.WriteRequest{DeleteRequest: &types.DeleteRequest{Key: map[string]types.AttributeValue{"PK": core.SV(core.Partition(t, res.Name)), "SK": core.SV(str(d["id"]))}}})
			if ext, ok := d["externalId"].(string); ok && ext != "" {
				reqs = append(reqs, types.WriteRequest{DeleteRequest: &types.DeleteRequest{Key: core.GuardKey(t, res, ext)}})
			}
			reqs = append(reqs, s.purgeIndexWrites(t, res, d)...)    // its term-index postings (indexes.go)
			reqs = append(reqs, s.Phrases.PurgeWrites(t, res, d)...) // its pair postings (phraseindex)
			for _, pk := range ranklist.ListsOf(t, res, d) {
				lists[pk] = true
			}
		}
		if err := s.BatchWrite(ctx, distinctDeletes(reqs), "purge "+res.Name); err != nil {
			return count, err
		}
		if err := s.Phrases.PurgeCounts(ctx, t, res, p.Docs); err != nil {
			return count, err
		}
		count += len(p.Docs)
		if p.Next == nil {
			return count, s.Ranks.Purge(ctx, slices.Sorted(maps.Keys(lists)))
		}
		start = p.Next
	}
}

// distinctDeletes drops repeated delete keys (seeded objects may share an externalId's guard):
// BatchWriteItem refuses a batch that names one key twice.
func distinctDeletes(reqs []types.WriteRequest) []types.WriteRequest {
	seen := map[[2]string]bool{}
	out := reqs[:0]
	for _, r := range reqs {
		if d := r.DeleteRequest; d != nil {
			k := [2]string{core.GetS(d.Key, "PK"), core.GetS(d.Key, "SK")}
			if seen[k] {
				continue
			}
			seen[k] = true
		}
		out = append(out, r)
	}
	return out
}
