// Command patients is the patients Lambda function (template.yaml): configuration from the
// environment, then its slice's typed constructor, which builds only the clients it uses.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/hapihub/hapihub/shared/app"
	"github.com/hapihub/hapihub/shared/app/clinical"
	"github.com/hapihub/hapihub/shared/config"
	"github.com/hapihub/hapihub/shared/schema"
)

func main() {
	cfg := app.Must(config.FromEnv())
	h := app.Must(clinical.NewFunction(context.Background(), cfg, schema.Patients))
	lambda.Start(h)
}
