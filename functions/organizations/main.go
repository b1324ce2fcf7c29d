// Command organizations is the organizations Lambda function (template.yaml): configuration from the
// environment, then its slice's typed constructor, which builds only the clients it uses.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/hapihub/hapihub/shared/app"
	"github.com/hapihub/hapihub/shared/app/organizations"
	"github.com/hapihub/hapihub/shared/config"
)

func main() {
	ctx := context.Background()
	cfg, err := config.FromEnv()
	if err != nil {
		app.Fail("organizations", err)
	}
	h, err := organizations.NewFunction(ctx, cfg)
	if err != nil {
		app.Fail("organizations", err)
	}
	lambda.Start(h)
}
