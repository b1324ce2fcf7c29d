package accountstore

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hapihub/hapihub/shared/domain"
	"github.com/hapihub/hapihub/shared/store/core"
)

func accountPK(id string) string { return "ACCT#" + id }
func keyPK(hash string) string   { return "KEY#" + hash }
func orgPK(id string) string     { return "ORG#" + id }

func accountItem(a domain.Account) (map[string]types.AttributeValue, error) {
	usage := map[string]any{}
	for k, v := range a.UsageKeys {
		usage[k] = v
	}
	allow := make([]any, len(a.IPAllowlist))
	for i, c := range a.IPAllowlist {
		allow[i] = c
	}
	return core.MarshalItem(domain.Doc{"id": a.ID, "name": a.Name, "sandboxOrg": a.SandboxOrg, "usageKeys": usage, "ipAllowlist": allow, "createdAt": a.CreatedAt, "apiVersion": a.APIVersion},
		map[string]types.AttributeValue{"PK": core.SV(accountPK(a.ID)), "SK": core.SV("ACCOUNT")})
}

func accountFrom(item map[string]types.AttributeValue) domain.Account {
	d := core.UnmarshalDoc(item)
	a := domain.Account{ID: str(d["id"]), Name: str(d["name"]), SandboxOrg: str(d["sandboxOrg"]), CreatedAt: core.AsInt(d["createdAt"]), APIVersion: str(d["apiVersion"]), UsageKeys: map[string]string{}}
	if m, ok := d["usageKeys"].(map[string]any); ok {
		for k, v := range m {
			a.UsageKeys[k] = str(v)
		}
	}
	if l, ok := d["ipAllowlist"].([]any); ok {
		for _, v := range l {
			a.IPAllowlist = append(a.IPAllowlist, str(v))
		}
	}
	return a
}

func keyItem(k domain.Key) (map[string]types.AttributeValue, error) {
	perms := map[string]any{}
	for r, p := range k.Permissions {
		perms[r] = p
	}
	return core.MarshalItem(domain.Doc{"id": k.ID, "accountId": k.AccountID, "mode": k.Mode, "type": k.Type, "hash": k.Hash, "last4": k.Last4,
		"status": k.Status, "expiresAt": k.ExpiresAt, "name": k.Name, "note": k.Note, "permissions": perms, "revealable": k.Revealable, "createdAt": k.CreatedAt, "session": k.Session},
		map[string]types.AttributeValue{"PK": core.SV(keyPK(k.Hash)), "SK": core.SV("KEY")})
}

func keyFrom(item map[string]types.AttributeValue) domain.Key {
	d := core.UnmarshalDoc(item)
	k := domain.Key{ID: str(d["id"]), AccountID: str(d["accountId"]), Mode: str(d["mode"]), Type: str(d["type"]), Hash: str(d["hash"]),
		Last4: str(d["last4"]), Status: str(d["status"]), ExpiresAt: core.AsInt(d["expiresAt"]), Name: str(d["name"]), Note: str(d["note"]),
		Revealable: str(d["revealable"]), CreatedAt: core.AsInt(d["createdAt"]), Session: str(d["session"]), Permissions: map[string]string{}}
	if m, ok := d["permissions"].(map[string]any); ok {
		for r, p := range m {
			k.Permissions[r] = str(p)
		}
	}
	return k
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

// CreateAccount writes an account, its keys, its sandbox organization and live connections in
// one transaction: an account never exists half made.
func (s *Accounts) CreateAccount(ctx context.Context, a domain.Account, keys []domain.Key, orgs []domain.Doc, liveConnections []string) error {
	var items []types.TransactWriteItem
	ai, err := accountItem(a)
	if err != nil {
		return err
	}
	items = append(items, types.TransactWriteItem{Put: &types.Put{TableName: &s.Table, Item: ai, ConditionExpression: aws.String("attribute_not_exists(PK)")}})
	for _, k := range keys {
		ki, err := keyItem(k)
		if err != nil {
			return err
		}
		items = append(items, types.TransactWriteItem{Put: &types.Put{TableName: &s.Table, Item: ki, ConditionExpression: aws.String("attribute_not_exists(PK)")}})
		// A listing entry per account and mode, for /api-keys, without the hash's partition.
		li, err := core.MarshalItem(domain.Doc{"keyHash": k.Hash}, map[string]types.AttributeValue{"PK": core.SV(accountPK(a.ID) + "#" + k.Mode + "#KEYS"), "SK": core.SV(k.ID)})
		if err != nil {
			return err
		}
		items = append(items, types.TransactWriteItem{Put: &types.Put{TableName: &s.Table, Item: li}})
	}
	for _, o := range orgs {
		oi, err := core.MarshalItem(o, map[string]types.AttributeValue{"PK": core.SV(orgPK(str(o["id"]))), "SK": core.SV("ORG")})
		if err != nil {
			return err
		}
		items = append(items, types.TransactWriteItem{Put: &types.Put{TableName: &s.Table, Item: oi}})
	}
	for _, org := range liveConnections {
		ci, err := core.MarshalItem(domain.Doc{"organizationId": org, "status": "active"}, map[string]types.AttributeValue{"PK": core.SV(accountPK(a.ID) + "#CONN"), "SK": core.SV(org)})
		if err != nil {
			return err
		}
		items = append(items, types.TransactWriteItem{Put: &types.Put{TableName: &s.Table, Item: ci}})
	}
	if err := s.TransactWrite(ctx, items); err != nil {
		return fmt.Errorf("store: create account %s: %w", a.ID, err)
	}
	return nil
}

// GetAccount reads an account.
func (s *Accounts) GetAccount(ctx context.Context, id string) (domain.Account, error) {
	return s.reader().GetAccount(ctx, id)
}

// KeyByHash finds a key by the hash of its secret; ok is false when there is none.
func (s *Accounts) KeyByHash(ctx context.Context, hash string) (domain.Key, bool, error) {
	return s.reader().KeyByHash(ctx, hash)
}

// ListKeys lists an account's keys of one mode.
func (s *Accounts) ListKeys(ctx context.Context, account, mode string) ([]domain.Key, error) {
	out, err := s.DB.Query(ctx, &dynamodb.QueryInput{TableName: &s.Table, KeyConditionExpression: aws.String("PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": core.SV(accountPK(account) + "#" + mode + "#KEYS")}})
	if err != nil {
		return nil, fmt.Errorf("store: list keys: %w", err)
	}
	var keys []domain.Key
	for _, it := range out.Items {
		k, ok, err := s.KeyByHash(ctx, core.GetS(it, "keyHash"))
		if err != nil {
			return nil, err
		}
		if ok {
			keys = append(keys, k)
		}
	}
	return keys, nil
}

// GetOrganization reads an organization document.
func (s *Accounts) GetOrganization(ctx context.Context, id string) (domain.Doc, error) {
	return s.reader().GetOrganization(ctx, id)
}

// Connections lists an account's live organizations.
func (s *Accounts) Connections(ctx context.Context, account string) ([]domain.Connection, error) {
	return s.reader().Connections(ctx, account)
}

// SetConnectionStatus marks a connection active or revoked (the clinic's decision).
func (s *Accounts) SetConnectionStatus(ctx context.Context, account, org, status string) error {
	_, err := s.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: &s.Table,
		Key:                       map[string]types.AttributeValue{"PK": core.SV(accountPK(account) + "#CONN"), "SK": core.SV(org)},
		UpdateExpression:          aws.String("SET #s = :s"),
		ConditionExpression:       aws.String("attribute_exists(PK)"),
		ExpressionAttributeNames:  map[string]string{"#s": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":s": core.SV(status)}})
	if err != nil {
		return fmt.Errorf("store: set connection %s/%s: %w", account, org, core.Contended(err))
	}
	return nil
}

// PutSetting stores a small named document outside any tenant (the local runner's bootstrap
// record). It fails if the setting exists, so two starts cannot both bootstrap.
func (s *Accounts) PutSetting(ctx context.Context, name string, doc domain.Doc) error {
	item, err := core.MarshalItem(doc, map[string]types.AttributeValue{"PK": core.SV("SETTING#" + name), "SK": core.SV("SETTING")})
	if err != nil {
		return err
	}
	_, err = s.DB.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.Table, Item: item, ConditionExpression: aws.String("attribute_not_exists(PK)")})
	if err != nil {
		return fmt.Errorf("store: put setting %s: %w", name, core.Contended(err))
	}
	return nil
}

// GetSetting reads a setting; ok is false when absent.
func (s *Accounts) GetSetting(ctx context.Context, name string) (domain.Doc, bool, error) {
	out, err := s.DB.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.Table, Key: map[string]types.AttributeValue{"PK": core.SV("SETTING#" + name), "SK": core.SV("SETTING")}, ConsistentRead: aws.Bool(true)})
	if err != nil {
		return nil, false, fmt.Errorf("store: get setting %s: %w", name, err)
	}
	if out.Item == nil {
		return nil, false, nil
	}
	return core.UnmarshalDoc(out.Item), true, nil
}
