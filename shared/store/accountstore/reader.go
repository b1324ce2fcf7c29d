package accountstore

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hapihub/hapihub/shared/apperr"
	"github.com/hapihub/hapihub/shared/domain"
	"github.com/hapihub/hapihub/shared/store/core"
)

// ItemReader is the two DynamoDB operations the authorizer's reads use: keys, accounts and
// organizations by id, and a live account's connections.
type ItemReader interface {
	GetItem(context.Context, *dynamodb.GetItemInput, ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	Query(context.Context, *dynamodb.QueryInput, ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
}

// Reader is the authorizer's view of the slice: keys, accounts and organizations by id, and
// connections, over GetItem and Query alone. A function holding only a Reader converts its
// DynamoDB client to ItemReader, not to core.DB, so the linker drops the other operations'
// serializers (the authorizer binary, which must stay small).
type Reader struct {
	DB    ItemReader
	Table string
}

func (s *Accounts) reader() Reader { return Reader{DB: s.DB, Table: s.Table} }

// GetAccount reads an account.
func (s Reader) GetAccount(ctx context.Context, id string) (domain.Account, error) {
	out, err := s.DB.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.Table, Key: map[string]types.AttributeValue{"PK": core.SV(accountPK(id)), "SK": core.SV("ACCOUNT")}, ConsistentRead: aws.Bool(true)})
	if err != nil {
		return domain.Account{}, fmt.Errorf("store: get account: %w", err)
	}
	if out.Item == nil {
		return domain.Account{}, apperr.New(apperr.Auth, "The account of this key no longer exists.")
	}
	return accountFrom(out.Item), nil
}

// KeyByHash finds a key by the hash of its secret; ok is false when there is none.
func (s Reader) KeyByHash(ctx context.Context, hash string) (domain.Key, bool, error) {
	out, err := s.DB.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.Table, Key: map[string]types.AttributeValue{"PK": core.SV(keyPK(hash)), "SK": core.SV("KEY")}})
	if err != nil {
		return domain.Key{}, false, fmt.Errorf("store: get key: %w", err)
	}
	if out.Item == nil {
		return domain.Key{}, false, nil
	}
	return keyFrom(out.Item), true, nil
}

// GetOrganization reads an organization document.
func (s Reader) GetOrganization(ctx context.Context, id string) (domain.Doc, error) {
	out, err := s.DB.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.Table, Key: map[string]types.AttributeValue{"PK": core.SV(orgPK(id)), "SK": core.SV("ORG")}})
	if err != nil {
		return nil, fmt.Errorf("store: get organization: %w", err)
	}
	if out.Item == nil {
		return nil, apperr.New(apperr.NotFound, "No such organization: %s", id)
	}
	return core.UnmarshalDoc(out.Item), nil
}

// Connections lists an account's connections (organization and status).
func (s Reader) Connections(ctx context.Context, account string) ([]domain.Connection, error) {
	out, err := s.DB.Query(ctx, &dynamodb.QueryInput{TableName: &s.Table, KeyConditionExpression: aws.String("PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": core.SV(accountPK(account) + "#CONN")}, ConsistentRead: aws.Bool(true)})
	if err != nil {
		return nil, fmt.Errorf("store: list connections: %w", err)
	}
	var cs []domain.Connection
	for _, it := range out.Items {
		cs = append(cs, domain.Connection{Org: core.GetS(it, "SK"), Status: core.GetS(it, "status")})
	}
	return cs, nil
}
