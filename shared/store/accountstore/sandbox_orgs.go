package accountstore

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hapihub/hapihub/shared/domain"
	"github.com/hapihub/hapihub/shared/store/core"
)

// PutOrganization writes an organization document as given (the sandbox's test organizations,
// whose documents are constants: writing one again changes nothing).
func (s *Accounts) PutOrganization(ctx context.Context, o domain.Doc) error {
	item, err := core.MarshalItem(o, map[string]types.AttributeValue{"PK": core.SV(orgPK(str(o["id"]))), "SK": core.SV("ORG")})
	if err != nil {
		return err
	}
	if _, err := s.DB.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.Table, Item: item}); err != nil {
		return fmt.Errorf("store: put organization %s: %w", str(o["id"]), core.Contended(err))
	}
	return nil
}
