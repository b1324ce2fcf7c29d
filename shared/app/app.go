// Package app wires the shared packages into the Lambda handlers, one per function directory
// under functions/. Mains and the local runner both build handlers here, so they run the same code.
package app

import (
	"context"
	"fmt"
	"os"
	"sort"

	"github.com/hapihub/hapihub/shared/config"
)

// Builder constructs one function's Lambda handler: any value lambda.NewHandler accepts.
type Builder func(ctx context.Context, cfg config.Config) (any, error)

// functions maps a function's directory name under functions/ (the template's logical id without
// "Function", in kebab case: PatientsFunction -> patients) to its builder.
var functions = map[string]Builder{}

// Build returns the handler of the named function.
func Build(ctx context.Context, name string, cfg config.Config) (any, error) {
	b, ok := functions[name]
	if !ok {
		return nil, fmt.Errorf("app: no function %q", name)
	}
	h, err := b(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("app: build %s: %w", name, err)
	}
	return h, nil
}

// Names lists every function, sorted.
func Names() []string {
	out := make([]string, 0, len(functions))
	for n := range functions {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// BootstrapResult is what the local runner prints on start.
type BootstrapResult struct {
	Created            bool // true on the first start, when the account was made
	AccountID          string
	TestSecretKey      string
	TestPublishableKey string
	LiveSecretKey      string // only when Created: a live key is shown once
}

// MustBuild is what a main calls: configuration from the environment, then the named handler.
// A function that cannot start fails its cold start loudly rather than answering wrongly.
func MustBuild(name string) any {
	cfg, err := config.FromEnv()
	if err != nil {
		Logger().Error("cold start failed", "function", name, "err", err)
		os.Exit(1)
	}
	h, err := Build(context.Background(), name, cfg)
	if err != nil {
		Logger().Error("cold start failed", "function", name, "err", err)
		os.Exit(1)
	}
	return h
}
