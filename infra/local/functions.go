package local

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/hapihub/hapihub/infra/template"
	"github.com/hapihub/hapihub/shared/config"
)

// Invoker runs a function by name (its directory under functions/) with a JSON payload and
// returns its JSON result, as Lambda's Invoke API does. An error is the function's error.
type Invoker interface {
	Invoke(ctx context.Context, function string, payload []byte) ([]byte, error)
}

// Builder returns the handler of a function: any value lambda.NewHandler accepts.
type Builder func(ctx context.Context, function string) (any, error)

// Functions builds each function once, on its first invocation (a cold start), and invokes it
// in-process. It is safe for concurrent use.
type Functions struct {
	build Builder
	mu    sync.Mutex
	built map[string]*built
}

type built struct {
	once    sync.Once
	handler any
	err     error
}

// NewFunctions returns a registry over build.
func NewFunctions(build Builder) *Functions {
	return &Functions{build: build, built: map[string]*built{}}
}

// PanicError is a function that panicked; the stack stays in the runner's log, never in a response.
type PanicError struct {
	Function string
	Value    any
	Stack    []byte
}

func (e *PanicError) Error() string {
	return fmt.Sprintf("function %s panicked: %v", e.Function, e.Value)
}

// Invoke builds the function if needed and runs it. A panic becomes a *PanicError, as the Lambda
// runtime reports it as an error rather than crashing the runner.
func (f *Functions) Invoke(ctx context.Context, function string, payload []byte) (out []byte, err error) {
	f.mu.Lock()
	b := f.built[function]
	if b == nil {
		b = &built{}
		f.built[function] = b
	}
	f.mu.Unlock()
	b.once.Do(func() { b.handler, b.err = f.build(ctx, function) })
	if b.err != nil {
		return nil, fmt.Errorf("local: cold start of %s: %w", function, b.err)
	}
	defer func() {
		if p := recover(); p != nil {
			out, err = nil, &PanicError{Function: function, Value: p, Stack: debug.Stack()}
		}
	}()
	// A fresh lambda.Handler per call: the library returns bytes from a pooled buffer it has
	// already released, which a concurrent call on a shared handler could overwrite.
	res, err := lambda.NewHandler(b.handler).Invoke(ctx, payload)
	if err != nil {
		return nil, err
	}
	return append([]byte(nil), res...), nil
}

// IntegrationTimeout is API Gateway's limit on an integration, whatever the function's Timeout.
const IntegrationTimeout = 29 * time.Second

// errTimeout is what Lambda reports when a function runs past its Timeout, word for word.
//
//lint:ignore ST1005 Lambda's own message, capital included
var errTimeout = errors.New("Task timed out")

// invokeWithTimeout runs the function with a deadline (its Timeout, or less behind API Gateway).
// In-process code cannot be killed, so a function that ignores its context finishes in the
// background, its result dropped, as a timed-out Lambda's would be.
func invokeWithTimeout(ctx context.Context, inv Invoker, function string, timeout time.Duration, payload []byte) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	type result struct {
		out []byte
		err error
	}
	done := make(chan result, 1)
	go func() {
		out, err := inv.Invoke(ctx, function, payload)
		done <- result{out, err}
	}()
	select {
	case r := <-done:
		return r.out, r.err
	case <-ctx.Done():
		return nil, fmt.Errorf("%s after %s: %w", function, timeout, errTimeout)
	}
}

// FunctionConfig is the configuration fn runs with locally: the template's environment decides what
// it decides on AWS (table, cache TTL, queue), base the rest (endpoints, Local, region).
func FunctionConfig(fn *template.Function, base config.Config, refs template.Refs) (config.Config, error) {
	env, err := fn.Environment(refs)
	if err != nil {
		return base, fmt.Errorf("local: %w", err)
	}
	// The function sees base's environment overlaid with its own, read by the same code as on AWS.
	merged := base.Env()
	for k, v := range env {
		merged[k] = v
	}
	cfg, err := config.FromLookup(func(k string) (string, bool) { v, ok := merged[k]; return v, ok })
	if err != nil {
		return base, fmt.Errorf("local: %s: %w", fn.LogicalID, err)
	}
	return cfg, nil
}
