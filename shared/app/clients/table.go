package clients

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

type ddbOpts = func(*dynamodb.Options)

// Table is the part of the DynamoDB client the store calls (core.DB), as func values rather
// than the client itself. Why: a binary that links text/template (the console's pages) makes
// the linker keep every exported method of every type that reaches an interface, since
// templates call methods by name through reflection. A *dynamodb.Client in an interface then drags in all of DynamoDB's
// ~60 operations with their serializers. A struct of func values carries no method set, so
// only the operations bound here are linked. Other binaries keep the client itself: there an
// interface keeps only the methods called through it, fewer than Table binds.
type Table struct {
	getItem            func(context.Context, *dynamodb.GetItemInput, ...ddbOpts) (*dynamodb.GetItemOutput, error)
	putItem            func(context.Context, *dynamodb.PutItemInput, ...ddbOpts) (*dynamodb.PutItemOutput, error)
	updateItem         func(context.Context, *dynamodb.UpdateItemInput, ...ddbOpts) (*dynamodb.UpdateItemOutput, error)
	deleteItem         func(context.Context, *dynamodb.DeleteItemInput, ...ddbOpts) (*dynamodb.DeleteItemOutput, error)
	query              func(context.Context, *dynamodb.QueryInput, ...ddbOpts) (*dynamodb.QueryOutput, error)
	scan               func(context.Context, *dynamodb.ScanInput, ...ddbOpts) (*dynamodb.ScanOutput, error)
	batchWriteItem     func(context.Context, *dynamodb.BatchWriteItemInput, ...ddbOpts) (*dynamodb.BatchWriteItemOutput, error)
	batchGetItem       func(context.Context, *dynamodb.BatchGetItemInput, ...ddbOpts) (*dynamodb.BatchGetItemOutput, error)
	transactWriteItems func(context.Context, *dynamodb.TransactWriteItemsInput, ...ddbOpts) (*dynamodb.TransactWriteItemsOutput, error)
}

// NewTable wraps c. The method values are bound here, so c's type never reaches an interface.
func NewTable(c *dynamodb.Client) *Table {
	return &Table{getItem: c.GetItem, putItem: c.PutItem, updateItem: c.UpdateItem, deleteItem: c.DeleteItem,
		query: c.Query, scan: c.Scan, batchWriteItem: c.BatchWriteItem, batchGetItem: c.BatchGetItem,
		transactWriteItems: c.TransactWriteItems}
}

func (t *Table) GetItem(ctx context.Context, in *dynamodb.GetItemInput, o ...ddbOpts) (*dynamodb.GetItemOutput, error) {
	return t.getItem(ctx, in, o...)
}

func (t *Table) PutItem(ctx context.Context, in *dynamodb.PutItemInput, o ...ddbOpts) (*dynamodb.PutItemOutput, error) {
	return t.putItem(ctx, in, o...)
}

func (t *Table) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, o ...ddbOpts) (*dynamodb.UpdateItemOutput, error) {
	return t.updateItem(ctx, in, o...)
}

func (t *Table) DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, o ...ddbOpts) (*dynamodb.DeleteItemOutput, error) {
	return t.deleteItem(ctx, in, o...)
}

func (t *Table) Query(ctx context.Context, in *dynamodb.QueryInput, o ...ddbOpts) (*dynamodb.QueryOutput, error) {
	return t.query(ctx, in, o...)
}

func (t *Table) Scan(ctx context.Context, in *dynamodb.ScanInput, o ...ddbOpts) (*dynamodb.ScanOutput, error) {
	return t.scan(ctx, in, o...)
}

func (t *Table) BatchWriteItem(ctx context.Context, in *dynamodb.BatchWriteItemInput, o ...ddbOpts) (*dynamodb.BatchWriteItemOutput, error) {
	return t.batchWriteItem(ctx, in, o...)
}

func (t *Table) BatchGetItem(ctx context.Context, in *dynamodb.BatchGetItemInput, o ...ddbOpts) (*dynamodb.BatchGetItemOutput, error) {
	return t.batchGetItem(ctx, in, o...)
}

func (t *Table) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, o ...ddbOpts) (*dynamodb.TransactWriteItemsOutput, error) {
	return t.transactWriteItems(ctx, in, o...)
}
