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

// Count sums the counts of list pk's chunks and tail shards (strongly consistent, the
// counts alone projected).
func (s *Lists) Count(ctx context.Context, pk string, st *domain.Stats) (int, error) {
	in := &dynamodb.QueryInput{
		TableName:                 &s.Table,
		KeyConditionExpression:    aws.String("PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": core.SV(pk)},
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
