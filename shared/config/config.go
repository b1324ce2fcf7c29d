// Package config turns the process environment into typed configuration, read once in main.
package config

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// Config is everything a function needs from its environment. On AWS the SAM template sets
// these; the local runner sets the same names to point at the embedded services.
type Config struct {
	// Table is the single DynamoDB table (HAPIHUB_TABLE).
	Table string
	// Region is the AWS region (AWS_REGION); the SDK needs one even against loopback.
	Region string
	// DynamoDBEndpoint overrides the DynamoDB endpoint (HAPIHUB_DYNAMODB_ENDPOINT); empty on AWS.
	DynamoDBEndpoint string
	// SQSEndpoint overrides the SQS endpoint (HAPIHUB_SQS_ENDPOINT); empty on AWS.
	SQSEndpoint string
	// WebhookQueueURL is the delivery queue (HAPIHUB_WEBHOOK_QUEUE_URL).
	WebhookQueueURL string
	// Local is true under the local runner: requests over loopback are exempt from the HTTPS rule
	// and static credentials are used for the embedded services.
	Local bool
	// AccessKeyID is the access key id the function's SDK clients sign with under the local
	// runner (AWS_ACCESS_KEY_ID, as Lambda sets it): the embedded services judge each call by
	// that function's policies in template.yaml (infra/iam). Unused on AWS, where the SDK's
	// default chain reads the role's credentials.
	AccessKeyID string
	// WebhookRetryWindow is how long live deliveries are retried (HAPIHUB_WEBHOOK_RETRY_WINDOW,
	// a Go duration; default 72h, at most 168h).
	WebhookRetryWindow time.Duration
	// APIURL is the public API's base URL as clients reach it (HAPIHUB_API_URL); empty: the
	// console derives it from each request.
	APIURL string
	// APIGatewayEndpoint overrides API Gateway's management endpoint (HAPIHUB_APIGATEWAY_ENDPOINT);
	// empty on AWS.
	APIGatewayEndpoint string
	// UsagePlans are the usage plan ids by mode (HAPIHUB_USAGE_PLAN_TEST, HAPIHUB_USAGE_PLAN_LIVE):
	// each account's usage identifier key of a mode is attached to that mode's plan.
	UsagePlans map[string]string
	// JobQueueURL is the queue of long jobs, sandbox resets and sign-up seeding (HAPIHUB_JOB_QUEUE_URL).
	JobQueueURL string
}

// FromEnv reads the configuration from the environment. Missing required values are an error so
// a misconfigured deployment fails at cold start rather than on the first request.
func FromEnv() (Config, error) { return FromLookup(os.LookupEnv) }

// FromLookup reads the configuration through lookup (os.LookupEnv, or a map in the local runner).
func FromLookup(lookup func(string) (string, bool)) (Config, error) {
	get := func(k, def string) string {
		if v, ok := lookup(k); ok && v != "" {
			return v
		}
		return def
	}
	c := Config{
		Table:              get("HAPIHUB_TABLE", ""),
		Region:             get("AWS_REGION", "us-east-1"),
		DynamoDBEndpoint:   get("HAPIHUB_DYNAMODB_ENDPOINT", ""),
		SQSEndpoint:        get("HAPIHUB_SQS_ENDPOINT", ""),
		WebhookQueueURL:    get("HAPIHUB_WEBHOOK_QUEUE_URL", ""),
		APIURL:             get("HAPIHUB_API_URL", ""),
		APIGatewayEndpoint: get("HAPIHUB_APIGATEWAY_ENDPOINT", ""),
		JobQueueURL:        get("HAPIHUB_JOB_QUEUE_URL", ""),
		AccessKeyID:        get("AWS_ACCESS_KEY_ID", ""),
	}
	for _, mode := range []string{"test", "live"} {
		if id := get("HAPIHUB_USAGE_PLAN_"+strings.ToUpper(mode), ""); id != "" {
			if c.UsagePlans == nil {
				c.UsagePlans = map[string]string{}
			}
			c.UsagePlans[mode] = id
		}
	}
	if c.Table == "" {
		return c, fmt.Errorf("config: HAPIHUB_TABLE is not set")
	}
	local, err := strconv.ParseBool(get("HAPIHUB_LOCAL", "false"))
	if err != nil {
		return c, fmt.Errorf("config: HAPIHUB_LOCAL: %w", err)
	}
	c.Local = local
	win, err := time.ParseDuration(get("HAPIHUB_WEBHOOK_RETRY_WINDOW", "72h"))
	if err != nil || win <= 0 || win > 7*24*time.Hour {
		return c, fmt.Errorf("config: HAPIHUB_WEBHOOK_RETRY_WINDOW must be a duration up to 168h, got %q", get("HAPIHUB_WEBHOOK_RETRY_WINDOW", ""))
	}
	c.WebhookRetryWindow = win
	return c, nil
}

// Env returns c as environment variables, the inverse of FromEnv; the local runner uses it to
// give in-process functions the same view a Lambda would have.
func (c Config) Env() map[string]string {
	env := map[string]string{
		"HAPIHUB_TABLE":             c.Table,
		"AWS_REGION":                c.Region,
		"HAPIHUB_DYNAMODB_ENDPOINT": c.DynamoDBEndpoint,
		"HAPIHUB_SQS_ENDPOINT":      c.SQSEndpoint,
		"HAPIHUB_WEBHOOK_QUEUE_URL": c.WebhookQueueURL,
		"HAPIHUB_LOCAL":             strconv.FormatBool(c.Local),
	}
	if c.APIURL != "" {
		env["HAPIHUB_API_URL"] = c.APIURL
	}
	if c.AccessKeyID != "" {
		env["AWS_ACCESS_KEY_ID"] = c.AccessKeyID
	}
	if c.APIGatewayEndpoint != "" {
		env["HAPIHUB_APIGATEWAY_ENDPOINT"] = c.APIGatewayEndpoint
	}
	if c.JobQueueURL != "" {
		env["HAPIHUB_JOB_QUEUE_URL"] = c.JobQueueURL
	}
	for mode, id := range c.UsagePlans {
		env["HAPIHUB_USAGE_PLAN_"+strings.ToUpper(mode)] = id
	}
	if c.WebhookRetryWindow > 0 {
		env["HAPIHUB_WEBHOOK_RETRY_WINDOW"] = c.WebhookRetryWindow.String()
	}
	return env
}
