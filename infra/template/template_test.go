package template

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const inline = `
Parameters:
  StageName: {Type: String, Default: v9}
Globals:
  Function:
    Timeout: 7
    Environment:
      Variables:
        HAPIHUB_TABLE: !Ref Table
        SHARED: g
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: !Ref StageName
      ApiKeySourceType: AUTHORIZER
      Cors:
        AllowOrigin: "'*'"
        AllowHeaders: "'Authorization'"
        MaxAge: "'60'"
      Auth:
        DefaultAuthorizer: Keys
        ApiKeyRequired: true
        Authorizers:
          Keys:
            FunctionArn: !GetAtt AuthFunction.Arn
            FunctionPayloadType: REQUEST
            Identity: {Headers: [Authorization, X-Org], ReauthorizeEvery: 60}
      GatewayResponses:
        THROTTLED:
          StatusCode: 429
          ResponseParameters: {Headers: {Retry-After: "'1'"}}
          ResponseTemplates: {application/json: '{"x":"$context.requestId"}'}
  Plan:
    Type: AWS::ApiGateway::UsagePlan
    Properties:
      Throttle: {RateLimit: 2.5, BurstLimit: 5}
      ApiStages:
        - ApiId: !Ref Api
          Stage: v9
          Throttle:
            "/things/{id}/GET": {RateLimit: 1, BurstLimit: 1}
  AuthFunction:
    Type: AWS::Serverless::Function
    Properties:
      Timeout: 3
  WebhookDispatchFunction:
    Type: AWS::Serverless::Function
    Properties:
      MemorySize: 512
      Environment: {Variables: {SHARED: own, QUEUE: !Sub "${Queue}-x"}}
      Events:
        Get:
          Type: Api
          Properties: {RestApiId: !Ref Api, Path: "/things/{id}", Method: get}
        Spec:
          Type: Api
          Properties: {RestApiId: {Ref: Api}, Path: /spec, Method: GET, Auth: {Authorizer: NONE, ApiKeyRequired: false}}
        Deliveries:
          Type: SQS
          Properties: {Queue: !GetAtt Queue.Arn, BatchSize: 5, FunctionResponseTypes: [ReportBatchItemFailures]}
        Sweep:
          Type: ScheduleV2
          Properties: {ScheduleExpression: rate(1 minute), Input: '{"a":1}'}
        Old:
          Type: Schedule
          Properties: {Schedule: "cron(0 * * * ? *)", Enabled: false}
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: 60
      RedrivePolicy: {deadLetterTargetArn: !GetAtt Dead.Arn, maxReceiveCount: 4}
  Dead:
    Type: AWS::SQS::Queue
  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions:
        - {AttributeName: PK, AttributeType: S}
        - {AttributeName: N1, AttributeType: N}
      KeySchema:
        - {AttributeName: PK, KeyType: HASH}
      GlobalSecondaryIndexes:
        - IndexName: ByN
          KeySchema: [{AttributeName: PK, KeyType: HASH}, {AttributeName: N1, KeyType: RANGE}]
          Projection: {ProjectionType: INCLUDE, NonKeyAttributes: [a, b]}
      TimeToLiveSpecification: {AttributeName: ttl, Enabled: true}
`

func TestParseInline(t *testing.T) {
	tp, err := Parse([]byte(inline))
	require.NoError(t, err)

	require.Len(t, tp.Functions, 2)
	auth, ok := tp.Function("auth")
	require.True(t, ok)
	assert.Equal(t, 3*time.Second, auth.Timeout)
	wd, ok := tp.Function("WebhookDispatchFunction")
	require.True(t, ok)
	assert.Equal(t, "webhook-dispatch", wd.Name)
	assert.Equal(t, 7*time.Second, wd.Timeout, "Globals.Function.Timeout is inherited")
	assert.Equal(t, 512, wd.MemorySize)

	refs := tp.Refs("eu-west-1", "123", Refs{"Table": "local-table", "Queue": "q-url"})
	env, err := wd.Environment(refs)
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"HAPIHUB_TABLE": "local-table", "SHARED": "own", "QUEUE": "q-url-x"}, env)
	authEnv, err := auth.Environment(refs)
	require.NoError(t, err)
	assert.Equal(t, "g", authEnv["SHARED"])

	require.Len(t, wd.Routes, 2)
	assert.Equal(t, Route{Function: "WebhookDispatchFunction", Event: "Get", Method: "GET", Path: "/things/{id}", RestAPI: "Api"}, wd.Routes[0])
	assert.Equal(t, "NONE", wd.Routes[1].Authorizer)
	require.NotNil(t, wd.Routes[1].APIKeyRequired)
	assert.False(t, *wd.Routes[1].APIKeyRequired)
	assert.Equal(t, []string{"/spec", "/things/{id}"}, []string{tp.Routes()[0].Path, tp.Routes()[1].Path}, "Routes sorts by path")

	require.Len(t, wd.Queues, 1)
	q := wd.Queues[0]
	assert.Equal(t, Value{Kind: GetAtt, Str: "Queue", Attr: "Arn", Line: q.Queue.Line}, q.Queue)
	assert.Equal(t, 5, q.BatchSize)
	assert.True(t, q.ReportBatchItemFailures)
	assert.True(t, q.Enabled)
	require.Len(t, wd.Schedules, 2)
	assert.Equal(t, Schedule{Event: "Sweep", Type: "ScheduleV2", Expression: "rate(1 minute)", Input: `{"a":1}`, Enabled: true}, wd.Schedules[0])
	assert.Equal(t, Schedule{Event: "Old", Type: "Schedule", Expression: "cron(0 * * * ? *)", Enabled: false}, wd.Schedules[1])

	a := tp.API
	require.NotNil(t, a)
	stage, err := a.StageName.Resolve(refs)
	require.NoError(t, err)
	assert.Equal(t, "v9", stage)
	assert.Equal(t, "Keys", a.DefaultAuthorizer)
	assert.True(t, a.APIKeyRequired)
	assert.Equal(t, "AUTHORIZER", a.APIKeySource)
	assert.Equal(t, &Authorizer{Name: "Keys", Function: "AuthFunction", FunctionName: "auth", PayloadType: "REQUEST",
		IdentityHeaders: []string{"Authorization", "X-Org"}, TTL: time.Minute}, a.Authorizers["Keys"])
	assert.Equal(t, &Cors{AllowOrigin: "*", AllowHeaders: "Authorization", MaxAge: "60"}, a.Cors)
	assert.Equal(t, GatewayResponse{StatusCode: 429, Headers: map[string]string{"Retry-After": "1"},
		Templates: map[string]string{"application/json": `{"x":"$context.requestId"}`}}, a.GatewayResponses["THROTTLED"])

	plan, ok := tp.UsagePlan("Plan")
	require.True(t, ok)
	assert.Equal(t, Throttle{RateLimit: 2.5, BurstLimit: 5}, plan.Throttle)
	assert.Equal(t, map[string]Throttle{"/things/{id}/GET": {RateLimit: 1, BurstLimit: 1}}, plan.MethodThrottles)

	require.Len(t, tp.Queues, 2)
	assert.Equal(t, &Queue{LogicalID: "Dead", VisibilityTimeout: 30, MessageRetentionPeriod: 345600}, tp.Queues[0])
	assert.Equal(t, &Queue{LogicalID: "Queue", VisibilityTimeout: 60, MessageRetentionPeriod: 345600, DeadLetterQueue: "Dead", MaxReceiveCount: 4}, tp.Queues[1])

	in := tp.Table.CreateTableInput("t1")
	assert.Equal(t, "t1", aws.ToString(in.TableName))
	assert.Equal(t, types.BillingModePayPerRequest, in.BillingMode)
	require.Len(t, in.GlobalSecondaryIndexes, 1)
	assert.Equal(t, "ByN", aws.ToString(in.GlobalSecondaryIndexes[0].IndexName))
	assert.Equal(t, []string{"a", "b"}, in.GlobalSecondaryIndexes[0].Projection.NonKeyAttributes)
	assert.Equal(t, types.ScalarAttributeTypeN, in.AttributeDefinitions[1].AttributeType)
	assert.Equal(t, "ttl", aws.ToString(tp.Table.UpdateTimeToLiveInput("t1").TimeToLiveSpecification.AttributeName))
	in.KeySchema[0].AttributeName = aws.String("changed")
	assert.Equal(t, "PK", aws.ToString(tp.Table.CreateTableInput("t1").KeySchema[0].AttributeName), "each input is a copy")
}

func TestParseErrors(t *testing.T) {
	// Each case replaces one line of the inline template; the error must say what and where.
	cases := []struct {
		name, old, new, want string
	}{
		{"not yaml", "Resources:", "Resources: [", "template: yaml"},
		{"unknown default authorizer", "DefaultAuthorizer: Keys", "DefaultAuthorizer: Nope", `DefaultAuthorizer "Nope" is not in Auth.Authorizers`},
		{"authorizer not a GetAtt", "FunctionArn: !GetAtt AuthFunction.Arn", "FunctionArn: arn:aws:lambda:x", "expected !GetAtt <Name>Function.Arn"},
		{"authorizer function missing", "FunctionArn: !GetAtt AuthFunction.Arn", "FunctionArn: !GetAtt GoneFunction.Arn", "no function GoneFunction"},
		{"path without slash", `Path: "/things/{id}"`, `Path: "things/{id}"`, "must start with /"},
		{"greedy not last", `Path: "/things/{id}"`, `Path: "/things/{p+}/x"`, "greedy parameter must be the last"},
		{"half parameter", `Path: "/things/{id}"`, `Path: "/things/{id"`, "not a whole {parameter}"},
		{"bad method", "Method: get}", "Method: fetch}", `unknown method "fetch"`},
		{"duplicate route", "Path: /spec, Method: GET", `Path: "/things/{id}", Method: GET`, "route GET /things/{id} is also"},
		{"route on another api", "RestApiId: {Ref: Api}", "RestApiId: {Ref: Other}", "RestApiId must be !Ref of the template's"},
		{"bad rate", "RateLimit: 2.5", "RateLimit: fast", `expected a number, found "fast"`},
		{"missing burst", "Throttle: {RateLimit: 2.5, BurstLimit: 5}", "Throttle: {RateLimit: 2.5}", "RateLimit and BurstLimit are both required"},
		{"bad method throttle key", `"/things/{id}/GET"`, `"things/GET"`, `expected "/resource/path/METHOD"`},
		{"unquoted gateway header", `Retry-After: "'1'"`, `Retry-After: "1"`, "must be a quoted static value"},
		{"bad ttl", "ReauthorizeEvery: 60", "ReauthorizeEvery: 7200", "must be 0 to 3600 seconds"},
		{"key not declared", "- {AttributeName: PK, KeyType: HASH}", "- {AttributeName: SK, KeyType: HASH}", `"SK" is not in AttributeDefinitions`},
		{"range first", "KeySchema: [{AttributeName: PK, KeyType: HASH}", "KeySchema: [{AttributeName: PK, KeyType: RANGE}", `expected HASH, found "RANGE"`},
		{"include without attributes", "NonKeyAttributes: [a, b]", "NonKeyAttributes: []", "given exactly when ProjectionType is INCLUDE"},
		{"provisioned without throughput", "BillingMode: PAY_PER_REQUEST", "BillingMode: PROVISIONED", "required with BillingMode PROVISIONED"},
		{"unknown event type", "Type: ScheduleV2", "Type: Kinesis", `event type "Kinesis" is not supported`},
		{"bad schedule", "ScheduleExpression: rate(1 minute)", "ScheduleExpression: every minute", "expected rate(...), cron(...) or at(...)"},
		{"queue not in template", "Queue: !GetAtt Queue.Arn", "Queue: !GetAtt Nowhere.Arn", "is not an AWS::SQS::Queue of the template"},
		{"dlq not in template", "deadLetterTargetArn: !GetAtt Dead.Arn", "deadLetterTargetArn: !GetAtt Gone.Arn", "dead-letter queue Gone"},
		{"bad batch size", "BatchSize: 5", "BatchSize: 0", "must be 1 to 10000"},
		{"unsupported intrinsic", "HAPIHUB_TABLE: !Ref Table", "HAPIHUB_TABLE: !ImportValue X", "!ImportValue is not supported"},
		{"function id without suffix", "  AuthFunction:\n    Type: AWS::Serverless::Function\n    Properties:\n      Timeout: 3", "  Auth:\n    Type: AWS::Serverless::Function", "logical id must be <Name>Function"},
		{"resource without type", "  Dead:\n    Type: AWS::SQS::Queue", "  Dead:\n    Properties: {}", "Resources.Dead.Type: line"},
		{"timeout too long", "Timeout: 3\n", "Timeout: 901\n", "must be 1 to 900 seconds"},
		{"two tables", "TimeToLiveSpecification: {AttributeName: ttl, Enabled: true}\n", "TimeToLiveSpecification: {AttributeName: ttl, Enabled: true}\n  T2:\n    Type: AWS::DynamoDB::Table\n    Properties: {BillingMode: PAY_PER_REQUEST, AttributeDefinitions: [{AttributeName: K, AttributeType: S}], KeySchema: [{AttributeName: K, KeyType: HASH}]}\n", "a second AWS::DynamoDB::Table"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			require.Contains(t, inline, c.old, "the case must change the template")
			_, err := Parse([]byte(strings.Replace(inline, c.old, c.new, 1)))
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.want)
		})
	}
	_, err := Parse(nil)
	assert.ErrorContains(t, err, "empty document")
	_, err = Parse([]byte("Resources: {}"))
	assert.ErrorContains(t, err, "no Resources")
	_, err = Load(filepath.Join(t.TempDir(), "missing.yaml"))
	assert.ErrorContains(t, err, "missing.yaml")
}

func TestValueResolve(t *testing.T) {
	refs := Refs{"A": "a", "B.Arn": "arn:b", "AWS::Region": "r"}
	cases := []struct {
		v       Value
		want    string
		wantErr string
	}{
		{Value{Kind: Literal, Str: "x"}, "x", ""},
		{Value{Kind: Ref, Str: "A"}, "a", ""},
		{Value{Kind: Ref, Str: "Z", Line: 4}, "", "line 4: !Ref Z"},
		{Value{Kind: GetAtt, Str: "B", Attr: "Arn"}, "arn:b", ""},
		{Value{Kind: GetAtt, Str: "B", Attr: "Url"}, "", "!GetAtt B.Url"},
		{Value{Kind: Sub, Str: "${A}-${B.Arn}-${AWS::Region}-${!Lit}"}, "a-arn:b-r-${Lit}", ""},
		{Value{Kind: Sub, Str: "${Nope}"}, "", "!Sub ${Nope}"},
	}
	for _, c := range cases {
		t.Run(c.v.String(), func(t *testing.T) {
			got, err := c.v.Resolve(refs)
			if c.wantErr != "" {
				assert.ErrorContains(t, err, c.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, c.want, got)
		})
	}
}

func TestFunctionName(t *testing.T) {
	cases := map[string]string{"PatientsFunction": "patients", "WebhookDispatchFunction": "webhook-dispatch",
		"SQSPollerFunction": "sqs-poller", "OAuth2Function": "o-auth2"}
	for id, want := range cases {
		got, err := FunctionName(id)
		require.NoError(t, err, id)
		assert.Equal(t, want, got, id)
	}
	for _, bad := range []string{"Function", "Patients", "PatientsFn"} {
		_, err := FunctionName(bad)
		assert.Error(t, err, bad)
	}
}

// TestRealTemplate checks template.yaml against what the runner and the repository need.
func TestRealTemplate(t *testing.T) {
	tp, err := Load("../../template.yaml")
	require.NoError(t, err)
	require.NotNil(t, tp.API)
	require.NotNil(t, tp.Table)
	require.NotEmpty(t, tp.Routes())

	for _, f := range tp.Functions {
		st, err := os.Stat(filepath.Join("../../functions", f.Name))
		require.NoError(t, err, "function %s has no directory functions/%s", f.LogicalID, f.Name)
		assert.True(t, st.IsDir())
		_, err = f.Environment(tp.Refs("us-east-1", "000000000000", Refs{"Table": "t"}))
		assert.NoError(t, err, "the runner must be able to resolve %s's environment", f.LogicalID)
	}
	for _, mode := range []string{"test", "live"} {
		_, ok := tp.UsagePlan(strings.ToUpper(mode[:1]) + mode[1:] + "UsagePlan")
		assert.True(t, ok, "a usage plan for %s mode", mode)
	}
	in := tp.Table.CreateTableInput("t")
	assert.NotEmpty(t, in.KeySchema)
}
