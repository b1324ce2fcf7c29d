// Package runner assembles the local platform behind `hapihub run` and `hapihub invoke`: the
// table from the template in a running DynamoDB-compatible service, the sandbox account
// (shared/app/sandboxworker.Bootstrap), the real functions (the constructors of functions.go) and the gateway (infra/local).
// It is apart from infra/local so the gateway's own tests do not build the whole application.
package runner

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/hapihub/hapihub/infra/apigateway"
	"github.com/hapihub/hapihub/infra/iam"
	"github.com/hapihub/hapihub/infra/local"
	"github.com/hapihub/hapihub/infra/template"
	"github.com/hapihub/hapihub/shared/accounts"
	"github.com/hapihub/hapihub/shared/app"
	"github.com/hapihub/hapihub/shared/app/backend"
	"github.com/hapihub/hapihub/shared/app/consolefn"
	"github.com/hapihub/hapihub/shared/app/sandboxworker"
	"github.com/hapihub/hapihub/shared/config"
	"github.com/hapihub/hapihub/shared/domain"
	"github.com/hapihub/hapihub/shared/store"
)

// TableName is the local table's name; !Ref Table resolves to it.
const TableName = "hapihub"

// Options configure Start.
type Options struct {
	Template *template.Template
	// DynamoDBEndpoint is a running DynamoDB-compatible service (the embedded engine).
	DynamoDBEndpoint string
	// SQSEndpoint is a running SQS-compatible service (infra/sqs); the template's queues are
	// created there and !Ref of a queue resolves to its local URL. Empty: no queues, and
	// functions get no queue URL rather than one on AWS.
	SQSEndpoint string
	Region      string // default us-east-1
	Log         *slog.Logger
	Now         func() time.Time
	// DataDir keeps the embedded API Gateway's keys (empty: in memory); APIGatewayAddr is where
	// its management endpoint listens (default 127.0.0.1:0).
	DataDir        string
	APIGatewayAddr string
}

// Stack is the local platform.
type Stack struct {
	Template  *template.Template
	Config    config.Config // the base configuration every function gets (before its template env)
	Refs      template.Refs
	Bootstrap sandboxworker.BootstrapResult
	Functions *local.Functions
	Gateway   *local.Gateway
	// SignIn is the local account's one-time console sign-in link (signin.go): Start it once the
	// server's address is known.
	SignIn *SignIn
	// APIGateway is the embedded API Gateway management API (API keys, usage plans) at
	// APIGatewayEndpoint.
	APIGateway         *apigateway.Service
	APIGatewayEndpoint string
	// Policies are the functions' IAM identities and policies: give them to the embedded
	// services (dynamo.Engine.SetAuthorizer, sqs) so each call is judged as on AWS.
	Policies *iam.Policies

	queues *sqs.Client // the local queue service; nil without one
	log    *slog.Logger
	now    func() time.Time
}

// Start creates the table if missing, bootstraps the sandbox account and builds the gateway over
// the real functions.
func Start(ctx context.Context, opts Options) (*Stack, error) {
	if opts.Template == nil || opts.Template.Table == nil {
		return nil, errors.New("runner: the template has no " + template.TypeTable)
	}
	if opts.Region == "" {
		opts.Region = "us-east-1"
	}
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	opts.Template = raceScaled(opts.Template)
	s := &Stack{Template: opts.Template, log: opts.Log, now: opts.Now}
	s.Config = config.Config{Table: TableName, Region: opts.Region, DynamoDBEndpoint: opts.DynamoDBEndpoint, Local: true}
	s.Config.SQSEndpoint = opts.SQSEndpoint
	extra := template.Refs{opts.Template.Table.LogicalID: TableName}
	ac, err := app.AWS(ctx, s.Config)
	if err != nil {
		return nil, err
	}
	db := dynamodb.NewFromConfig(ac, func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(opts.DynamoDBEndpoint) })
	if err := local.EnsureTable(ctx, db, opts.Template.Table, TableName); err != nil {
		return nil, err
	}
	// A data directory from before rank lists gets them once (shared/store/rank.go).
	if err := store.New(db, TableName).EnsureRankLists(ctx); err != nil {
		return nil, err
	}
	for _, q := range opts.Template.Queues {
		// Without a local queue service, a queue reference must not fall back to AWS's URL.
		extra[q.LogicalID], extra[q.LogicalID+".Arn"], extra[q.LogicalID+".QueueName"] = "", "", ""
	}
	if opts.SQSEndpoint != "" {
		qc := sqs.NewFromConfig(ac, func(o *sqs.Options) { o.BaseEndpoint = aws.String(opts.SQSEndpoint) })
		s.queues = qc
		refs, err := local.EnsureQueues(ctx, qc, opts.Template)
		if err != nil {
			return nil, err
		}
		for k, v := range refs {
			extra[k] = v
		}
	}
	// The usage plans from the template, behind the embedded API Gateway: !Ref of a plan is its
	// local id, each mode's plan is the one accounts attach that mode's usage key to.
	stage := ""
	if opts.Template.API != nil {
		if stage, err = opts.Template.API.StageName.Resolve(opts.Template.Refs(opts.Region, "000000000000", extra)); err != nil {
			return nil, fmt.Errorf("runner: stage name: %w", err)
		}
	}
	if s.APIGateway, err = apigateway.Open(opts.DataDir, apigateway.PlansFromTemplate(opts.Template, "local", stage), apigateway.Options{Now: opts.Now}); err != nil {
		return nil, err
	}
	addr := opts.APIGatewayAddr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	if s.APIGatewayEndpoint, err = s.APIGateway.Listen(context.WithoutCancel(ctx), addr); err != nil {
		return nil, err
	}
	s.Config.APIGatewayEndpoint = s.APIGatewayEndpoint
	s.Config.UsagePlans = map[string]string{}
	for _, p := range opts.Template.UsagePlans {
		id := apigateway.PlanID(p.LogicalID)
		extra[p.LogicalID] = id
		if mode, ok := strings.CutSuffix(p.LogicalID, "UsagePlan"); ok && mode != "" {
			s.Config.UsagePlans[strings.ToLower(mode)] = id
		}
	}
	s.Refs = opts.Template.Refs(opts.Region, "000000000000", extra)
	if s.Policies, err = iam.New(opts.Template, s.Refs); err != nil {
		return nil, err
	}
	if err := s.bootstrap(ctx); err != nil {
		return nil, err
	}
	s.Gateway, err = local.New(local.Options{Template: opts.Template, Functions: s.Functions, Refs: s.Refs, Region: opts.Region, Log: opts.Log, Now: opts.Now,
		Keys: s.APIGateway, IntegrationTimeout: local.IntegrationTimeout * raceSlowdown})
	if err != nil {
		return nil, err
	}
	// A data directory from before usage keys were registered (no API Gateway state yet): register
	// every account's keys once (idempotent), so its requests are not refused.
	if !s.APIGateway.Loaded() {
		if err := registerExisting(ctx, db, s.Config); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// bootstrap makes the local account (sandboxworker.Bootstrap), its owner and sign-in link
// (signin.go), and the functions: the console with the link's page, every other one as deployed.
func (s *Stack) bootstrap(ctx context.Context) (err error) {
	if s.Bootstrap, err = sandboxworker.Bootstrap(ctx, s.Config); err != nil {
		return fmt.Errorf("runner: bootstrap the sandbox account: %w", err)
	}
	st, err := backend.Store(ctx, s.Config)
	if err != nil {
		return err
	}
	now := time.Now()
	if s.now != nil {
		now = s.now()
	}
	name, err := ensureLocalOwner(ctx, st, s.Bootstrap.AccountID, now)
	if err != nil {
		return err
	}
	s.SignIn = &SignIn{account: s.Bootstrap.AccountID, accountName: name}
	table := maps.Clone(Functions)
	table["console"] = webPages(handler(consolefn.NewFunctionWith(s.SignIn.routes()...)), consolefn.Paths)
	s.Functions = local.NewFunctions(appBuilder(s.Template, s.Config, s.Refs, table))
	return nil
}

// Close stops the embedded API Gateway's listener.
func (s *Stack) Close() error {
	if s.APIGateway == nil {
		return nil
	}
	return s.APIGateway.Close()
}

// registerExisting registers the usage keys of every account in the table (a local migration;
// a deployment gets them at sign-up).
func registerExisting(ctx context.Context, db *dynamodb.Client, cfg config.Config) error {
	reg, err := sandboxworker.UsageKeys(ctx, cfg)
	if err != nil || reg == nil {
		return err
	}
	p := dynamodb.NewScanPaginator(db, &dynamodb.ScanInput{TableName: aws.String(TableName),
		FilterExpression: aws.String("SK = :a"), ExpressionAttributeValues: map[string]types.AttributeValue{":a": &types.AttributeValueMemberS{Value: "ACCOUNT"}}})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("runner: scan accounts: %w", err)
		}
		for _, item := range page.Items {
			var a struct {
				ID        string            `dynamodbav:"id"`
				UsageKeys map[string]string `dynamodbav:"usageKeys"`
			}
			if err := attributevalue.UnmarshalMap(item, &a); err != nil {
				return fmt.Errorf("runner: account item: %w", err)
			}
			if err := accounts.RegisterAll(ctx, reg, domain.Account{ID: a.ID, UsageKeys: a.UsageKeys}); err != nil {
				return err
			}
		}
	}
	return nil
}

// StartEventSources starts the template's SQS event source mappings and schedules against the
// local queues (webhook delivery and its sweeper); stop them before closing the queue service.
// Without a queue service there is nothing to start.
func (s *Stack) StartEventSources(ctx context.Context) (*local.EventSources, error) {
	if s.queues == nil {
		return nil, errors.New("runner: no queue service (Options.SQSEndpoint) for the event sources")
	}
	return local.StartEventSources(ctx, s.Template, s.Functions, s.queues, s.Refs, s.now, func(err error) {
		s.log.Warn("event source", "err", err)
	})
}

// AppBuilder builds functions with the constructors of Functions (what each function's main
// calls), each with the configuration a Lambda would get: base (pointing at the embedded
// services) overlaid with the function's environment from the template, resolved with refs.
func AppBuilder(tpl *template.Template, base config.Config, refs template.Refs) local.Builder {
	return appBuilder(tpl, base, refs, Functions)
}

// appBuilder is AppBuilder with the constructors of table.
func appBuilder(tpl *template.Template, base config.Config, refs template.Refs, table map[string]Constructor) local.Builder {
	return func(ctx context.Context, name string) (any, error) {
		fn, ok := tpl.Function(name)
		if !ok {
			return nil, fmt.Errorf("runner: no function %q in the template", name)
		}
		fnBase := base
		fnBase.AccessKeyID = iam.AccessKeyID(fn) // its identity for the embedded services
		cfg, err := local.FunctionConfig(fn, fnBase, refs)
		if err != nil {
			return nil, err
		}
		build, ok := table[fn.Name]
		if !ok {
			return nil, fmt.Errorf("runner: no constructor for function %q", fn.Name)
		}
		h, err := build(ctx, cfg)
		if err != nil {
			return nil, fmt.Errorf("runner: build %s: %w", fn.Name, err)
		}
		return h, nil
	}
}

// Invoke runs one function with an event, as `sam local invoke` does. With sandbox set the event
// acts as the sandbox account's test secret key (local.Gateway.WithIdentity).
func (s *Stack) Invoke(ctx context.Context, function string, event []byte, sandbox bool) ([]byte, error) {
	fn, ok := s.Template.Function(function)
	if !ok {
		return nil, fmt.Errorf("runner: no function %q in the template", function)
	}
	if sandbox {
		var err error
		if event, err = s.Gateway.WithIdentity(ctx, event, "Bearer "+s.Bootstrap.TestSecretKey); err != nil {
			return nil, err
		}
	}
	return local.InvokeFunction(ctx, s.Functions, fn, event)
}

// raceScaled is tpl with every function's Timeout multiplied by raceSlowdown. Lambda runs the
// functions' uninstrumented binaries on CPU of their own; under the race detector (make test)
// the same code, and the embedded AWS services beside it, run raceSlowdown times slower on one
// shared machine, so the emulated limits (and API Gateway's 29 s, above) are scaled by it.
// Without -race (make run, benchmarks) they are the template's.
func raceScaled(tpl *template.Template) *template.Template {
	if raceSlowdown == 1 {
		return tpl
	}
	c := *tpl
	c.Functions = make([]*template.Function, len(tpl.Functions))
	for i, fn := range tpl.Functions {
		f := *fn
		f.Timeout *= raceSlowdown
		c.Functions[i] = &f
	}
	return &c
}
