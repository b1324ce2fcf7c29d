package conformance

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDescribeTable(t *testing.T) {
	table := createTable(t, tableSpec{hash: "pk:S", rng: "sk:N", gsis: []gsiSpec{
		{name: "byEmail", hash: "email:S", projection: types.ProjectionTypeKeysOnly},
		{name: "byStatus", hash: "status:S", rng: "at:N", projection: types.ProjectionTypeInclude, include: []string{"name"}},
	}})
	put(t, table, item{"pk": s("a"), "sk": n("1"), "email": s("a@x")})
	out, err := client.DescribeTable(context.Background(), &dynamodb.DescribeTableInput{TableName: aws.String(table)})
	require.NoError(t, err)
	d := out.Table
	assert.Equal(t, types.TableStatusActive, d.TableStatus)
	assert.Equal(t, table, aws.ToString(d.TableName))
	assert.Equal(t, []types.KeySchemaElement{
		{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash},
		{AttributeName: aws.String("sk"), KeyType: types.KeyTypeRange},
	}, d.KeySchema)
	require.NotNil(t, d.BillingModeSummary)
	assert.Equal(t, types.BillingModePayPerRequest, d.BillingModeSummary.BillingMode)
	require.Len(t, d.GlobalSecondaryIndexes, 2)
	byName := map[string]types.GlobalSecondaryIndexDescription{}
	for _, g := range d.GlobalSecondaryIndexes {
		byName[aws.ToString(g.IndexName)] = g
	}
	assert.Equal(t, types.ProjectionTypeKeysOnly, byName["byEmail"].Projection.ProjectionType)
	assert.Equal(t, []string{"name"}, byName["byStatus"].Projection.NonKeyAttributes)
	assert.Equal(t, types.IndexStatusActive, byName["byStatus"].IndexStatus)
	assert.NotEmpty(t, aws.ToString(d.TableArn))
}

func TestCreateTableErrors(t *testing.T) {
	existing := createTable(t, tableSpec{hash: "pk:S"})
	ks := []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}}
	defs := []types.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS}}
	cases := []struct {
		name string
		in   dynamodb.CreateTableInput
		code string
		msg  string
	}{
		{"exists", dynamodb.CreateTableInput{TableName: aws.String(existing), KeySchema: ks, AttributeDefinitions: defs, BillingMode: types.BillingModePayPerRequest}, "ResourceInUseException", ""},
		{"key not defined", dynamodb.CreateTableInput{TableName: aws.String(uniqueName("conf")), KeySchema: []types.KeySchemaElement{{AttributeName: aws.String("other"), KeyType: types.KeyTypeHash}}, AttributeDefinitions: defs, BillingMode: types.BillingModePayPerRequest}, "ValidationException", "AttributeDefinitions"},
		{"unused definition", dynamodb.CreateTableInput{TableName: aws.String(uniqueName("conf")), KeySchema: ks, AttributeDefinitions: append([]types.AttributeDefinition{{AttributeName: aws.String("x"), AttributeType: types.ScalarAttributeTypeS}}, defs...), BillingMode: types.BillingModePayPerRequest}, "ValidationException", "AttributeDefinitions"},
		{"throughput with on-demand", dynamodb.CreateTableInput{TableName: aws.String(uniqueName("conf")), KeySchema: ks, AttributeDefinitions: defs, BillingMode: types.BillingModePayPerRequest, ProvisionedThroughput: &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(1), WriteCapacityUnits: aws.Int64(1)}}, "ValidationException", "PAY_PER_REQUEST"},
		{"provisioned without throughput", dynamodb.CreateTableInput{TableName: aws.String(uniqueName("conf")), KeySchema: ks, AttributeDefinitions: defs, BillingMode: types.BillingModeProvisioned}, "ValidationException", "ReadCapacityUnits"},
		{"short name", dynamodb.CreateTableInput{TableName: aws.String("ab"), KeySchema: ks, AttributeDefinitions: defs, BillingMode: types.BillingModePayPerRequest}, "ValidationException", "at least 3 characters"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := client.CreateTable(context.Background(), &tc.in)
			requireAPIError(t, err, tc.code, tc.msg)
		})
	}
}

func TestProvisionedTable(t *testing.T) {
	name := uniqueName("conf")
	ctx := context.Background()
	_, err := client.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:             aws.String(name),
		KeySchema:             []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}},
		AttributeDefinitions:  []types.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeB}},
		ProvisionedThroughput: &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(3), WriteCapacityUnits: aws.Int64(2)},
	})
	require.NoError(t, err)
	t.Cleanup(func() { _, _ = client.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(name)}) })
	out, err := client.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)})
	require.NoError(t, err)
	assert.Equal(t, int64(3), aws.ToInt64(out.Table.ProvisionedThroughput.ReadCapacityUnits))
	assert.Equal(t, int64(2), aws.ToInt64(out.Table.ProvisionedThroughput.WriteCapacityUnits))
}

func TestListTablesPaginates(t *testing.T) {
	mine := map[string]bool{}
	for range 3 {
		mine[createTable(t, tableSpec{hash: "pk:S"})] = true
	}
	found := map[string]bool{}
	pages := 0
	p := dynamodb.NewListTablesPaginator(client, &dynamodb.ListTablesInput{Limit: aws.Int32(2)})
	for p.HasMorePages() {
		out, err := p.NextPage(context.Background())
		require.NoError(t, err)
		assert.LessOrEqual(t, len(out.TableNames), 2)
		for _, n := range out.TableNames {
			assert.False(t, found[n], "table %s listed twice", n)
			found[n] = true
		}
		pages++
	}
	for n := range mine {
		assert.True(t, found[n], "table %s not listed", n)
	}
	assert.GreaterOrEqual(t, pages, 2)
}

func TestDeleteTable(t *testing.T) {
	ctx := context.Background()
	table := createTable(t, tableSpec{hash: "pk:S"})
	put(t, table, item{"pk": s("x")})
	out, err := client.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(table)})
	require.NoError(t, err)
	assert.Equal(t, table, aws.ToString(out.TableDescription.TableName))
	require.NoError(t, dynamodb.NewTableNotExistsWaiter(client).Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)}, 5*60e9))
	_, err = client.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)})
	requireAPIError(t, err, "ResourceNotFoundException", "")
	_, err = client.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(table), Key: item{"pk": s("x")}})
	requireAPIError(t, err, "ResourceNotFoundException", "")
	_, err = client.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(table)})
	requireAPIError(t, err, "ResourceNotFoundException", "")
}

func TestTimeToLiveSettings(t *testing.T) {
	ctx := context.Background()
	table := createTable(t, tableSpec{hash: "pk:S"})
	d, err := client.DescribeTimeToLive(ctx, &dynamodb.DescribeTimeToLiveInput{TableName: aws.String(table)})
	require.NoError(t, err)
	assert.Equal(t, types.TimeToLiveStatusDisabled, d.TimeToLiveDescription.TimeToLiveStatus)
	out, err := client.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{TableName: aws.String(table), TimeToLiveSpecification: &types.TimeToLiveSpecification{AttributeName: aws.String("expiresAt"), Enabled: aws.Bool(true)}})
	require.NoError(t, err)
	assert.Equal(t, "expiresAt", aws.ToString(out.TimeToLiveSpecification.AttributeName))
	d, err = client.DescribeTimeToLive(ctx, &dynamodb.DescribeTimeToLiveInput{TableName: aws.String(table)})
	require.NoError(t, err)
	assert.Contains(t, []types.TimeToLiveStatus{types.TimeToLiveStatusEnabled, types.TimeToLiveStatusEnabling}, d.TimeToLiveDescription.TimeToLiveStatus)
	assert.Equal(t, "expiresAt", aws.ToString(d.TimeToLiveDescription.AttributeName))
	_, err = client.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{TableName: aws.String(table), TimeToLiveSpecification: &types.TimeToLiveSpecification{AttributeName: aws.String("expiresAt"), Enabled: aws.Bool(true)}})
	requireAPIError(t, err, "ValidationException", "TimeToLive is already enabled")
	// Until the sweeper runs, an expired item can still be read, as on AWS.
	put(t, table, item{"pk": s("old"), "expiresAt": n("1")})
	assert.NotNil(t, get(t, table, item{"pk": s("old")}))
}

// A table operation with an empty TableName breaks the request's model (TableName: minimum
// length 1), which DynamoDB checks before looking for the table: ValidationException, as the
// item operations answer, never ResourceNotFoundException
// (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_DescribeTable.html,
// https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/CommonErrors.html). Found with
// the JavaScript SDK (test/node/aws-dynamodb.test.mjs).
func TestTableOperationsWithAnEmptyTableName(t *testing.T) {
	ctx := context.Background()
	empty := aws.String("")
	calls := map[string]func() error{
		"DescribeTable": func() error {
			_, err := client.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: empty})
			return err
		},
		"DeleteTable": func() error {
			_, err := client.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: empty})
			return err
		},
		"UpdateTable": func() error {
			_, err := client.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: empty, BillingMode: types.BillingModePayPerRequest})
			return err
		},
		"DescribeTimeToLive": func() error {
			_, err := client.DescribeTimeToLive(ctx, &dynamodb.DescribeTimeToLiveInput{TableName: empty})
			return err
		},
		"UpdateTimeToLive": func() error {
			_, err := client.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{TableName: empty,
				TimeToLiveSpecification: &types.TimeToLiveSpecification{AttributeName: aws.String("ttl"), Enabled: aws.Bool(true)}})
			return err
		},
		"GetItem": func() error {
			_, err := client.GetItem(ctx, &dynamodb.GetItemInput{TableName: empty, Key: item{"pk": s("a")}})
			return err
		},
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			requireAPIError(t, call(), "ValidationException", "tableName")
		})
	}
}
