// Package usagekeys is accounts.Registrar over API Gateway's management API: only the functions
// that register usage keys (the sandbox worker, the local runner) link the apigateway client.
package usagekeys

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	"github.com/aws/aws-sdk-go-v2/service/apigateway/types"

	"github.com/hapihub/hapihub/shared/accounts"
	"github.com/hapihub/hapihub/shared/domain"
)

// UsageKeys is the Registrar over API Gateway's management API (aws-sdk-go-v2's apigateway
// client; locally the embedded infra/apigateway).
type UsageKeys struct {
	Client *apigateway.Client
	// Plans are the usage plan ids by mode (template.yaml's plans, via HAPIHUB_USAGE_PLAN_*).
	Plans map[string]string
}

// keys lists every API key whose name starts with prefix, with values.
func (u UsageKeys) keys(ctx context.Context, prefix string) ([]types.ApiKey, error) {
	var out []types.ApiKey
	in := &apigateway.GetApiKeysInput{IncludeValues: aws.Bool(true), Limit: aws.Int32(500)}
	if prefix != "" {
		in.NameQuery = aws.String(prefix)
	}
	p := apigateway.NewGetApiKeysPaginator(u.Client, in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("accounts: get api keys: %w", err)
		}
		out = append(out, page.Items...)
	}
	return out, nil
}

func find(keys []types.ApiKey, value string) (types.ApiKey, bool) {
	for _, k := range keys {
		if aws.ToString(k.Value) == value {
			return k, true
		}
	}
	return types.ApiKey{}, false
}

// Register implements Registrar: find the key by name (or, after a conflict, by value), create it
// if missing, then attach it to the plan; a key already attached is success.
func (u UsageKeys) Register(ctx context.Context, accountID, mode, value string) error {
	plan := u.Plans[mode]
	if plan == "" {
		return fmt.Errorf("accounts: no usage plan for mode %q (HAPIHUB_USAGE_PLAN_%s)", mode, mode)
	}
	name := accounts.KeyName(accountID, mode)
	keys, err := u.keys(ctx, name)
	if err != nil {
		return err
	}
	k, ok := find(keys, value)
	if !ok {
		out, err := u.Client.CreateApiKey(ctx, &apigateway.CreateApiKeyInput{Name: aws.String(name), Value: aws.String(value), Enabled: true,
			Description: aws.String("HAPI Hub usage identifier of account " + accountID + ", " + mode + " mode")})
		var conflict *types.ConflictException
		switch {
		case errors.As(err, &conflict):
			// Values are unique: the key exists under another name (a rename, or a racing retry).
			all, err := u.keys(ctx, "")
			if err != nil {
				return err
			}
			if k, ok = find(all, value); !ok {
				return fmt.Errorf("accounts: create api key %s: conflict, yet no key has its value", name)
			}
		case err != nil:
			return fmt.Errorf("accounts: create api key %s: %w", name, err)
		default:
			k = types.ApiKey{Id: out.Id}
		}
	}
	_, err = u.Client.CreateUsagePlanKey(ctx, &apigateway.CreateUsagePlanKeyInput{UsagePlanId: aws.String(plan), KeyId: k.Id, KeyType: aws.String("API_KEY")})
	var conflict *types.ConflictException
	if errors.As(err, &conflict) {
		// Already in a plan: fine if it is this one.
		plans, gerr := u.Client.GetUsagePlans(ctx, &apigateway.GetUsagePlansInput{KeyId: k.Id})
		if gerr != nil {
			return fmt.Errorf("accounts: usage plans of key %s: %w", name, gerr)
		}
		for _, p := range plans.Items {
			if aws.ToString(p.Id) == plan {
				return nil
			}
		}
		return fmt.Errorf("accounts: attach key %s to plan %s: %w", name, plan, err)
	}
	if err != nil {
		return fmt.Errorf("accounts: attach key %s to plan %s: %w", name, plan, err)
	}
	return nil
}

// SetEnabled implements Registrar.
func (u UsageKeys) SetEnabled(ctx context.Context, acct domain.Account, enabled bool) error {
	for mode, value := range acct.UsageKeys {
		keys, err := u.keys(ctx, accounts.KeyName(acct.ID, mode))
		if err != nil {
			return err
		}
		k, ok := find(keys, value)
		if !ok {
			if enabled {
				return fmt.Errorf("accounts: account %s has no %s API key to enable", acct.ID, mode)
			}
			continue // nothing to disable
		}
		if _, err := u.Client.UpdateApiKey(ctx, &apigateway.UpdateApiKeyInput{ApiKey: k.Id, PatchOperations: []types.PatchOperation{
			{Op: types.OpReplace, Path: aws.String("/enabled"), Value: aws.String(fmt.Sprint(enabled))}}}); err != nil {
			return fmt.Errorf("accounts: update api key %s: %w", aws.ToString(k.Name), err)
		}
	}
	return nil
}

// Remove implements Registrar.
func (u UsageKeys) Remove(ctx context.Context, accountID string) error {
	keys, err := u.keys(ctx, "hapihub-"+accountID+"-")
	if err != nil {
		return err
	}
	var errs []error
	for _, k := range keys {
		if _, err := u.Client.DeleteApiKey(ctx, &apigateway.DeleteApiKeyInput{ApiKey: k.Id}); err != nil {
			var nf *types.NotFoundException
			if !errors.As(err, &nf) {
				errs = append(errs, fmt.Errorf("accounts: delete api key %s: %w", aws.ToString(k.Name), err))
			}
		}
	}
	return errors.Join(errs...)
}
