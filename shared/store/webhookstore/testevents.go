package webhookstore

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hapihub/hapihub/shared/domain"
)

// PutTestEvent stores a sample event (POST /webhook-endpoints/{id}/test) and its one pending
// delivery with the delivery's due entry, in one transaction. Unlike writeWithEvents it writes no
// outbox entry: a test event goes only to the endpoint it was sent to, never fanned out. The event
// is an ordinary event item, so the delivery path (signing, retries, GET /events) is the real one.
func (s *Webhooks) PutTestEvent(ctx context.Context, ev domain.Doc, d Delivery) error {
	if d.EventID != ev["id"] || d.Account == "" || d.Due() == nil {
		return fmt.Errorf("store: test event %v needs its delivery with an account and a due entry", ev["id"])
	}
	evItem, err := s.EventItem(domain.Tenant{Account: d.Account, Mode: d.Mode}, ev, s.Now())
	if err != nil {
		return err
	}
	d.UpdatedAt = max(s.Now().UnixMilli(), d.UpdatedAt)
	delItem, err := d.item()
	if err != nil {
		return err
	}
	notThere := aws.String("attribute_not_exists(PK)")
	// Sent again while cancelled by conflicts alone, then 429 lock_timeout (core.Contended).
	err = s.TransactWrite(ctx, []types.TransactWriteItem{
		{Put: &types.Put{TableName: &s.Table, Item: evItem, ConditionExpression: notThere}},
		{Put: &types.Put{TableName: &s.Table, Item: delItem, ConditionExpression: notThere}},
		{Put: &types.Put{TableName: &s.Table, Item: d.Due().item()}},
	})
	if err != nil {
		return fmt.Errorf("store: put test event %v: %w", ev["id"], err)
	}
	return nil
}
