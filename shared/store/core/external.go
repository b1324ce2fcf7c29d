package core

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hapihub/hapihub/shared/apperr"
	"github.com/hapihub/hapihub/shared/domain"
	"github.com/hapihub/hapihub/shared/schema"
)

// GSI1 answers equality look-ups by externalId (see indexes.go for its keys).
const GSI1 = "GSI1"

// guardSK is the sort key of an externalId uniqueness guard.
const guardSK = "EXT"

// guardKey is the key of the item that reserves externalId ext in a tenant's resource: its
// partition is the tenant's resource partition plus the value, so it cannot cross tenants.
func guardKey(t domain.Tenant, res *schema.Resource, ext string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"PK": sv(partition(t, res.Name) + "#ext#" + escape(ext)), "SK": sv(guardSK)}
}

// FindByExternalID returns the object of res whose externalId is ext, through GSI1 (a PMS-style
// lookup without reading the partition). GSI reads are eventually consistent on DynamoDB, so a
// miss right after a racing create is possible: CreateUnique relies on its guard item, not on this.
func (s *Store) FindByExternalID(ctx context.Context, t domain.Tenant, res *schema.Resource, ext string) (domain.Doc, int64, bool, error) {
	out, err := s.DB.Query(ctx, &dynamodb.QueryInput{
		TableName:                 &s.Table,
		IndexName:                 aws.String(GSI1),
		KeyConditionExpression:    aws.String("GSI1PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": sv(partition(t, res.Name) + "#externalId#" + escape(ext))},
		Limit:                     aws.Int32(1),
	})
	if err != nil {
		return nil, 0, false, fmt.Errorf("store: find %s by externalId: %w", res.Object, err)
	}
	if len(out.Items) == 0 {
		return nil, 0, false, nil
	}
	return unmarshalDoc(out.Items[0]), getN(out.Items[0], versionAttr), true, nil
}

// CreateUnique creates an object unless one with the same externalId exists in the tenant, in
// which case it returns that one with existed true (Hubpay's dedupe). Without an externalId it is
// CreateObject. Race-free: the create's transaction also puts a guard item reserving the
// externalId (attribute_not_exists), so of two concurrent creates exactly one commits and the
// other reads the winner through the guard, consistently. A guard whose owner was deleted or
// renamed since is stale and is taken over, conditionally on still naming that owner.
func (s *Store) CreateUnique(ctx context.Context, t domain.Tenant, res *schema.Resource, fields domain.Doc, meta domain.Meta) (doc domain.Doc, version int64, existed bool, err error) {
	ext, _ := fields["externalId"].(string)
	if ext == "" {
		doc, err := s.CreateObject(ctx, t, res, fields, meta)
		return doc, 1, false, err
	}
	if doc, ver, ok, err := s.FindByExternalID(ctx, t, res, ext); err != nil {
		return nil, 0, false, err
	} else if ok {
		return doc, ver, true, nil
	}
	stale := ""
	for range 3 {
		doc, err := s.createGuarded(ctx, t, res, fields, meta, ext, stale)
		var ce *domain.ConditionError
		if err == nil {
			return doc, 1, false, nil
		}
		if !errors.As(err, &ce) || ce.Extra != meta.Tx.Len() { // the guard follows meta.Tx's own items
			return nil, 0, false, err
		}
		owner, err := s.guardOwner(ctx, t, res, ext)
		if err != nil {
			return nil, 0, false, err
		}
		cur, ver, err := s.GetObject(ctx, t, res, owner)
		var ae *apperr.Error
		switch {
		case err == nil && cur["externalId"] == ext:
			return cur, ver, true, nil
		case err == nil || (errors.As(err, &ae) && ae.Kind == apperr.NotFound):
			stale = owner // deleted or renamed since: take the guard over
		default:
			return nil, 0, false, err
		}
	}
	return nil, 0, false, apperr.New(apperr.RateLimited, "Another request is creating a %s with externalId %q; retry.", res.Object, ext).WithCode("lock_timeout").WithHeader("Retry-After", "1")
}

// createGuarded is CreateObject plus the guard item, which names the new id inside the same
// transaction.
func (s *Store) createGuarded(ctx context.Context, t domain.Tenant, res *schema.Resource, fields domain.Doc, meta domain.Meta, ext, staleOwner string) (domain.Doc, error) {
	return s.create(ctx, t, res, fields, meta, func(id string, now time.Time) *UniqueClaim {
		return &UniqueClaim{Resource: res.Name, ExternalID: ext, Owner: id, StaleOwner: staleOwner, At: now.UnixMilli()}
	})
}

func guardItem(t domain.Tenant, res *schema.Resource, ext, owner string, at int64) map[string]types.AttributeValue {
	it := guardKey(t, res, ext)
	it["_owner"] = sv(owner)
	it["_createdAt"] = n(at)
	return it
}

// guardOwner reads which object holds an externalId's guard (strongly consistent).
func (s *Store) guardOwner(ctx context.Context, t domain.Tenant, res *schema.Resource, ext string) (string, error) {
	out, err := s.DB.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.Table, Key: guardKey(t, res, ext), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return "", fmt.Errorf("store: read externalId guard: %w", err)
	}
	return getS(out.Item, "_owner"), nil
}

// SeedExternalGuards reserves the externalIds of seeded objects, so creates of the same
// externalIds dedupe race-free against seed data too.
func (s *Store) SeedExternalGuards(ctx context.Context, t domain.Tenant, res *schema.Resource, docs []domain.Doc) error {
	var reqs []types.WriteRequest
	for _, d := range docs {
		if ext, ok := d["externalId"].(string); ok && ext != "" {
			reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: guardItem(t, res, ext, docString(d["id"]), asInt(d["createdAt"]))}})
		}
	}
	return s.batchWrite(ctx, reqs, "seed externalId guards")
}

// batchWrite sends write requests in BatchWriteItem's batches of 25, retrying unprocessed items.
func (s *Store) batchWrite(ctx context.Context, reqs []types.WriteRequest, what string) error {
	for len(reqs) > 0 {
		k := min(25, len(reqs))
		batch := map[string][]types.WriteRequest{s.Table: reqs[:k]}
		reqs = reqs[k:]
		for len(batch) > 0 {
			out, err := s.DB.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: batch})
			if err != nil {
				return fmt.Errorf("store: %s: %w", what, err)
			}
			batch = out.UnprocessedItems
		}
	}
	return nil
}
