package accountstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hapihub/hapihub/shared/apperr"
	"github.com/hapihub/hapihub/shared/domain"
	"github.com/hapihub/hapihub/shared/store/core"
)

// KeyEdit is a change of a key's labels and, for a restricted key, its permissions; nil leaves a
// value as it is.
type KeyEdit struct {
	Name, Note  *string
	Permissions map[string]string // replaces the whole set (a resource left out is none)
}

// EditKey applies e to k in one conditional UpdateItem: the key must still exist, and a change of
// permissions holds only on a restricted key that is not revoked (the handler checks too; the
// condition keeps a revoke racing the edit from being undone by it).
func (s *Accounts) EditKey(ctx context.Context, k domain.Key, e KeyEdit) (domain.Key, error) {
	set := ""
	names, vals := map[string]string{}, map[string]types.AttributeValue{}
	add := func(attr string, v types.AttributeValue) {
		if set != "" {
			set += ", "
		}
		set += "#" + attr + " = :" + attr
		names["#"+attr] = attr
		vals[":"+attr] = v
	}
	if e.Name != nil {
		add("name", core.SV(*e.Name))
	}
	if e.Note != nil {
		add("note", core.SV(*e.Note))
	}
	cond := "attribute_exists(PK)"
	if e.Permissions != nil {
		m := map[string]types.AttributeValue{}
		for r, lvl := range e.Permissions {
			m[r] = core.SV(lvl)
		}
		add("permissions", &types.AttributeValueMemberM{Value: m})
		cond += " AND #type = :restricted AND #status <> :revoked"
		names["#type"], names["#status"] = "type", "status"
		vals[":restricted"], vals[":revoked"] = core.SV("restricted"), core.SV(domain.KeyRevoked)
	}
	if set == "" {
		return k, nil
	}
	out, err := s.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: &s.Table,
		Key:              map[string]types.AttributeValue{"PK": core.SV(keyPK(k.Hash)), "SK": core.SV("KEY")},
		UpdateExpression: aws.String("SET " + set), ConditionExpression: aws.String(cond),
		ExpressionAttributeNames: names, ExpressionAttributeValues: vals, ReturnValues: types.ReturnValueAllNew})
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return domain.Key{}, apperr.Field("id", "this key is revoked or no longer exists; its permissions cannot change")
	}
	if err != nil {
		return domain.Key{}, fmt.Errorf("store: edit key %s: %w", k.ID, core.Contended(err))
	}
	return keyFrom(out.Attributes), nil
}
