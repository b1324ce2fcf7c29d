package app

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/hapihub/hapihub/shared/config"
	"github.com/hapihub/hapihub/shared/sdkhttp"
)

// AWS returns the SDK configuration. It is built here rather than by the SDK's config loader,
// whose default credential chain links (and initialises) the STS, SSO and sign-in clients into
// every binary: on Lambda the credentials are the execution role's, in the environment
// (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN); under the local runner each
// function signs with its own access key id, which the embedded services judge by its policies
// (infra/iam) and check no signature of.
func AWS(_ context.Context, cfg config.Config) (aws.Config, error) {
	var creds aws.CredentialsProvider
	if cfg.Local {
		key := cfg.AccessKeyID
		if key == "" {
			key = "local"
		}
		creds = credentials.NewStaticCredentialsProvider(key, "local", "")
	} else {
		id, secret := os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY")
		if id == "" || secret == "" {
			return aws.Config{}, fmt.Errorf("app: aws config: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set (Lambda sets them from the execution role)")
		}
		creds = credentials.NewStaticCredentialsProvider(id, secret, os.Getenv("AWS_SESSION_TOKEN"))
	}
	// sdkhttp: without it a loaded machine can lose a response the SDK then retries (see there).
	return aws.Config{Region: cfg.Region, Credentials: aws.NewCredentialsCache(creds), HTTPClient: sdkhttp.New()}, nil
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
