package ranklist

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Count sums the counts of list pk's chunks and tail shards (strongly consistent, the
// counts alone projected).
func (s *Lists) Count(ctx context.Context, pk string, st *Stats) (int, error) {
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
			return 0, fmt.Errorf("ranklist: count: %w", err)
		}
		addStats(st, out.ScannedCount, out.ConsumedCapacity)
		for _, it := range out.Items {
			total += int(getN(it, "n"))
		}
		if out.LastEvaluatedKey == nil {
			return total, nil
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
}
