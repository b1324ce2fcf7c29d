package accountstore

import (
	"context"
	"errors"
	"reflect"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hapihub/hapihub/shared/apperr"
	"github.com/hapihub/hapihub/shared/domain"
	"github.com/hapihub/hapihub/shared/store/core"
)

// UpdateOrganization changes an organization document (API keys may change only its metadata;
// the caller enforces that) with an organization.updated event in the account's event partition
// of t's mode. Concurrent changes are detected on updatedAt and retried a few times.
func (s *Accounts) UpdateOrganization(ctx context.Context, t domain.Tenant, mutate domain.Mutate, meta domain.Meta) (domain.Doc, error) {
	for range 5 {
		cur, err := s.GetOrganization(ctx, t.Org)
		if err != nil {
			return nil, err
		}
		next, err := mutate(core.CloneDoc(cur))
		if err != nil {
			return nil, err
		}
		now := s.Now()
		next["id"] = cur["id"]
		next["updatedAt"] = max(now.UnixMilli(), core.AsInt(cur["updatedAt"])+1)
		if reflect.DeepEqual(withoutUpdatedAt(cur), withoutUpdatedAt(next)) {
			return cur, nil // nothing changed: no write, no event
		}
		item, err := core.MarshalItem(next, map[string]types.AttributeValue{"PK": core.SV(orgPK(t.Org)), "SK": core.SV("ORG")})
		if err != nil {
			return nil, err
		}
		put := types.TransactWriteItem{Put: &types.Put{
			TableName:                 &s.Table,
			Item:                      item,
			ConditionExpression:       aws.String("#u = :u"),
			ExpressionAttributeNames:  map[string]string{"#u": "updatedAt"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":u": core.N(core.AsInt(cur["updatedAt"]))},
		}}
		err = s.WriteWithEvents(ctx, t, put, "organization.updated", next, core.PreviousAttributes(cur, next), meta, now)
		if err == nil {
			return next, nil
		}
		if !errors.Is(err, core.ErrConflict) {
			return nil, err
		}
	}
	return nil, apperr.New(apperr.RateLimited, "This organization is being changed by another request; retry.").WithCode("lock_timeout").WithHeader("Retry-After", "1")
}

func withoutUpdatedAt(d domain.Doc) domain.Doc {
	out := make(domain.Doc, len(d))
	for k, v := range d {
		if k != "updatedAt" {
			out[k] = v
		}
	}
	return out
}
