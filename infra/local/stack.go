package local

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hapihub/hapihub/infra/template"
	"github.com/hapihub/hapihub/shared/app"
	"github.com/hapihub/hapihub/shared/config"
)

// TableName is the local table's name; !Ref Table resolves to it.
const TableName = "hapihub"

// StackOptions configure Start.
type StackOptions struct {
	Template *template.Template
	// DynamoDBEndpoint is a running DynamoDB-compatible service (the embedded engine).
	DynamoDBEndpoint string
	Region           string // default us-east-1
	Log              *slog.Logger
	Now              func() time.Time
}

// Stack is the local platform: the table, the sandbox account, the functions and the gateway.
type Stack struct {
	Template  *template.Template
	Config    config.Config // the base configuration every function gets (before its template env)
	Refs      template.Refs
	Bootstrap app.BootstrapResult
	Functions *Functions
	Gateway   *Gateway
}

// Start creates the table from the template if missing, bootstraps the sandbox account and builds
// the gateway over the real functions (shared/app).
func Start(ctx context.Context, opts StackOptions) (*Stack, error) {
	if opts.Template == nil || opts.Template.Table == nil {
		return nil, errors.New("local: the template has no " + template.TypeTable)
	}
	if opts.Region == "" {
		opts.Region = "us-east-1"
	}
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	s := &Stack{Template: opts.Template}
	s.Config = config.Config{Table: TableName, Region: opts.Region, DynamoDBEndpoint: opts.DynamoDBEndpoint, Local: true}
	s.Refs = opts.Template.Refs(opts.Region, "000000000000", template.Refs{opts.Template.Table.LogicalID: TableName})
	if az := defaultAuthorizer(opts.Template); az != nil {
		s.Config.AuthCacheTTL = az.TTL
	}
	ac, err := app.AWS(ctx, s.Config)
	if err != nil {
		return nil, err
	}
	db := dynamodb.NewFromConfig(ac, func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(opts.DynamoDBEndpoint) })
	if err := EnsureTable(ctx, db, opts.Template.Table, TableName); err != nil {
		return nil, err
	}
	if s.Bootstrap, err = app.Bootstrap(ctx, s.Config); err != nil {
		return nil, fmt.Errorf("local: bootstrap the sandbox account: %w", err)
	}
	s.Functions = NewFunctions(AppBuilder(opts.Template, s.Config, s.Refs))
	s.Gateway, err = New(Options{Template: opts.Template, Functions: s.Functions, Refs: s.Refs, Region: opts.Region, Log: opts.Log, Now: opts.Now})
	if err != nil {
		return nil, err
	}
	return s, nil
}

func defaultAuthorizer(t *template.Template) *template.Authorizer {
	if t.API == nil {
		return nil
	}
	return t.API.Authorizers[t.API.DefaultAuthorizer]
}

// EnsureTable creates the template's table under name if it does not exist, with TTL on, and adds
// global secondary indexes the template has gained since the table was made.
func EnsureTable(ctx context.Context, db *dynamodb.Client, tbl *template.Table, name string) error {
	out, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)})
	var missing *types.ResourceNotFoundException
	switch {
	case errors.As(err, &missing):
		if _, err := db.CreateTable(ctx, tbl.CreateTableInput(name)); err != nil {
			return fmt.Errorf("local: create table %s: %w", name, err)
		}
		if err := waitActive(ctx, db, name); err != nil {
			return err
		}
		if in := tbl.UpdateTimeToLiveInput(name); in != nil {
			if _, err := db.UpdateTimeToLive(ctx, in); err != nil {
				return fmt.Errorf("local: turn on TTL of %s: %w", name, err)
			}
		}
		return nil
	case err != nil:
		return fmt.Errorf("local: describe table %s: %w", name, err)
	}
	have := map[string]bool{}
	for _, g := range out.Table.GlobalSecondaryIndexes {
		have[aws.ToString(g.IndexName)] = true
	}
	in := tbl.CreateTableInput(name)
	for _, g := range in.GlobalSecondaryIndexes {
		if have[aws.ToString(g.IndexName)] {
			continue
		}
		_, err := db.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String(name), AttributeDefinitions: in.AttributeDefinitions,
			GlobalSecondaryIndexUpdates: []types.GlobalSecondaryIndexUpdate{{Create: &types.CreateGlobalSecondaryIndexAction{
				IndexName: g.IndexName, KeySchema: g.KeySchema, Projection: g.Projection, ProvisionedThroughput: g.ProvisionedThroughput}}}})
		if err != nil {
			return fmt.Errorf("local: table %s lacks index %s from the template and adding it failed (delete the data dir to start afresh): %w", name, aws.ToString(g.IndexName), err)
		}
		if err := waitActive(ctx, db, name); err != nil {
			return err
		}
	}
	return nil
}

// waitActive polls briefly: the embedded engine makes tables active at once, the SDK's waiter
// would sleep 20 s first.
func waitActive(ctx context.Context, db *dynamodb.Client, name string) error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		out, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)})
		if err != nil {
			return fmt.Errorf("local: describe table %s: %w", name, err)
		}
		active := out.Table.TableStatus == types.TableStatusActive
		for _, g := range out.Table.GlobalSecondaryIndexes {
			active = active && (g.IndexStatus == "" || g.IndexStatus == types.IndexStatusActive)
		}
		if active {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("local: table %s not active after 30 s", name)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Invoke runs one function with an event, as `sam local invoke` does. With sandbox set, the event
// acts as the bootstrapped sandbox account: an authorizer request (type REQUEST or TOKEN) gets
// the sandbox test secret key as its Authorization; an API Gateway proxy event gets the
// requestContext.authorizer that the template's authorizer returns for that key. Other events
// (SQS, schedules) pass unchanged.
func (s *Stack) Invoke(ctx context.Context, function string, event []byte, sandbox bool) ([]byte, error) {
	fn, ok := s.Template.Function(function)
	if !ok {
		return nil, fmt.Errorf("local: no function %q in the template", function)
	}
	if sandbox {
		var err error
		if event, err = s.asSandbox(ctx, event); err != nil {
			return nil, err
		}
	}
	return invokeWithTimeout(ctx, s.Functions, fn.Name, fn.Timeout, event)
}

func (s *Stack) asSandbox(ctx context.Context, event []byte) ([]byte, error) {
	var ev map[string]json.RawMessage
	if err := json.Unmarshal(event, &ev); err != nil {
		return nil, fmt.Errorf("local: event is not a JSON object: %w", err)
	}
	var typ string
	_ = json.Unmarshal(ev["type"], &typ)
	bearer := "Bearer " + s.Bootstrap.TestSecretKey
	switch {
	case typ == "TOKEN":
		ev["authorizationToken"], _ = json.Marshal(bearer)
	case typ == "REQUEST":
		var req events.APIGatewayCustomAuthorizerRequestTypeRequest
		if err := json.Unmarshal(event, &req); err != nil {
			return nil, fmt.Errorf("local: authorizer event: %w", err)
		}
		setAuthorization(&req.Headers, &req.MultiValueHeaders, bearer)
		return json.Marshal(req)
	case ev["httpMethod"] != nil && ev["requestContext"] != nil:
		var req events.APIGatewayProxyRequest
		if err := json.Unmarshal(event, &req); err != nil {
			return nil, fmt.Errorf("local: proxy event: %w", err)
		}
		authz, err := s.sandboxAuthorizer(ctx, req)
		if err != nil {
			return nil, err
		}
		setAuthorization(&req.Headers, &req.MultiValueHeaders, bearer)
		req.RequestContext.Authorizer = authz
		return json.Marshal(req)
	default:
		return event, nil
	}
	return json.Marshal(ev)
}

func setAuthorization(h *map[string]string, mh *map[string][]string, v string) {
	if *h == nil {
		*h = map[string]string{}
	}
	for k := range *h {
		if strings.EqualFold(k, "Authorization") {
			delete(*h, k)
		}
	}
	(*h)["Authorization"] = v
	if *mh != nil {
		for k := range *mh {
			if strings.EqualFold(k, "Authorization") {
				delete(*mh, k)
			}
		}
		(*mh)["Authorization"] = []string{v}
	}
}

// sandboxAuthorizer asks the template's authorizer about the sandbox test secret key for req and
// returns the requestContext.authorizer API Gateway would pass on.
func (s *Stack) sandboxAuthorizer(ctx context.Context, req events.APIGatewayProxyRequest) (map[string]any, error) {
	az := defaultAuthorizer(s.Template)
	if az == nil {
		return req.RequestContext.Authorizer, nil
	}
	fn, _ := s.Template.Function(az.Function)
	rc := &requestCtx{requestID: req.RequestContext.RequestID, method: req.HTTPMethod, path: req.Path, resourcePath: req.Resource,
		sourceIP: req.RequestContext.Identity.SourceIP, headers: req.Headers, multiHeaders: req.MultiValueHeaders,
		query: req.QueryStringParameters, multiQuery: req.MultiValueQueryStringParameters, pathParams: req.PathParameters}
	rc.headers = map[string]string{}
	for k, v := range req.Headers {
		rc.headers[k] = v
	}
	rc.headers["Authorization"] = "Bearer " + s.Bootstrap.TestSecretKey
	in, err := json.Marshal(s.Gateway.authorizerRequest(rc, s.Gateway.methodArn(rc)))
	if err != nil {
		return nil, err
	}
	out, err := invokeWithTimeout(ctx, s.Functions, fn.Name, fn.Timeout, in)
	if err != nil {
		return nil, fmt.Errorf("local: authorizer rejected the sandbox key: %w", err)
	}
	res, err := parseAuthResult(out)
	if err != nil {
		return nil, fmt.Errorf("local: authorizer: %w", err)
	}
	return integrationContext(res), nil
}
