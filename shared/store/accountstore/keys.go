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
	"github.com/hapihub/hapihub/shared/store/core"
)

func keyListPK(account, mode string) string { return accountPK(account) + "#" + mode + "#KEYS" }

func keyRefItem(k Key) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		"PK": sv(keyListPK(k.AccountID, k.Mode)), "SK": sv(k.ID),
		"keyHash": sv(k.Hash), "status": sv(k.Status), "expiresAt": n(k.ExpiresAt),
	}
}

func (s *Store) keyPuts(k Key) ([]types.TransactWriteItem, error) {
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
func (s *Store) CreateKey(ctx context.Context, k Key) error {
	items, err := s.keyPuts(k)
	if err != nil {
		return err
	}
	if err := s.transactWrite(ctx, items); err != nil {
		return fmt.Errorf("store: create key %s: %w", k.ID, err)
	}
	return nil
}

// KeyRefOf reads a key's listing entry; ok is false when the account has no such key.
func (s *Store) KeyRefOf(ctx context.Context, account, mode, id string) (KeyRef, bool, error) {
	out, err := s.DB.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.Table,
		Key: map[string]types.AttributeValue{"PK": sv(keyListPK(account, mode)), "SK": sv(id)}, ConsistentRead: aws.Bool(true)})
	if err != nil {
		return KeyRef{}, false, fmt.Errorf("store: get key ref %s: %w", id, err)
	}
	if out.Item == nil {
		return KeyRef{}, false, nil
	}
	return KeyRef{ID: id, Hash: getS(out.Item, "keyHash"), Status: getS(out.Item, "status"), ExpiresAt: getN(out.Item, "expiresAt")}, true, nil
}

// GetKey reads one of an account's keys of a mode by id.
func (s *Store) GetKey(ctx context.Context, account, mode, id string) (Key, error) {
	ref, ok, err := s.KeyRefOf(ctx, account, mode, id)
	if err != nil {
		return Key{}, err
	}
	if !ok {
		return Key{}, apperr.New(apperr.NotFound, "No such api_key: %s", id)
	}
	k, ok, err := s.KeyByHash(ctx, ref.Hash)
	if err != nil {
		return Key{}, err
	}
	if !ok || k.AccountID != account || k.Mode != mode {
		return Key{}, apperr.New(apperr.NotFound, "No such api_key: %s", id)
	}
	return k, nil
}

// keyStateUpdates changes a key's status and expiry on both its items, provided it is still
// active and unrolled (expiresAt 0): two concurrent rolls or a roll racing a revoke cannot both
// win.
func (s *Store) keyStateUpdates(k Key, status string, expiresAt int64) []types.TransactWriteItem {
	names := map[string]string{"#s": "status", "#e": "expiresAt"}
	vals := map[string]types.AttributeValue{":s": sv(status), ":e": n(expiresAt), ":active": sv(KeyActive), ":zero": n(0)}
	cond := aws.String("#s = :active AND (attribute_not_exists(#e) OR #e = :zero)")
	return []types.TransactWriteItem{
		{Update: &types.Update{TableName: &s.Table, Key: map[string]types.AttributeValue{"PK": sv(keyPK(k.Hash)), "SK": sv("KEY")},
			UpdateExpression: aws.String("SET #s = :s, #e = :e"), ConditionExpression: cond,
			ExpressionAttributeNames: names, ExpressionAttributeValues: vals}},
		// The listing entry of an account's standard keys may predate the mirrored fields.
		{Update: &types.Update{TableName: &s.Table, Key: map[string]types.AttributeValue{"PK": sv(keyListPK(k.AccountID, k.Mode)), "SK": sv(k.ID)},
			UpdateExpression: aws.String("SET #s = :s, #e = :e"), ConditionExpression: aws.String("attribute_exists(PK)"),
			ExpressionAttributeNames: names, ExpressionAttributeValues: map[string]types.AttributeValue{":s": sv(status), ":e": n(expiresAt)}}},
	}
}

func (s *Store) transactKeys(ctx context.Context, what string, items []types.TransactWriteItem) error {
	err := s.transactWrite(ctx, items)
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
func (s *Store) RevokeKey(ctx context.Context, k Key) error {
	return s.transactKeys(ctx, "revoke key "+k.ID, s.keyStateUpdates(k, KeyRevoked, 0))
}

// RollKey replaces old by next in one transaction: next is stored, old stays valid until
// oldExpiresAt (Unix ms; the present for "blocked now").
func (s *Store) RollKey(ctx context.Context, old, next Key, oldExpiresAt int64) error {
	items := s.keyStateUpdates(old, KeyActive, oldExpiresAt)
	puts, err := s.keyPuts(next)
	if err != nil {
		return err
	}
	return s.transactKeys(ctx, "roll key "+old.ID, append(items, puts...))
}

// SetIPAllowlist replaces an account's IP allowlist (CIDRs, already validated).
func (s *Store) SetIPAllowlist(ctx context.Context, account string, cidrs []string) error {
	l := make([]types.AttributeValue, len(cidrs))
	for i, c := range cidrs {
		l[i] = sv(c)
	}
	_, err := s.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: &s.Table,
		Key:                       map[string]types.AttributeValue{"PK": sv(accountPK(account)), "SK": sv("ACCOUNT")},
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
func (s *Store) PutToken(ctx context.Context, account, mode string, doc Doc) error {
	exp := asInt(doc["expiresAt"])
	item, err := marshalItem(doc, map[string]types.AttributeValue{
		"PK": sv(tokenPK(account, mode)), "SK": sv(str(doc["id"])), "ttl": n(time.UnixMilli(exp).Unix()),
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
func (s *Store) GetToken(ctx context.Context, account, mode, id string) (Doc, error) {
	out, err := s.DB.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.Table,
		Key: map[string]types.AttributeValue{"PK": sv(tokenPK(account, mode)), "SK": sv(id)}, ConsistentRead: aws.Bool(true)})
	if err != nil {
		return nil, fmt.Errorf("store: get token: %w", err)
	}
	if out.Item == nil {
		return nil, apperr.New(apperr.NotFound, "No such token: %s", id)
	}
	d := unmarshalDoc(out.Item)
	if s.Now().UnixMilli() >= asInt(d["expiresAt"]) {
		return nil, apperr.New(apperr.NotFound, "No such token: %s (tokens expire after an hour)", id)
	}
	return d, nil
}

// PutSessionKey stores a console session's key: only its hash item, with a ttl at its expiry, so
// it never appears in the account's key listing and DynamoDB removes it once the session is over.
func (s *Store) PutSessionKey(ctx context.Context, k Key) error {
	if k.Session == "" || k.ExpiresAt == 0 {
		return fmt.Errorf("store: session key %s needs a session and an expiry", k.ID)
	}
	item, err := keyItem(k)
	if err != nil {
		return err
	}
	item["ttl"] = n(k.ExpiresAt / 1000)
	if _, err := s.DB.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.Table, Item: item,
		ConditionExpression: aws.String("attribute_not_exists(PK)")}); err != nil {
		return fmt.Errorf("store: put session key %s: %w", k.ID, core.Contended(err))
	}
	return nil
}

// DeleteSessionKey removes a session key at once (logout), whatever its expiry.
func (s *Store) DeleteSessionKey(ctx context.Context, hash string) error {
	if _, err := s.DB.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: &s.Table,
		Key: map[string]types.AttributeValue{"PK": sv(keyPK(hash)), "SK": sv("KEY")}}); err != nil {
		return fmt.Errorf("store: delete session key: %w", core.Contended(err))
	}
	return nil
}
