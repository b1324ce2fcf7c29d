// Command hello is the cold-start baseline: a bare aws-lambda-go function, built exactly as the
// functions are, so `make coldstart` compares each function's init with the least a Go Lambda
// costs. It greets {"name": ...} and fails without a name (the emulator's tests use both paths).
package main

import (
	"context"
	"errors"

	"github.com/aws/aws-lambda-go/lambda"
)

type event struct {
	Name string `json:"name"`
}

func handle(_ context.Context, e event) (string, error) {
	if e.Name == "" {
		return "", errors.New("hello: name is required")
	}
	return "hello " + e.Name, nil
}

func main() { lambda.Start(handle) }
