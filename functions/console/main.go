// Command console is the developer console's Lambda function; its logic lives in shared/.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/hapihub/hapihub/shared/app"
)

func main() { lambda.Start(app.MustBuild("console")) }
