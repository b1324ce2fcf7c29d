package app

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/hapihub/hapihub/shared/accounts"
	"github.com/hapihub/hapihub/shared/api"
	"github.com/hapihub/hapihub/shared/auth"
	"github.com/hapihub/hapihub/shared/config"
	"github.com/hapihub/hapihub/shared/sdkhttp"
	"github.com/hapihub/hapihub/shared/store"
)

func init() {
	functions["authorizer"] = buildAuthorizer
}

// AWS returns the SDK configuration: the default chain on AWS, static credentials when local
// (the embedded services check no signature, only the access key id's policies).
func AWS(ctx context.Context, cfg config.Config) (aws.Config, error) {
	opts := []func(*awsconfig.LoadOptions) error{awsconfig.WithRegion(cfg.Region)}
	if cfg.Local {
		// The function's own access key id (the runner gives each its own), so the embedded
		// services judge its calls by its policies (infra/iam).
		key := cfg.AccessKeyID
		if key == "" {
			key = "local"
		}
		opts = append(opts, awsconfig.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(key, "local", "")))
	}
	c, err := awsconfig.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return aws.Config{}, fmt.Errorf("app: aws config: %w", err)
	}
	// Wrapped after loading: the loader needs its own client type to apply AWS_CA_BUNDLE. Without
	// sdkhttp a loaded machine can lose a response the SDK then retries (see there).
	if c.HTTPClient == nil {
		c.HTTPClient = sdkhttp.New()
	} else {
		c.HTTPClient = sdkhttp.Wrap(c.HTTPClient)
	}
	return c, nil
}

// UsageKeys is the registrar of usage identifier keys with API Gateway (the embedded one under
// the local runner), or nil when the configuration names no usage plans.
func UsageKeys(ctx context.Context, cfg config.Config) (accounts.Registrar, error) {
	if len(cfg.UsagePlans) == 0 {
		return nil, nil
	}
	ac, err := AWS(ctx, cfg)
	if err != nil {
		return nil, err
	}
	c := apigateway.NewFromConfig(ac, func(o *apigateway.Options) {
		if cfg.APIGatewayEndpoint != "" {
			o.BaseEndpoint = aws.String(cfg.APIGatewayEndpoint)
		}
	})
	return accounts.UsageKeys{Client: c, Plans: cfg.UsagePlans}, nil
}

// Store returns the store on the configured table.
func Store(ctx context.Context, cfg config.Config) (*store.Store, error) {
	ac, err := AWS(ctx, cfg)
	if err != nil {
		return nil, err
	}
	db := dynamodb.NewFromConfig(ac, store.RetryConflicts, func(o *dynamodb.Options) {
		if cfg.DynamoDBEndpoint != "" {
			o.BaseEndpoint = aws.String(cfg.DynamoDBEndpoint)
		}
	})
	st := store.New(db, cfg.Table)
	return st, attachPublisher(ctx, cfg, st)
}

// Logger is the structured JSON logger every function uses (CloudWatch parses JSON lines). Its
// level is Lambda's AWS_LAMBDA_LOG_LEVEL (set by the function's LoggingConfig), INFO by default.
func Logger() *slog.Logger {
	var level slog.Level
	if err := level.UnmarshalText([]byte(os.Getenv("AWS_LAMBDA_LOG_LEVEL"))); err != nil {
		level = slog.LevelInfo
	}
	return slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
}

func buildAuthorizer(ctx context.Context, cfg config.Config) (any, error) {
	st, err := Store(ctx, cfg)
	if err != nil {
		return nil, err
	}
	a := &auth.Authorizer{Keys: st, Now: time.Now, Log: Logger()}
	return a.Handle, nil
}

// middlewares are the request checks every API function runs, in this order. Each feature
// defines its middleware in its own file and adds one line here, so this list is the one place
// that says the order (permissions before capabilities before idempotency).
var middlewares = []func(st *store.Store, cfg config.Config) api.Middleware{
	permissionsMiddleware, // platform.go: key still valid, IP allowlist, restricted-key permissions
	capabilitiesMiddleware,
	idempotencyMiddleware, // platform.go: last, so a replay skips only the handler's work
}

// bootstrapSetting records the local runner's sandbox account.
const bootstrapSetting = "local-bootstrap"

// Bootstrap makes sure the local sandbox account exists. The first call creates it and returns
// all its keys; later calls return its (revealable) test keys only.
func Bootstrap(ctx context.Context, cfg config.Config) (BootstrapResult, error) {
	st, err := Store(ctx, cfg)
	if err != nil {
		return BootstrapResult{}, err
	}
	if doc, ok, err := st.GetSetting(ctx, bootstrapSetting); err != nil {
		return BootstrapResult{}, err
	} else if ok {
		id, _ := doc["accountId"].(string)
		keys, err := st.ListKeys(ctx, id, store.Test)
		if err != nil {
			return BootstrapResult{}, err
		}
		res := BootstrapResult{AccountID: id}
		for _, k := range keys {
			switch k.Type {
			case auth.Secret:
				res.TestSecretKey = k.Revealable
			case auth.Publishable:
				res.TestPublishableKey = k.Revealable
			}
		}
		if res.TestSecretKey == "" {
			return res, fmt.Errorf("app: bootstrap account %s has no revealable test secret key", id)
		}
		return res, nil
	}
	reg, err := UsageKeys(ctx, cfg)
	if err != nil {
		return BootstrapResult{}, err
	}
	demo := newLiveDemo(st) // two live organizations, one a PMS lacking some methods
	opts := accounts.Options{Name: "Local developer", LiveOrgs: demo.docs()}
	if reg != nil {
		opts.UsageKeys = reg
	}
	created, err := accounts.Create(ctx, st, opts)
	if err != nil {
		return BootstrapResult{}, err
	}
	if err := demo.fill(ctx, st, created.Account.ID); err != nil {
		return BootstrapResult{}, err
	}
	if err := st.PutSetting(ctx, bootstrapSetting, store.Doc{"accountId": created.Account.ID}); err != nil {
		return BootstrapResult{}, err
	}
	return BootstrapResult{Created: true, AccountID: created.Account.ID, TestSecretKey: created.Keys["sk_test"],
		TestPublishableKey: created.Keys["pk_test"], LiveSecretKey: created.Keys["sk_live"]}, nil
}
