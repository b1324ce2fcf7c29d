package webhookstore

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// FailedDeliveries lists an endpoint's failed deliveries of events created in [since, until),
// oldest first, at most limit of them. Delivery ids begin with their event's time, so the range
// is a key range of the endpoint's deliveries; only the status is filtered. more reports that
// failed deliveries remain after the last one returned (the next call starts at its event time).
func (s *Store) FailedDeliveries(ctx context.Context, account, mode, endpointID string, since, until time.Time, limit int) (out []Delivery, more bool, err error) {
	var start map[string]types.AttributeValue
	for {
		res, err := s.DB.Query(ctx, &dynamodb.QueryInput{TableName: &s.Table, ConsistentRead: aws.Bool(true),
			KeyConditionExpression:   aws.String("PK = :pk AND SK BETWEEN :lo AND :hi"),
			FilterExpression:         aws.String("#st = :failed"),
			ExpressionAttributeNames: map[string]string{"#st": "status"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":pk": sv(deliveryPK(account, mode, endpointID)),
				":lo": sv(NewIDPrefix("whd", since)), ":hi": sv(NewIDPrefix("whd", until.Add(-time.Millisecond)) + "~"),
				":failed": sv(DeliveryFailed)},
			ExclusiveStartKey: start})
		if err != nil {
			return nil, false, fmt.Errorf("store: failed deliveries of %s: %w", endpointID, err)
		}
		for _, it := range res.Items {
			if s.expired(it) {
				continue
			}
			if len(out) == limit {
				return out, true, nil
			}
			out = append(out, deliveryFrom(it))
		}
		if res.LastEvaluatedKey == nil {
			return out, false, nil
		}
		start = res.LastEvaluatedKey
	}
}
