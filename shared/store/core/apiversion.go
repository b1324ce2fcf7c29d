package core

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hapihub/hapihub/shared/apiversion"
	"github.com/hapihub/hapihub/shared/domain"
)

// VersionEvent stamps an event, built in the newest shape, with the API version of its account
// at this moment (apiVersion: the version it is listed in and, unless an endpoint names its own,
// delivered in) and with the shape it is stored in, so it can be rendered in any version up to
// that one when read (docs/versioning.md). A request carries its account's version
// (shared/api.Versioning); work outside a request (the webhook dispatcher disabling an endpoint)
// reads it from the account item.
func (s *Store) VersionEvent(ctx context.Context, account string, ev domain.Doc) (domain.Doc, error) {
	v := apiversion.AccountFrom(ctx)
	if v == "" {
		var err error
		if v, err = s.accountVersion(ctx, account); err != nil {
			return nil, err
		}
	}
	return apiversion.Current().StampEvent(ev, v), nil
}

// GetEventIn reads an event rendered in version v ("" for its own: the account's when it was
// written), for an endpoint that names its version.
func (s *Store) GetEventIn(ctx context.Context, account, mode, id string, v apiversion.Version) (domain.Doc, error) {
	raw, err := s.getEventRaw(ctx, account, mode, id)
	if err != nil {
		return nil, err
	}
	return renderEvent(raw, v)
}

func renderEvent(ev domain.Doc, v apiversion.Version) (domain.Doc, error) {
	out, err := apiversion.Current().RenderEvent(ev, v)
	if err != nil {
		return nil, fmt.Errorf("store: event in version %s: %w", v, err)
	}
	return out, nil
}

// accountVersion reads the account item's apiVersion (the item accountstore owns: the key is
// its accountPK; an account without one is pinned to the first version).
func (s *Store) accountVersion(ctx context.Context, account string) (apiversion.Version, error) {
	out, err := s.DB.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.Table,
		Key:                      map[string]types.AttributeValue{"PK": sv("ACCT#" + account), "SK": sv("ACCOUNT")},
		ProjectionExpression:     aws.String("#v"),
		ExpressionAttributeNames: map[string]string{"#v": "apiVersion"}})
	if err != nil {
		return "", fmt.Errorf("store: api version of %s: %w", account, err)
	}
	return apiversion.Current().OfAccount(getS(out.Item, "apiVersion")), nil
}
