package storetest

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hapihub/hapihub/infra/dynamo/dynamotest"
	"github.com/hapihub/hapihub/shared/store"
)

// Table is the test table's name.
const Table = "hapihub"

// Engine returns a store on the embedded DynamoDB engine with the table's key schema (PK/SK and
// GSI1, TTL on ttl) created, the DB wrapped so tests can make transactions fail.
func Engine(t testing.TB) (*store.Store, *Failing) {
	t.Helper()
	client := dynamotest.New(t)
	ctx := context.Background()
	s := func(n string) types.AttributeDefinition {
		return types.AttributeDefinition{AttributeName: aws.String(n), AttributeType: types.ScalarAttributeTypeS}
	}
	key := func(h, r string) []types.KeySchemaElement {
		return []types.KeySchemaElement{{AttributeName: aws.String(h), KeyType: types.KeyTypeHash}, {AttributeName: aws.String(r), KeyType: types.KeyTypeRange}}
	}
	_, err := client.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:            aws.String(Table),
		BillingMode:          types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{s("PK"), s("SK"), s("GSI1PK"), s("GSI1SK")},
		KeySchema:            key("PK", "SK"),
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{{IndexName: aws.String("GSI1"), KeySchema: key("GSI1PK", "GSI1SK"),
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll}}},
	})
	if err != nil {
		t.Fatalf("storetest: create table: %v", err)
	}
	f := &Failing{DB: client}
	return store.New(f, Table), f
}

// Failing passes every call through, except that TransactWriteItems fails while Fail is set.
type Failing struct {
	store.DB
	Fail atomic.Bool
}

// TransactWriteItems implements store.DB.
func (f *Failing) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, opts ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	if f.Fail.Load() {
		return nil, &types.InternalServerError{Message: aws.String("injected failure")}
	}
	return f.DB.TransactWriteItems(ctx, in, opts...)
}
