// Command openapi is the openapi Lambda function (template.yaml): configuration from the
// environment, then its slice's typed constructor, which builds only the clients it uses.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/hapihub/hapihub/shared/app"
	"github.com/hapihub/hapihub/shared/app/openapifn"
	"github.com/hapihub/hapihub/shared/config"
)

func main() {
	cfg := app.Must(config.FromEnv())
	h := app.Must(openapifn.NewFunction(context.Background(), cfg))
	lambda.Start(h)
}
