package search

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/hapihub/hapihub/shared/domain"
	"github.com/hapihub/hapihub/shared/schema"
	"github.com/hapihub/hapihub/shared/store/core"
)

// SetMaxCandidates lowers the find's read budget for the rest of the test.
func SetMaxCandidates(t testing.TB, n int) {
	old := maxCandidates
	maxCandidates = n
	t.Cleanup(func() { maxCandidates = old })
}

// DropSlotAttrs removes a slot's attributes from every object of res in t, and the index
// marker, as a data directory written before the slot existed looks.
func DropSlotAttrs(ctx context.Context, s *Index, t domain.Tenant, res *schema.Resource, index string) error {
	var slot IndexSlot
	for _, sl := range IndexSlots(res) {
		if sl.Index == index {
			slot = sl
		}
	}
	p := dynamodb.NewQueryPaginator(s.DB, &dynamodb.QueryInput{TableName: &s.Table, KeyConditionExpression: ptr("PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": core.SV(core.Partition(t, res.Name))}})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return err
		}
		for _, it := range page.Items {
			if _, err := s.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: &s.Table, Key: map[string]types.AttributeValue{"PK": it["PK"], "SK": it["SK"]},
				UpdateExpression: ptr("REMOVE " + slot.SK)}); err != nil {
				return err
			}
		}
	}
	_, err := s.DB.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: &s.Table, Key: map[string]types.AttributeValue{"PK": core.SV(indexMarkerPK), "SK": core.SV(indexSignature())}})
	return err
}

func ptr(s string) *string { return &s }

// AddLegacySlotPKs gives a resource's objects the GSI<n>PK attributes the slot indexes were
// keyed by before they used the table's PK (<partition>#<field>), and forgets the index marker:
// a data directory written by that version.
func AddLegacySlotPKs(ctx context.Context, s *Index, t domain.Tenant, res *schema.Resource) error {
	p := dynamodb.NewQueryPaginator(s.DB, &dynamodb.QueryInput{TableName: &s.Table, KeyConditionExpression: ptr("PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": core.SV(core.Partition(t, res.Name))}})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return err
		}
		for _, it := range page.Items {
			var set []string
			vals := map[string]types.AttributeValue{}
			for _, sl := range IndexSlots(res) {
				n := strings.TrimPrefix(sl.Index, "GSI")
				set = append(set, "GSI"+n+"PK = :p"+n)
				vals[":p"+n] = core.SV(core.Partition(t, res.Name) + "#" + sl.Field)
			}
			if _, err := s.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: &s.Table, Key: map[string]types.AttributeValue{"PK": it["PK"], "SK": it["SK"]},
				UpdateExpression: ptr("SET " + strings.Join(set, ", ")), ExpressionAttributeValues: vals}); err != nil {
				return err
			}
		}
	}
	_, err := s.DB.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: &s.Table, Key: map[string]types.AttributeValue{"PK": core.SV(indexMarkerPK), "SK": core.SV(indexSignature())}})
	return err
}
