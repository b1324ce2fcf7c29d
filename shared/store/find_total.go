package store

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hapihub/hapihub/shared/query"
	"github.com/hapihub/hapihub/shared/schema"
)

// rankedTotal answers a find that wants a total and whose matches are exactly a rank list's
// objects (the whole resource, or one value of a ranked field: rankPath) but whose page is read
// from another index (a sort): the page is read as if no total were asked, and the total is the
// list's count, summed from its chunks (one item per up to 400 objects) instead of counting or
// reading every match on the index. Every page of the Hubpay dialect wants a total, so a sorted
// Hubpay page of a large organization depends on it. It reports false when it does not apply.
func (s *Store) rankedTotal(ctx context.Context, t Tenant, res *schema.Resource, q *query.Query, p access, r *Result) (bool, error) {
	if !q.Total || q.Search != nil || p.rank != "" {
		return false, nil // no total, or the path's own rank list answers it (executeRanked)
	}
	pk, ok := s.rankPath(t, res, q)
	if !ok {
		return false, nil
	}
	page := *q
	page.Total = false
	if err := s.execute(ctx, t, res, &page, p, r); err != nil {
		return true, err
	}
	total, err := s.rankCount(ctx, pk, &r.Stats)
	r.Total = total
	return true, err
}

// rankCount sums the counts of list pk's chunks and tail shards (strongly consistent, the
// counts alone projected).
func (s *Store) rankCount(ctx context.Context, pk string, st *Stats) (int, error) {
	in := &dynamodb.QueryInput{
		TableName:                 &s.Table,
		KeyConditionExpression:    aws.String("PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": sv(pk)},
		ProjectionExpression:      aws.String("#n"),
		ExpressionAttributeNames:  rankNames("#n"),
		ConsistentRead:            aws.Bool(true),
		ReturnConsumedCapacity:    types.ReturnConsumedCapacityTotal,
	}
	total := 0
	for {
		out, err := s.DB.Query(ctx, in)
		if err != nil {
			return 0, fmt.Errorf("store: count rank list: %w", err)
		}
		st.add(out.ScannedCount, out.ConsumedCapacity)
		for _, it := range out.Items {
			total += int(getN(it, "n"))
		}
		if out.LastEvaluatedKey == nil {
			return total, nil
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
}
