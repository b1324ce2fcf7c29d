package iam_test

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/infra/dynamo"
	"github.com/hapihub/hapihub/infra/dynamo/dynamotest"
	"github.com/hapihub/hapihub/infra/iam"
	"github.com/hapihub/hapihub/infra/localtest"
	"github.com/hapihub/hapihub/infra/template"
	"github.com/hapihub/hapihub/shared/app/backend"
	"github.com/hapihub/hapihub/shared/domain"
	"github.com/hapihub/hapihub/shared/schema"
	"github.com/hapihub/hapihub/shared/sdkhttp"
)

func projectTemplate(t *testing.T) string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "template.yaml")
}

func refs(tpl *template.Template) template.Refs {
	return tpl.Refs("us-east-1", "000000000000", template.Refs{tpl.Table.LogicalID: "hapihub"})
}

// SAM's expansion of the stock template: DynamoDBCrudPolicy grants its ten actions on the table
// and its indexes, DynamoDBReadPolicy reads only, SQSSendMessagePolicy SendMessage* on its queue.
func TestStockTemplatePoliciesAsSAMExpandsThem(t *testing.T) {
	tpl, err := template.Load(projectTemplate(t))
	require.NoError(t, err)
	p, err := iam.New(tpl, refs(tpl))
	require.NoError(t, err)
	table := "arn:aws:dynamodb:us-east-1:000000000000:table/hapihub"
	patients, _ := tpl.Function("patients")
	reader, _ := tpl.Function("authorizer") // DynamoDBReadPolicy only
	for _, c := range []struct {
		fn       *template.Function
		action   string
		resource string
		allowed  bool
	}{
		{patients, "dynamodb:PutItem", table, true},
		{patients, "dynamodb:ConditionCheckItem", table, true},
		{patients, "dynamodb:Query", table + "/index/GSI1", true},
		{patients, "dynamodb:DeleteTable", table, false},
		{patients, "dynamodb:PutItem", "arn:aws:dynamodb:us-east-1:000000000000:table/other", false},
		{patients, "sqs:SendMessage", "arn:aws:sqs:us-east-1:000000000000:" + refs(tpl)["WebhookQueue.QueueName"], true},
		{patients, "sqs:SendMessageBatch", "arn:aws:sqs:us-east-1:000000000000:" + refs(tpl)["WebhookQueue.QueueName"], true},
		{patients, "sqs:ReceiveMessage", "arn:aws:sqs:us-east-1:000000000000:" + refs(tpl)["WebhookQueue.QueueName"], false},
		{reader, "dynamodb:GetItem", table, true},
		{reader, "dynamodb:Query", table + "/index/GSI3", true},
		{reader, "dynamodb:PutItem", table, false},
		{reader, "dynamodb:UpdateItem", table, false},
	} {
		principal, ok := p.Authorize(iam.AccessKeyID(c.fn), c.action, c.resource)
		assert.Equal(t, c.allowed, ok, "%s %s on %s", c.fn.LogicalID, c.action, c.resource)
		assert.Contains(t, principal, c.fn.LogicalID)
	}
	// A caller that is no function (the runner, the aws CLI) is not judged.
	_, ok := p.Authorize("local", "dynamodb:DeleteTable", table)
	assert.True(t, ok)
}

// IAM's evaluation: an explicit Deny wins over any Allow; wildcards match any run of characters,
// slashes included; actions are case-insensitive, resources are not.
func TestInlineStatementsAndDenyWins(t *testing.T) {
	tpl, err := template.Parse([]byte(`
Transform: AWS::Serverless-2016-10-31
Resources:
  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{AttributeName: PK, AttributeType: S}]
      KeySchema: [{AttributeName: PK, KeyType: HASH}]
  OneFunction:
    Type: AWS::Serverless::Function
    Properties:
      Policies:
        - AWSLambdaBasicExecutionRole
        - Statement:
            - Effect: Allow
              Action: ["DynamoDB:Get*", "dynamodb:Query"]
              Resource: [!GetAtt Table.Arn, !Sub "${Table.Arn}/index/*"]
            - Effect: Deny
              Action: dynamodb:GetItem
              Resource: !GetAtt Table.Arn
`))
	require.NoError(t, err)
	p, err := iam.New(tpl, refs(tpl))
	require.NoError(t, err)
	fn, _ := tpl.Function("one")
	key := iam.AccessKeyID(fn)
	table := "arn:aws:dynamodb:us-east-1:000000000000:table/hapihub"
	for _, c := range []struct {
		action, resource string
		allowed          bool
	}{
		{"dynamodb:GetItem", table, false}, // denied explicitly despite Get*
		{"dynamodb:GetRecords", table, true},
		{"dynamodb:Query", table + "/index/GSI2", true},
		{"dynamodb:Query", "arn:aws:dynamodb:us-east-1:000000000000:table/other/index/GSI2", false},
		{"dynamodb:PutItem", table, false},
		{"dynamodb:GetRecords", strings.ToUpper(table), false},
	} {
		_, ok := p.Authorize(key, c.action, c.resource)
		assert.Equal(t, c.allowed, ok, "%s on %s", c.action, c.resource)
	}
}

func TestUnknownPolicyTemplateFailsAtStart(t *testing.T) {
	tpl, err := template.Parse([]byte(`
Transform: AWS::Serverless-2016-10-31
Resources:
  OneFunction:
    Type: AWS::Serverless::Function
    Properties:
      Policies:
        - DynamoDBEverythingPolicy: {TableName: x}
`))
	require.NoError(t, err)
	_, err = iam.New(tpl, template.Refs{})
	require.ErrorContains(t, err, "DynamoDBEverythingPolicy")
}

// The engine answers a call a function's policies do not allow with AccessDeniedException, as
// DynamoDB does ("User: <principal> is not authorized to perform: <action> on resource: <arn>"),
// per action of a transaction and on the index's ARN for a Query of an index
// (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/specifying-conditions.html).
func TestEngineAnswersAccessDenied(t *testing.T) {
	tpl, err := template.Load(projectTemplate(t))
	require.NoError(t, err)
	p, err := iam.New(tpl, refs(tpl))
	require.NoError(t, err)
	e, endpoint := dynamotest.Start(t, t.TempDir(), dynamo.Options{NoSync: true, TTLInterval: -1})
	admin := dynamotest.Client(endpoint)
	ctx := context.Background()
	_, err = admin.CreateTable(ctx, tpl.Table.CreateTableInput("hapihub"))
	require.NoError(t, err)
	e.SetAuthorizer(p)
	authorizer, _ := tpl.Function("authorizer") // DynamoDBReadPolicy only
	reader := dynamodb.New(dynamodb.Options{Region: "us-east-1", BaseEndpoint: aws.String(endpoint), RetryMaxAttempts: 1, HTTPClient: sdkhttp.New(),
		Credentials: credentials.NewStaticCredentialsProvider(iam.AccessKeyID(authorizer), "x", "")})

	_, err = reader.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("hapihub"), Key: map[string]types.AttributeValue{"PK": &types.AttributeValueMemberS{Value: "a"}, "SK": &types.AttributeValueMemberS{Value: "b"}}})
	require.NoError(t, err)
	_, err = reader.Query(ctx, &dynamodb.QueryInput{TableName: aws.String("hapihub"), IndexName: aws.String("GSI1"),
		KeyConditionExpression: aws.String("GSI1PK = :p"), ExpressionAttributeValues: map[string]types.AttributeValue{":p": &types.AttributeValueMemberS{Value: "x"}}})
	require.NoError(t, err)

	_, err = reader.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("hapihub"), Item: map[string]types.AttributeValue{"PK": &types.AttributeValueMemberS{Value: "a"}, "SK": &types.AttributeValueMemberS{Value: "b"}}})
	requireDenied(t, err, "dynamodb:PutItem", "table/hapihub")
	_, err = reader.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{ConditionCheck: &types.ConditionCheck{TableName: aws.String("hapihub"), ConditionExpression: aws.String("attribute_not_exists(PK)"),
			Key: map[string]types.AttributeValue{"PK": &types.AttributeValueMemberS{Value: "a"}, "SK": &types.AttributeValueMemberS{Value: "c"}}}},
	}})
	requireDenied(t, err, "dynamodb:ConditionCheckItem", "table/hapihub")
	_, err = reader.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String("hapihub")})
	requireDenied(t, err, "dynamodb:DeleteTable", "table/hapihub")
	// The admin (not a function) is not judged, and nothing denied was written.
	out, err := admin.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String("hapihub")})
	require.NoError(t, err)
	require.Zero(t, out.Count)
}

func requireDenied(t *testing.T, err error, action, resource string) {
	t.Helper()
	var ae smithy.APIError
	require.ErrorAs(t, err, &ae)
	require.Equal(t, "AccessDeniedException", ae.ErrorCode())
	require.Contains(t, ae.ErrorMessage(), "AuthorizerFunction")
	require.Contains(t, ae.ErrorMessage(), "is not authorized to perform: "+action+" on resource: arn:aws:dynamodb:us-east-1:000000000000:"+resource)
}

// Issue 18's acceptance: a copy of template.yaml without PatientsFunction's DynamoDBCrudPolicy
// runs, and that function's writes fail with AccessDenied (the client sees a 500 that leaks
// nothing), while the other functions, their policies intact, work.
func TestFunctionWithoutCrudPolicyIsDeniedLocally(t *testing.T) {
	raw, err := os.ReadFile(projectTemplate(t))
	require.NoError(t, err)
	src := string(raw)
	start := strings.Index(src, "  PatientsFunction:")
	require.Positive(t, start)
	crud := "        - DynamoDBCrudPolicy:\n            TableName: !Ref Table\n"
	at := strings.Index(src[start:], crud)
	require.Positive(t, at, "PatientsFunction lists DynamoDBCrudPolicy")
	src = src[:start+at] + src[start+at+len(crud):]
	path := filepath.Join(t.TempDir(), "template.yaml")
	require.NoError(t, os.WriteFile(path, []byte(src), 0o600))

	env := localtest.New(t, localtest.Options{Template: path})
	r := env.Do(t, "POST", "/patients", env.TestKey, map[string]any{"firstName": "Ada", "lastName": "Lovelace"})
	require.Equal(t, http.StatusInternalServerError, r.Status, "%s", r.Body)
	require.NotContains(t, string(r.Body), "AccessDenied", "a 500 leaks nothing")
	ok := env.Do(t, "POST", "/practitioners", env.TestKey, map[string]any{"firstName": "Mary", "lastName": "Seacole"})
	require.Equal(t, http.StatusCreated, ok.Status, "%s", ok.Body)

	// The function's own store, with its identity, gets DynamoDB's answer.
	fn, _ := env.Stack.Template.Function("patients")
	cfg := env.Stack.Config
	cfg.AccessKeyID = iam.AccessKeyID(fn)
	st, err := backend.Store(context.Background(), cfg)
	require.NoError(t, err)
	_, err = st.CreateObject(context.Background(), domain.Tenant{Account: "acct_x", Mode: domain.Test, Org: "org_x"}, schema.Patients, domain.Doc{"firstName": "A", "lastName": "B"}, domain.Meta{})
	var ae smithy.APIError
	require.ErrorAs(t, err, &ae)
	require.Equal(t, "AccessDeniedException", ae.ErrorCode())
	require.Contains(t, ae.ErrorMessage(), "PatientsFunction")
}

// With the stock template every function works: each GET route without a path parameter is
// called once with the test key, and a patient is created (a write, its request log and its
// outbox message on the queue), and the services refused no call of any function.
func TestEveryFunctionWorksWithStockTemplate(t *testing.T) {
	env := localtest.New(t)
	called := map[string]bool{}
	for _, rt := range env.Stack.Template.Routes() {
		if (rt.Method != "GET" && rt.Method != "ANY") || strings.Contains(rt.Path, "{") {
			continue
		}
		resp := env.Do(t, "GET", rt.Path, env.TestKey, nil)
		require.Less(t, resp.Status, 500, "GET %s: %s", rt.Path, resp.Body)
		called[rt.Function] = true
	}
	created := env.Do(t, "POST", "/patients", env.TestKey, map[string]any{"firstName": "Ada", "lastName": "Lovelace", "email": "ada@example.com"})
	require.Equal(t, http.StatusCreated, created.Status, "%s", created.Body)
	require.GreaterOrEqual(t, len(called), 10, "functions reached: %v", called)
	require.Empty(t, env.Stack.Policies.Denied(), "calls refused by a function's policies")
}
