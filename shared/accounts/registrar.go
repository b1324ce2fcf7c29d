package accounts

import (
	"context"

	"github.com/hapihub/hapihub/shared/domain"
)

// Registrar registers an account's usage identifier keys with API Gateway. With
// ApiKeySourceType AUTHORIZER, API Gateway accepts the authorizer's usageIdentifierKey only when it
// is the value of an enabled API key attached to a usage plan of the stage; otherwise the request
// gets 403 (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-api-key-source.html).
type Registrar interface {
	// Register makes sure an API key with this value exists and is attached to the mode's plan.
	// It is idempotent: a retry after a partial failure finishes the job.
	Register(ctx context.Context, accountID, mode, value string) error
	// SetEnabled enables or disables every usage key of the account.
	SetEnabled(ctx context.Context, acct domain.Account, enabled bool) error
	// Remove deletes the account's API keys (the compensation of a failed sign-up).
	Remove(ctx context.Context, accountID string) error
}

// KeyName is the API key's name for an account and mode: "hapihub-<account>-<mode>".
func KeyName(accountID, mode string) string { return "hapihub-" + accountID + "-" + mode }

// RegisterAll registers the account's usage key of every mode.
func RegisterAll(ctx context.Context, reg Registrar, acct domain.Account) error {
	for _, mode := range []string{domain.Test, domain.Live} {
		if v := acct.UsageKeys[mode]; v != "" {
			if err := reg.Register(ctx, acct.ID, mode, v); err != nil {
				return err
			}
		}
	}
	return nil
}

// Disable turns the account's usage keys off at API Gateway: every request with any of its keys
// then gets 403 at the gateway, before any function runs.
func Disable(ctx context.Context, reg Registrar, acct domain.Account) error {
	return reg.SetEnabled(ctx, acct, false)
}
