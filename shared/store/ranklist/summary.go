package ranklist

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hapihub/hapihub/shared/domain"
	"github.com/hapihub/hapihub/shared/store/core"
)

// The closed count: per list, one item holding how many ids its closed chunks hold. Every change
// to the chunks' ids (an insert below the tail, a remove from a chunk, a roll closing the tail,
// seeding) changes it in the same transaction, so it always equals the sum of the chunks' counts,
// and a total reads it and the tail (1–3 items in a quiet list) instead of every chunk (one per
// 400 objects: 250 items for a list of 100,000). Creates do not touch it (they add to the tail),
// so it is not a hot item; removes and inserts of old ids (deletes, status changes) meet on it as
// they already may on a chunk. It lives under its own partition, apart from the chunks and shards a
// list's Query reads.
const sumSK = "sum"

func sumPK(pk string) string { return pk + "#sum" }

func sumKey(pk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"PK": core.SV(sumPK(pk)), "SK": core.SV(sumSK)}
}

// sumAdd changes list pk's closed count by delta, in the transaction that changes its chunks.
func (s *Lists) sumAdd(pk string, delta int) types.TransactWriteItem {
	return types.TransactWriteItem{Update: &types.Update{TableName: &s.Table, Key: sumKey(pk),
		UpdateExpression:          aws.String("ADD #n :d"),
		ExpressionAttributeNames:  rankNames("#n"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":d": core.N(int64(delta))}}}
}

// sumPut sets list pk's closed count (seeding, which rewrites lists unconditionally).
func (s *Lists) sumPut(pk string, n int) types.WriteRequest {
	item := sumKey(pk)
	item["n"] = core.N(int64(n))
	return types.WriteRequest{PutRequest: &types.PutRequest{Item: item}}
}

// sumDelete removes list pk's closed count (purging the list).
func (s *Lists) sumDelete(pk string) types.WriteRequest {
	return types.WriteRequest{DeleteRequest: &types.DeleteRequest{Key: sumKey(pk)}}
}

// closedCount reads list pk's closed count (strongly consistent); ok is false when the list has
// none: it has never closed a chunk, so its tail is the whole list.
func (s *Lists) closedCount(ctx context.Context, pk string, st *domain.Stats) (n int, ok bool, err error) {
	out, err := s.DB.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.Table, Key: sumKey(pk), ConsistentRead: aws.Bool(true),
		ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal})
	if err != nil {
		return 0, false, fmt.Errorf("ranklist: read closed count: %w", err)
	}
	found := int32(0)
	if out.Item != nil {
		found = 1
	}
	core.AddStats(st, found, out.ConsumedCapacity)
	if out.Item == nil {
		return 0, false, nil
	}
	return int(core.GetN(out.Item, "n")), true, nil
}

// tailCount sums the counts of list pk's tail shards (strongly consistent, counts alone).
func (s *Lists) tailCount(ctx context.Context, pk string, st *domain.Stats) (int, error) {
	return s.sumCounts(ctx, &dynamodb.QueryInput{
		TableName:                 &s.Table,
		KeyConditionExpression:    aws.String("PK = :pk AND begins_with(SK, :t)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": core.SV(pk), ":t": core.SV(rankTailPrefix)},
	}, st)
}

// sumCounts sums the counts of the items in, read strongly consistent with the counts alone.
func (s *Lists) sumCounts(ctx context.Context, in *dynamodb.QueryInput, st *domain.Stats) (int, error) {
	in.ProjectionExpression, in.ExpressionAttributeNames = aws.String("#n"), rankNames("#n")
	in.ConsistentRead, in.ReturnConsumedCapacity = aws.Bool(true), types.ReturnConsumedCapacityTotal
	total := 0
	for {
		out, err := s.DB.Query(ctx, in)
		if err != nil {
			return 0, fmt.Errorf("ranklist: count: %w", err)
		}
		core.AddStats(st, out.ScannedCount, out.ConsumedCapacity)
		for _, it := range out.Items {
			total += int(core.GetN(it, "n"))
		}
		if out.LastEvaluatedKey == nil {
			return total, nil
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
}

// listSize is the size of list pk from its closed count and its tail's count (tailSeen, when
// the caller has read the tail already, else -1); ok is false when the list has no closed count.
func (s *Lists) listSize(ctx context.Context, pk string, tailSeen int, st *domain.Stats) (int, bool, error) {
	closed, ok, err := s.closedCount(ctx, pk, st)
	if err != nil || !ok {
		return 0, false, err
	}
	if tailSeen < 0 {
		if tailSeen, err = s.tailCount(ctx, pk, st); err != nil {
			return 0, false, err
		}
	}
	return closed + tailSeen, true, nil
}

// Count is the size of list pk: its closed count and its tail's, or, for a list without a
// closed count, every item's count.
func (s *Lists) Count(ctx context.Context, pk string, st *domain.Stats) (int, error) {
	if n, ok, err := s.listSize(ctx, pk, -1, st); err != nil || ok {
		return n, err
	}
	return s.sumCounts(ctx, &dynamodb.QueryInput{
		TableName:                 &s.Table,
		KeyConditionExpression:    aws.String("PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": core.SV(pk)},
	}, st)
}
