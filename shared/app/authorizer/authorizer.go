// Package authorizer is the API Gateway Lambda authorizer function: the account store (keys,
// accounts and organizations only: no planner, no queue, no router) and shared/auth's Authorizer.
package authorizer

import (
	"context"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/hapihub/hapihub/shared/app"
	"github.com/hapihub/hapihub/shared/app/clients"
	"github.com/hapihub/hapihub/shared/auth"
	"github.com/hapihub/hapihub/shared/config"
)

// Handler is the authorizer's Lambda handler.
type Handler = func(context.Context, events.APIGatewayCustomAuthorizerRequestTypeRequest) (events.APIGatewayCustomAuthorizerResponse, error)

// NewFunction builds the authorizer over the configured table.
func NewFunction(ctx context.Context, cfg config.Config) (Handler, error) {
	st, err := clients.AccountReader(ctx, cfg)
	if err != nil {
		return nil, err
	}
	a := &auth.Authorizer{Keys: st, Now: time.Now, Log: app.Logger()}
	return a.Handle, nil
}
