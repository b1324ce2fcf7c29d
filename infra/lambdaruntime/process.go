package lambdaruntime

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

// BuildFlags are the flags every Lambda binary is built with (the Makefile's LAMBDA_FLAGS):
// no RPC mode (provided.al2023 speaks the Runtime API), reproducible paths, stripped.
var BuildFlags = []string{"-tags", "lambda.norpc", "-trimpath", "-ldflags=-s -w"}

// Build compiles the main package pkg (a path or import path, resolved in dir) into out for
// linux/goarch, as `make build` does.
func Build(ctx context.Context, dir, pkg, out, goarch string) error {
	args := append([]string{"build"}, BuildFlags...)
	args = append(args, "-o", out, pkg)
	// "go" from PATH: under go test and go run that is the running toolchain's (GOROOT/bin first).
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH="+goarch, "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("lambdaruntime: build %s for %s: %w\n%s", pkg, goarch, err, b)
	}
	return nil
}

// Process is a bootstrap binary running against its own Runtime API.
type Process struct {
	API     *Server
	Cmd     *exec.Cmd
	Started time.Time
	exited  chan struct{}
	stderr  bytes.Buffer
	waitErr error
}

// StartProcess starts bin with env plus AWS_LAMBDA_RUNTIME_API pointing at a new Server. env
// replaces the parent's environment: a Lambda sees only what the service sets.
func StartProcess(bin string, env []string) (*Process, error) {
	api, err := Start()
	if err != nil {
		return nil, err
	}
	p := &Process{API: api, exited: make(chan struct{})}
	p.Cmd = exec.Command(bin)
	p.Cmd.Dir = filepath.Dir(bin)
	p.Cmd.Env = append(append([]string(nil), env...), "AWS_LAMBDA_RUNTIME_API="+api.Addr())
	p.Cmd.Stdout = &p.stderr
	p.Cmd.Stderr = &p.stderr
	p.Started = time.Now()
	if err := p.Cmd.Start(); err != nil {
		_ = api.Close()
		return nil, fmt.Errorf("lambdaruntime: start %s: %w", bin, err)
	}
	go func() {
		p.waitErr = p.Cmd.Wait()
		close(p.exited)
	}()
	return p, nil
}

// ErrExited is returned by WaitInit when the process ended before asking for an invocation.
var ErrExited = errors.New("lambdaruntime: process exited during init")

// WaitInit waits for the end of init (the first /next request) and returns its duration from
// process start. An init error report, an exit or the timeout end the wait with an error that
// carries the process's output.
func (p *Process) WaitInit(timeout time.Duration) (time.Duration, error) {
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-p.API.NextSeen():
		return p.API.FirstNext().Sub(p.Started), nil
	case <-p.API.InitErrorSeen():
		return 0, fmt.Errorf("lambdaruntime: init error: %w", p.API.InitError())
	case <-p.exited:
		// The /next may have raced the exit.
		if !p.API.FirstNext().IsZero() {
			return p.API.FirstNext().Sub(p.Started), nil
		}
		return 0, fmt.Errorf("%w (%v): %s", ErrExited, p.waitErr, tail(p.Output(), 600))
	case <-t.C:
		return 0, fmt.Errorf("lambdaruntime: no /next within %s: %s", timeout, tail(p.Output(), 600))
	}
}

// Output is what the process wrote to stdout and stderr so far (read after Stop for all of it).
func (p *Process) Output() string {
	select {
	case <-p.exited:
		return p.stderr.String()
	default:
		return "(running)"
	}
}

// Stop kills the process, as Lambda does when it shuts an environment down, and closes its API.
func (p *Process) Stop() {
	if p.Cmd.Process != nil {
		_ = p.Cmd.Process.Kill()
	}
	<-p.exited
	_ = p.API.Close()
}

func tail(s string, n int) string {
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}
