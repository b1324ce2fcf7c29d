// Package gocheck holds the Go SDK's tests that need the server: every route called through the
// SDK on the whole platform started in-process, the SDK's query encodings read by the server's own
// parser and compiler, and the generated types compared with the server's schema. They live in
// the server module because the SDK's module (sdk/go) depends on the standard library alone;
// gen/ writes the SDK's types from shared/schema for the same reason.
package gocheck
