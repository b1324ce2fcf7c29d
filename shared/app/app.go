// Package app holds what every Lambda function's main needs first: the SDK configuration, the
// store on the table, the logger, and a loud exit when a cold start cannot complete. Each
// function's handler is built by its slice's typed constructor (shared/app/<slice>), called from
// functions/<name>/main.go; there is no registry of functions in production code.
package app

import (
	"os"
)

// Must ends a cold start that cannot complete: the function fails loudly (Lambda reports the
// init error and retries it) rather than answering wrongly. It names the function Lambda runs.
func Must[T any](v T, err error) T {
	if err != nil {
		Logger().Error("cold start failed", "function", os.Getenv("AWS_LAMBDA_FUNCTION_NAME"), "err", err)
		os.Exit(1)
	}
	return v
}
