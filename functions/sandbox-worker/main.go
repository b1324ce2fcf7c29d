// Command sandbox-worker is the sandbox-worker Lambda function (sandbox resets and sign-up
// seeding, fed by the job queue); its logic lives in shared/.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/hapihub/hapihub/shared/app"
)

func main() { lambda.Start(app.MustBuild("sandbox-worker")) }
