package core

import (
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hapihub/hapihub/shared/domain"
	"github.com/hapihub/hapihub/shared/schema"
)

// The typed values that join a change's transaction (shared/domain's Tx).
type (
	Tx          = domain.Tx
	IdemCommit  = domain.IdemCommit
	UniqueClaim = domain.UniqueClaim
)

// txItems are tx's table items, in Tx's order (ConditionError.Extra indexes them).
func (s *Store) txItems(t domain.Tenant, tx Tx, now time.Time) []types.TransactWriteItem {
	var items []types.TransactWriteItem
	if c := tx.Idempotency; c != nil {
		items = append(items, s.idempotencyCommit(*c, now))
	}
	if u := tx.Unique; u != nil {
		items = append(items, s.uniqueGuard(t, *u))
	}
	for _, r := range tx.Refs {
		items = append(items, s.refItems(t, r)...) // refs.go
	}
	if g := tx.InUse; g != nil {
		items = append(items, s.inUseGuard(t, *g))
	}
	return items
}

// idempotencyCommit is the item a change made under an idempotency key adds to its transaction
// (Tx.Idempotency). It holds only while the owner still holds the pending reservation, so no two
// requests with one key can both commit; and it marks the record with the committing request id
// and the write's time, in the same transaction as the change. The response is saved by a second
// write (CompleteIdempotencyKey) once the handler has built it; should the process die between
// the two, the mark tells a retry that the change happened, and CommittedChange finds it again to
// replay. One change per reservation: a second write under the same key fails.
func (s *Store) idempotencyCommit(c IdemCommit, now time.Time) types.TransactWriteItem {
	return types.TransactWriteItem{Update: &types.Update{TableName: &s.Table, Key: idemKey(c.Account, c.Mode, c.Key),
		UpdateExpression:         aws.String("SET #committed = :rid, #committedAt = :at"),
		ConditionExpression:      aws.String("#owner = :owner AND #st = :pending AND attribute_not_exists(#committed)"),
		ExpressionAttributeNames: map[string]string{"#owner": "owner", "#st": "state", "#committed": "committed", "#committedAt": "committedAt"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":owner": sv(c.Owner), ":pending": sv(domain.IdemPending),
			":rid": sv(c.RequestID), ":at": n(now.UnixMilli())}}}
}

// uniqueGuard is the item reserving an externalId (CreateUnique); a stale owner's guard is taken
// over conditionally on still naming it.
func (s *Store) uniqueGuard(t domain.Tenant, u UniqueClaim) types.TransactWriteItem {
	res, _ := schema.Lookup(u.Resource)
	g := types.Put{TableName: &s.Table, Item: guardItem(t, res, u.ExternalID, u.Owner, u.At), ConditionExpression: aws.String("attribute_not_exists(PK)")}
	if u.StaleOwner != "" {
		g.ConditionExpression = aws.String("attribute_not_exists(PK) OR #o = :o")
		g.ExpressionAttributeNames = map[string]string{"#o": "_owner"}
		g.ExpressionAttributeValues = map[string]types.AttributeValue{":o": sv(u.StaleOwner)}
	}
	return types.TransactWriteItem{Put: &g}
}

func idemKey(account, mode, key string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"PK": sv("A#" + account + "#" + mode + "#IDEM"), "SK": sv(key)}
}
