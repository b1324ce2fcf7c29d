package idemstore

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hapihub/hapihub/shared/apperr"
	"github.com/hapihub/hapihub/shared/domain"
	"github.com/hapihub/hapihub/shared/schema"
	"github.com/hapihub/hapihub/shared/store/core"
)

// Idempotency records live in A#<acct>#<mode>#IDEM, one item per Idempotency-Key, for
// IdempotencyTTL (24 hours per account and mode: docs/decisions.md#writes).
const (
	IdempotencyTTL = 24 * time.Hour
	// IdempotencyLease bounds how long a reservation whose request died blocks its key. It is
	// longer than any function's timeout (template.yaml: 10 s), so a lease can only lapse once
	// the request holding it can no longer be running.
	IdempotencyLease = 60 * time.Second
)

func idemFrom(item map[string]types.AttributeValue) domain.IdemRecord {
	r := domain.IdemRecord{Key: core.GetS(item, "SK"), Fingerprint: core.GetS(item, "fingerprint"), State: core.GetS(item, "state"), Owner: core.GetS(item, "owner"),
		LeaseUntil: core.GetN(item, "leaseUntil"), Status: int(core.GetN(item, "status")), Body: core.GetS(item, "body"), CreatedAt: core.GetN(item, "createdAt"),
		Committed: core.GetS(item, "committed"), CommittedAt: core.GetN(item, "committedAt"), Headers: map[string]string{}}
	if m, ok := item["headers"].(*types.AttributeValueMemberM); ok {
		for k, v := range m.Value {
			if s, ok := v.(*types.AttributeValueMemberS); ok {
				r.Headers[k] = s.Value
			}
		}
	}
	return r
}

// ReserveIdempotencyKey claims key for the request owner with one conditional PutItem: it
// succeeds only if the key is unused, its record has outlived IdempotencyTTL (DynamoDB's TTL
// deletes lazily) or its pending lease lapsed with no change committed under it. When it does not, the current record is returned
// with reserved false, for the caller to replay, refuse or report a conflict.
func (s *Idempotency) ReserveIdempotencyKey(ctx context.Context, account, mode, key, fingerprint, owner string) (domain.IdemRecord, bool, error) {
	for attempt := 0; attempt < 5; attempt++ {
		now := s.Now()
		item := core.IdemKey(account, mode, key)
		item["fingerprint"] = core.SV(fingerprint)
		item["state"] = core.SV(domain.IdemPending)
		item["owner"] = core.SV(owner)
		item["leaseUntil"] = core.N(now.Add(IdempotencyLease).UnixMilli())
		item["createdAt"] = core.N(now.UnixMilli())
		item["ttl"] = core.N(now.Add(IdempotencyTTL).Unix())
		_, err := s.DB.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.Table, Item: item,
			ConditionExpression:      aws.String("attribute_not_exists(PK) OR #ttl < :nowS OR (#st = :pending AND #lease <= :nowMs AND attribute_not_exists(#committed))"),
			ExpressionAttributeNames: map[string]string{"#ttl": "ttl", "#st": "state", "#lease": "leaseUntil", "#committed": "committed"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":nowS": core.N(now.Unix()), ":pending": core.SV(domain.IdemPending),
				":nowMs": core.N(now.UnixMilli())}})
		if err == nil {
			return domain.IdemRecord{Key: key, Fingerprint: fingerprint, State: domain.IdemPending, Owner: owner}, true, nil
		}
		var ccf *types.ConditionalCheckFailedException
		var tce *types.TransactionConflictException
		if errors.As(err, &tce) {
			// Another request's transaction holds the record (it is committing a change under
			// this key) past the SDK's retries: the client retries, a 429, never a 500.
			return domain.IdemRecord{}, false, apperr.New(apperr.RateLimited, "This idempotency key is being used by another request that is finishing; retry.").WithCode("lock_timeout").WithHeader("Retry-After", "1")
		}
		if !errors.As(err, &ccf) {
			return domain.IdemRecord{}, false, fmt.Errorf("store: reserve idempotency key: %w", err)
		}
		out, err := s.DB.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.Table, Key: core.IdemKey(account, mode, key), ConsistentRead: aws.Bool(true)})
		if err != nil {
			return domain.IdemRecord{}, false, fmt.Errorf("store: read idempotency key: %w", err)
		}
		if out.Item != nil {
			return idemFrom(out.Item), false, nil
		}
		// Released between our PutItem and GetItem (its request ended in an unsaved error): retry.
	}
	return domain.IdemRecord{}, false, fmt.Errorf("store: reserve idempotency key: record keeps changing")
}

// CompleteIdempotencyKey stores the response of the request holding key. The condition on owner
// and state keeps a request whose lease was taken over from overwriting its successor's record.
func (s *Idempotency) CompleteIdempotencyKey(ctx context.Context, account, mode, key, owner string, status int, body string, headers map[string]string) error {
	h := make(map[string]types.AttributeValue, len(headers))
	for k, v := range headers {
		h[k] = core.SV(v)
	}
	err := s.whileContended(ctx, func() error {
		_, err := s.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: &s.Table, Key: core.IdemKey(account, mode, key),
			UpdateExpression:         aws.String("SET #st = :done, #status = :status, #body = :body, #headers = :headers REMOVE #lease"),
			ConditionExpression:      aws.String("#owner = :owner AND #st = :pending"),
			ExpressionAttributeNames: map[string]string{"#st": "state", "#status": "status", "#body": "body", "#headers": "headers", "#lease": "leaseUntil", "#owner": "owner"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":done": core.SV(domain.IdemDone), ":status": core.N(int64(status)), ":body": core.SV(body),
				":headers": &types.AttributeValueMemberM{Value: h}, ":owner": core.SV(owner), ":pending": core.SV(domain.IdemPending)}})
		return err
	})
	if err != nil {
		return fmt.Errorf("store: complete idempotency key: %w", err)
	}
	return nil
}

// ReleaseIdempotencyKey frees a reservation whose request ended without a result worth
// replaying (a validation error, a rate limit), so a corrected retry runs afresh. A reservation
// under which a change committed is never released: its retry must replay that change.
func (s *Idempotency) ReleaseIdempotencyKey(ctx context.Context, account, mode, key, owner string) error {
	err := s.whileContended(ctx, func() error {
		_, err := s.DB.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: &s.Table, Key: core.IdemKey(account, mode, key),
			ConditionExpression:       aws.String("#owner = :owner AND #st = :pending AND attribute_not_exists(#committed)"),
			ExpressionAttributeNames:  map[string]string{"#owner": "owner", "#st": "state", "#committed": "committed"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":owner": core.SV(owner), ":pending": core.SV(domain.IdemPending)}})
		return err
	})
	if err != nil {
		return fmt.Errorf("store: release idempotency key: %w", err)
	}
	return nil
}

// IdempotencyGuard is a condition for the transaction of a change made under an idempotency key:
// it holds only while owner still holds the pending reservation. Added to Meta.Extra, it makes
// the change impossible once the reservation was taken over, so no two requests with one key can
// both commit.
func (s *Idempotency) IdempotencyGuard(account, mode, key, owner string) types.TransactWriteItem {
	return types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{TableName: &s.Table, Key: core.IdemKey(account, mode, key),
		ConditionExpression:       aws.String("#owner = :owner AND #st = :pending"),
		ExpressionAttributeNames:  map[string]string{"#owner": "owner", "#st": "state"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":owner": core.SV(owner), ":pending": core.SV(domain.IdemPending)}}}
}

// commitWindow bounds how long after IdempotencyCommit's time its change's event can be dated:
// the store stamps the event when it writes, within the request, and a request lasts at most a
// function timeout (10 s).
const commitWindow = 15 * time.Second

// CommittedChange finds the change committed under rec (rec.Committed set) from its events: the
// event partition is read over the short window after rec.CommittedAt, keeping events whose
// request names rec's key and committing request. res, when known, lets the current version be
// read for the ETag. Not found (false) means the events expired (after 30 days, beyond the
// record's own 24 h) or the record was never committed.
func (s *Idempotency) CommittedChange(ctx context.Context, account, mode string, rec domain.IdemRecord, res *schema.Resource) (domain.Change, bool, error) {
	if rec.Committed == "" {
		return domain.Change{}, false, nil
	}
	at := time.UnixMilli(rec.CommittedAt)
	in := &dynamodb.QueryInput{TableName: &s.Table,
		KeyConditionExpression:   aws.String("PK = :pk AND SK BETWEEN :lo AND :hi"),
		FilterExpression:         aws.String("#rq.#ik = :key AND #rq.#id = :rid"),
		ExpressionAttributeNames: map[string]string{"#rq": "request", "#ik": "idempotencyKey", "#id": "id"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": core.SV(core.EventPartition(account, mode)),
			":lo": core.SV(core.NewIDPrefix("evt", at.Add(-time.Second))), ":hi": core.SV(core.NewIDPrefix("evt", at.Add(commitWindow))),
			":key": core.SV(rec.Key), ":rid": core.SV(rec.Committed)},
		ConsistentRead: aws.Bool(true)}
	var ev domain.Doc
	for ev == nil {
		out, err := s.DB.Query(ctx, in)
		if err != nil {
			return domain.Change{}, false, fmt.Errorf("store: find committed change: %w", err)
		}
		for _, it := range out.Items {
			typ := core.GetS(it, "type")
			// The standard event comes with any extra ones (appointment.cancelled): pick it.
			if strings.HasSuffix(typ, ".created") || strings.HasSuffix(typ, ".updated") || strings.HasSuffix(typ, ".deleted") {
				ev = core.UnmarshalDoc(it)
				break
			}
		}
		if out.LastEvaluatedKey == nil {
			break
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
	if ev == nil {
		return domain.Change{}, false, nil
	}
	data, _ := ev["data"].(map[string]any)
	obj, _ := data["object"].(map[string]any)
	ch := domain.Change{Event: ev, Object: obj}
	typ, _ := ev["type"].(string)
	id, _ := obj["id"].(string)
	org, _ := obj["organizationId"].(string)
	switch {
	case strings.HasSuffix(typ, ".created"):
		ch.Version = 1 // what the create answered, whatever happened since
	case strings.HasSuffix(typ, ".updated") && res != nil && id != "":
		cur, ver, err := s.GetObject(ctx, domain.Tenant{Account: account, Mode: mode, Org: org}, res, id)
		var ae *apperr.Error
		switch {
		case errors.As(err, &ae) && ae.Kind == apperr.NotFound:
			// Deleted since: the version this update made is no longer known.
		case err != nil:
			return domain.Change{}, false, err
		case reflect.DeepEqual(cur["updatedAt"], obj["updatedAt"]):
			// updatedAt strictly increases with each change, so this is still our version.
			ch.Version = ver
		}
	}
	return ch, true, nil
}

// whileContended runs write again while another request's transaction holds its item past the
// SDK's retries (a same-key request's guard, ending within milliseconds), until LockTimeout. Complete
// and Release run after the client's answer is decided: a record left pending answers the
// client's retry 409 until its lease lapses, so it is worth a few more tries here.
func (s *Idempotency) whileContended(ctx context.Context, write func() error) error {
	deadline := time.Now().Add(s.LockTimeout) // wall time: Now may be a test's stopped clock
	backoff := 5 * time.Millisecond
	for {
		err := write()
		if !core.IsContended(err) || time.Now().After(deadline) {
			return core.Contended(err)
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 100*time.Millisecond)
	}
}
