// Command openapi writes the generated OpenAPI document (make openapi -> docs/openapi.json).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/hapihub/hapihub/infra/local/runner"
	"github.com/hapihub/hapihub/shared/config"
	"github.com/hapihub/hapihub/shared/openapi"
)

func main() {
	out := flag.String("o", "docs/openapi.json", "where to write the document")
	flag.Parse()
	// Building the functions' routers needs configuration but makes no call to AWS.
	cfg := config.Config{Table: "hapihub", Region: "us-east-1", DynamoDBEndpoint: "http://127.0.0.1:1", Local: true, WebhookQueueURL: "http://127.0.0.1:1/000000000000/hapihub-webhooks"}
	b, err := openapi.JSON(runner.OpenAPI(context.Background(), cfg))
	if err == nil {
		err = os.WriteFile(*out, b, 0o644)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "openapi:", err)
		os.Exit(1)
	}
}
