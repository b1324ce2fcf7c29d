package accountstore

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hapihub/hapihub/shared/store/core"
)

// SetAPIVersion pins an account to an API version (already checked to be known).
func (s *Accounts) SetAPIVersion(ctx context.Context, account, version string) error {
	_, err := s.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: &s.Table,
		Key:                       map[string]types.AttributeValue{"PK": core.SV(accountPK(account)), "SK": core.SV("ACCOUNT")},
		UpdateExpression:          aws.String("SET #v = :v"),
		ConditionExpression:       aws.String("attribute_exists(PK)"),
		ExpressionAttributeNames:  map[string]string{"#v": "apiVersion"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":v": core.SV(version)}})
	if err != nil {
		return fmt.Errorf("store: set api version of %s: %w", account, core.Contended(err))
	}
	return nil
}
