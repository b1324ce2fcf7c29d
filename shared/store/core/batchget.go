package core

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hapihub/hapihub/shared/domain"
	"github.com/hapihub/hapihub/shared/schema"
)

// batchGetMax is BatchGetItem's limit of keys per call
// (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchGetItem.html).
const batchGetMax = 100

// batchGetTries bounds the calls for one batch whose keys keep coming back unprocessed
// (sustained throttling): the request fails as a 500 rather than hang until its timeout.
const batchGetTries = 10

// GetObjects reads objects of several resources of one tenant by id (ids maps each id to its
// resource), in BatchGetItem calls of at most 100 keys, strongly consistent like GetObject. The
// answer maps each id found to its object; a missing id is simply absent. Every key is under the
// tenant's partition, so an id of another tenant is never read. Unprocessed keys (throttling) are
// asked again with a short backoff, as the API reference advises.
func (s *Store) GetObjects(ctx context.Context, t domain.Tenant, ids map[string]*schema.Resource) (map[string]domain.Doc, error) {
	out := make(map[string]domain.Doc, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	sorted := make([]string, 0, len(ids))
	for id := range ids {
		sorted = append(sorted, id)
	}
	sort.Strings(sorted) // deterministic calls, for tests and logs
	for len(sorted) > 0 {
		n := min(batchGetMax, len(sorted))
		keys := make([]map[string]types.AttributeValue, n)
		for i, id := range sorted[:n] {
			keys[i] = map[string]types.AttributeValue{"PK": sv(partition(t, ids[id].Name)), "SK": sv(id)}
		}
		sorted = sorted[n:]
		req := map[string]types.KeysAndAttributes{s.Table: {Keys: keys, ConsistentRead: aws.Bool(true)}}
		for try := 0; len(req) > 0; try++ {
			if try == batchGetTries {
				return nil, fmt.Errorf("store: batch get: %d keys still unprocessed after %d tries", len(req[s.Table].Keys), try)
			}
			if try > 0 {
				if err := sleepCtx(ctx, time.Duration(min(try, 6))*20*time.Millisecond); err != nil {
					return nil, err
				}
			}
			res, err := s.DB.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: req})
			if err != nil {
				return nil, fmt.Errorf("store: batch get %d objects: %w", n, err)
			}
			for _, it := range res.Responses[s.Table] {
				out[getS(it, "SK")] = unmarshalDoc(it)
			}
			req = res.UnprocessedKeys
		}
	}
	return out, nil
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
