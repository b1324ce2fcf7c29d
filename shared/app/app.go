// Package app holds what every Lambda function's main needs first: the SDK configuration, the
// store on the table, the logger, and a loud exit when a cold start cannot complete. Each
// function's handler is built by its slice's typed constructor (shared/app/<slice>), called from
// functions/<name>/main.go; there is no registry of functions in production code.
package app

import (
	"os"
)

// Fail ends a cold start that cannot complete: the function fails loudly rather than answering
// wrongly.
func Fail(function string, err error) {
	Logger().Error("cold start failed", "function", function, "err", err)
	os.Exit(1)
}
