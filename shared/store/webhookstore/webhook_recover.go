package webhookstore

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hapihub/hapihub/shared/store/core"
)

// FailedDeliveries lists an endpoint's failed deliveries of events created in [since, until),
// oldest first, at most limit of them. Delivery ids begin with their event's time, so the range
// is a key range of the endpoint's deliveries; only the status is filtered. more reports that
// failed deliveries remain after the last one returned (the next call starts at its event time).
func (s *Webhooks) FailedDeliveries(ctx context.Context, account, mode, endpointID string, since, until time.Time, limit int) (out []Delivery, more bool, err error) {
	var start map[string]types.AttributeValue
	for {
		res, err := s.DB.Query(ctx, &dynamodb.QueryInput{TableName: &s.Table, ConsistentRead: aws.Bool(true),
			KeyConditionExpression:   aws.String("PK = :pk AND SK BETWEEN :lo AND :hi"),
			FilterExpression:         aws.String("#st = :failed"),
			ExpressionAttributeNames: map[string]string{"#st": "status"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":pk": core.SV(deliveryPK(account, mode, endpointID)),
				":lo": core.SV(core.NewIDPrefix("whd", since)), ":hi": core.SV(core.NewIDPrefix("whd", until.Add(-time.Millisecond)) + "~"),
				":failed": core.SV(DeliveryFailed)},
			ExclusiveStartKey: start})
		if err != nil {
			return nil, false, fmt.Errorf("store: failed deliveries of %s: %w", endpointID, err)
		}
		for _, it := range res.Items {
			if s.Expired(it) {
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
