package core

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hapihub/hapihub/shared/apiversion"
)

// VersionEvent renders an event, built in the newest shape, in the API version of its account
// at this moment and stamps it with that version (apiVersion): events are stored, listed and
// delivered as their account read the API when they happened (docs/versioning.md). A request
// carries its account's version (shared/api.Versioning); work outside a request (the webhook
// dispatcher disabling an endpoint) reads it from the account item.
func (s *Store) VersionEvent(ctx context.Context, account string, ev Doc) (Doc, error) {
	v := apiversion.AccountFrom(ctx)
	if v == "" {
		var err error
		if v, err = s.accountVersion(ctx, account); err != nil {
			return nil, err
		}
	}
	out, err := apiversion.Current().Event(ev, v)
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

// legacyEvent stamps an event stored before versions were recorded with the first version:
// it was built in that version's shape, the only one there was.
func legacyEvent(ev Doc) Doc {
	if _, ok := ev["apiVersion"]; !ok {
		ev["apiVersion"] = string(apiversion.Current().First())
	}
	return ev
}
