// Command sandbox-worker is the sandbox-worker Lambda function (template.yaml): configuration from the
// environment, then its slice's typed constructor, which builds only the clients it uses.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/hapihub/hapihub/shared/app"
	"github.com/hapihub/hapihub/shared/app/sandboxworker"
	"github.com/hapihub/hapihub/shared/config"
)

func main() {
	cfg := app.Must(config.FromEnv())
	h := app.Must(sandboxworker.NewFunction(context.Background(), cfg))
	lambda.Start(h)
}
