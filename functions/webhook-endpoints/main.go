// Command webhook-endpoints is the webhook-endpoints Lambda function (template.yaml): configuration from the
// environment, then its slice's typed constructor, which builds only the clients it uses.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/hapihub/hapihub/shared/app"
	"github.com/hapihub/hapihub/shared/app/webhooks"
	"github.com/hapihub/hapihub/shared/config"
)

func main() {
	cfg := app.Must(config.FromEnv())
	h := app.Must(webhooks.NewEndpointsFunction(context.Background(), cfg))
	lambda.Start(h)
}
