// Package docs carries docs/openapi.json into the openapi function's binary (go:embed), so the
// function serves the document `make openapi` generated rather than building every other
// function at run time. shared/app's TestCommittedOpenAPIDocument keeps the copy current.
package docs

import _ "embed"

// OpenAPI is docs/openapi.json as committed.
//
//go:embed openapi.json
var OpenAPI []byte
