package accountstore

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
	"github.com/hapihub/hapihub/shared/store/core"
)

func keyListPK(account, mode string) string { return accountPK(account) + "#" + mode + "#KEYS" }

func keyRefItem(k domain.Key) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		"PK": core.SV(keyListPK(k.AccountID, k.Mode)), "SK": core.SV(k.ID),
		"keyHash": core.SV(k.Hash), "status": core.SV(k.Status), "expiresAt": core.N(k.ExpiresAt),
	}
}

func (s *Accounts) keyPuts(k domain.Key) ([]types.TransactWriteItem, error) {
	ki, err := keyItem(k)
	if err != nil {
		return nil, err
	}
	return []types.TransactWriteItem{
		{Put: &types.Put{TableName: &s.Table, Item: ki, ConditionExpression: aws.String("attribute_not_exists(PK)")}},
		{Put: &types.Put{TableName: &s.Table, Item: keyRefItem(k), ConditionExpression: aws.String("attribute_not_exists(PK)")}},
	}, nil
}

// CreateKey stores a new key and its listing entry in one transaction.
func (s *Accounts) CreateKey(ctx context.Context, k domain.Key) error {
	items, err := s.keyPuts(k)
	if err != nil {
		return err
	}
	if err := s.TransactWrite(ctx, items); err != nil {
		return fmt.Errorf("store: create key %s: %w", k.ID, err)
	}
	return nil
}

// KeyRefOf reads a key's listing entry; ok is false when the account has no such key.
func (s *Accounts) KeyRefOf(ctx context.Context, account, mode, id string) (domain.KeyRef, bool, error) {
	out, err := s.DB.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.Table,
		Key: map[string]types.AttributeValue{"PK": core.SV(keyListPK(account, mode)), "SK": core.SV(id)}, ConsistentRead: aws.Bool(true)})
	if err != nil {
		return domain.KeyRef{}, false, fmt.Errorf("store: get key ref %s: %w", id, err)
	}
	if out.Item == nil {
		return domain.KeyRef{}, false, nil
	}
	return domain.KeyRef{ID: id, Hash: core.GetS(out.Item, "keyHash"), Status: core.GetS(out.Item, "status"), ExpiresAt: core.GetN(out.Item, "expiresAt")}, true, nil
}

// GetKey reads one of an account's keys of a mode by id.
func (s *Accounts) GetKey(ctx context.Context, account, mode, id string) (domain.Key, error) {
	ref, ok, err := s.KeyRefOf(ctx, account, mode, id)
	if err != nil {
		return domain.Key{}, err
	}
	if !ok {
		return domain.Key{}, apperr.New(apperr.NotFound, "No such api_key: %s", id)
	}
	k, ok, err := s.KeyByHash(ctx, ref.Hash)
	if err != nil {
		return domain.Key{}, err
	}
	if !ok || k.AccountID != account || k.Mode != mode {
		return domain.Key{}, apperr.New(apperr.NotFound, "No such api_key: %s", id)
	}
	return k, nil
}

// keyStateUpdates changes a key's status and expiry on both its items, provided it is still
// active and unrolled (expiresAt 0): two concurrent rolls or a roll racing a revoke cannot both
// win.
func (s *Accounts) keyStateUpdates(k domain.Key, status string, expiresAt int64) []types.TransactWriteItem {
	names := map[string]string{"#s": "status", "#e": "expiresAt"}
	vals := map[string]types.AttributeValue{":s": core.SV(status), ":e": core.N(expiresAt), ":active": core.SV(domain.KeyActive), ":zero": core.N(0)}
	cond := aws.String("#s = :active AND (attribute_not_exists(#e) OR #e = :zero)")
	return []types.TransactWriteItem{
		{Update: &types.Update{TableName: &s.Table, Key: map[string]types.AttributeValue{"PK": core.SV(keyPK(k.Hash)), "SK": core.SV("KEY")},
			UpdateExpression: aws.String("SET #s = :s, #e = :e"), ConditionExpression: cond,
			ExpressionAttributeNames: names, ExpressionAttributeValues: vals}},
		// The listing entry of an account's standard keys may predate the mirrored fields.
		{Update: &types.Update{TableName: &s.Table, Key: map[string]types.AttributeValue{"PK": core.SV(keyListPK(k.AccountID, k.Mode)), "SK": core.SV(k.ID)},
			UpdateExpression: aws.String("SET #s = :s, #e = :e"), ConditionExpression: aws.String("attribute_exists(PK)"),
			ExpressionAttributeNames: names, ExpressionAttributeValues: map[string]types.AttributeValue{":s": core.SV(status), ":e": core.N(expiresAt)}}},
	}
}

func (s *Accounts) transactKeys(ctx context.Context, what string, items []types.TransactWriteItem) error {
	err := s.TransactWrite(ctx, items)
	var tce *types.TransactionCanceledException
	if errors.As(err, &tce) {
		for _, r := range tce.CancellationReasons {
			if r.Code != nil && *r.Code == "ConditionalCheckFailed" {
				return apperr.Field("id", "this key was revoked or rolled meanwhile; list the keys again")
			}
		}
	}
	if err != nil {
		return fmt.Errorf("store: %s: %w", what, err)
	}
	return nil
}

// RevokeKey blocks an active key at once.
func (s *Accounts) RevokeKey(ctx context.Context, k domain.Key) error {
	return s.transactKeys(ctx, "revoke key "+k.ID, s.keyStateUpdates(k, domain.KeyRevoked, 0))
}

// RollKey replaces old by next in one transaction: next is stored, old stays valid until
// oldExpiresAt (Unix ms; the present for "blocked now").
func (s *Accounts) RollKey(ctx context.Context, old, next domain.Key, oldExpiresAt int64) error {
	items := s.keyStateUpdates(old, domain.KeyActive, oldExpiresAt)
	puts, err := s.keyPuts(next)
	if err != nil {
		return err
	}
	return s.transactKeys(ctx, "roll key "+old.ID, append(items, puts...))
}

// SetIPAllowlist replaces an account's IP allowlist (CIDRs, already validated).
func (s *Accounts) SetIPAllowlist(ctx context.Context, account string, cidrs []string) error {
	l := make([]types.AttributeValue, len(cidrs))
	for i, c := range cidrs {
		l[i] = core.SV(c)
	}
	_, err := s.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: &s.Table,
		Key:                       map[string]types.AttributeValue{"PK": core.SV(accountPK(account)), "SK": core.SV("ACCOUNT")},
		UpdateExpression:          aws.String("SET #a = :a"),
		ConditionExpression:       aws.String("attribute_exists(PK)"),
		ExpressionAttributeNames:  map[string]string{"#a": "ipAllowlist"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":a": &types.AttributeValueMemberL{Value: l}}})
	if err != nil {
		return fmt.Errorf("store: set ip allowlist of %s: %w", account, core.Contended(err))
	}
	return nil
}

// Tokens are what publishable keys create: short-lived objects a browser hands to the
// developer's server (tok_...). They live in A#<acct>#<mode>#TOK and expire with DynamoDB TTL.
func tokenPK(account, mode string) string { return "A#" + account + "#" + mode + "#TOK" }

// PutToken stores a token document (its id, expiresAt in Unix ms).
func (s *Accounts) PutToken(ctx context.Context, account, mode string, doc domain.Doc) error {
	exp := core.AsInt(doc["expiresAt"])
	item, err := core.MarshalItem(doc, map[string]types.AttributeValue{
		"PK": core.SV(tokenPK(account, mode)), "SK": core.SV(str(doc["id"])), "ttl": core.N(time.UnixMilli(exp).Unix()),
	})
	if err != nil {
		return err
	}
	if _, err := s.DB.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.Table, Item: item, ConditionExpression: aws.String("attribute_not_exists(PK)")}); err != nil {
		return fmt.Errorf("store: put token: %w", core.Contended(err))
	}
	return nil
}

// GetToken reads a token; an expired one is NOT_FOUND even before TTL removes it (DynamoDB's
// TTL deletes lazily, within days).
func (s *Accounts) GetToken(ctx context.Context, account, mode, id string) (domain.Doc, error) {
	out, err := s.DB.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.Table,
		Key: map[string]types.AttributeValue{"PK": core.SV(tokenPK(account, mode)), "SK": core.SV(id)}, ConsistentRead: aws.Bool(true)})
	if err != nil {
		return nil, fmt.Errorf("store: get token: %w", err)
	}
	if out.Item == nil {
		return nil, apperr.New(apperr.NotFound, "No such token: %s", id)
	}
	d := core.UnmarshalDoc(out.Item)
	if s.Now().UnixMilli() >= core.AsInt(d["expiresAt"]) {
		return nil, apperr.New(apperr.NotFound, "No such token: %s (tokens expire after an hour)", id)
	}
	return d, nil
}

// PutSessionKey stores a console session's key: only its hash item, with a ttl at its expiry, so
// it never appears in the account's key listing and DynamoDB removes it once the session is over.
func (s *Accounts) PutSessionKey(ctx context.Context, k domain.Key) error {
	if k.Session == "" || k.ExpiresAt == 0 {
		return fmt.Errorf("store: session key %s needs a session and an expiry", k.ID)
	}
	item, err := keyItem(k)
	if err != nil {
		return err
	}
	item["ttl"] = core.N(k.ExpiresAt / 1000)
	if _, err := s.DB.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.Table, Item: item,
		ConditionExpression: aws.String("attribute_not_exists(PK)")}); err != nil {
		return fmt.Errorf("store: put session key %s: %w", k.ID, core.Contended(err))
	}
	return nil
}

// DeleteSessionKey removes a session key at once (logout), whatever its expiry.
func (s *Accounts) DeleteSessionKey(ctx context.Context, hash string) error {
	if _, err := s.DB.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: &s.Table,
		Key: map[string]types.AttributeValue{"PK": core.SV(keyPK(hash)), "SK": core.SV("KEY")}}); err != nil {
		return fmt.Errorf("store: delete session key: %w", core.Contended(err))
	}
	return nil
}
