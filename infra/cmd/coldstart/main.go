// Command coldstart measures every Lambda function's cold start and size against a bare
// aws-lambda-go hello built the same way (issue 17's goals), and writes a Markdown report.
//
//	go run ./infra/cmd/coldstart [-runs 15] [-o docs/coldstart.md]
//
// It discovers the functions as the directories under functions/, so it measures whatever the
// tree holds. It runs from the module root (the Makefile's `make coldstart`).
package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/hapihub/hapihub/infra/lambdaruntime"
)

func main() {
	runs := flag.Int("runs", 31, "measured runs per binary (after one warm-up run)")
	out := flag.String("o", "", "also write the report to this file")
	fnDir := flag.String("functions", "functions", "directory whose subdirectories are the functions")
	timeout := flag.Duration("timeout", time.Minute, "longest wait for one process's init")
	only := flag.String("only", "", "comma-separated functions to measure (default: all; for quick comparisons, not the report)")
	against := flag.String("against", "", "also build the measured functions from the module at this directory (another checkout), named <function>@base, for an A/B in the same rounds")
	flag.Parse()
	if err := run(*fnDir, *only, *against, *runs, *timeout, *out); err != nil {
		fmt.Fprintln(os.Stderr, "coldstart:", err)
		os.Exit(1)
	}
}

func run(fnDir, only, against string, runs int, timeout time.Duration, out string) error {
	if runs < 1 {
		return fmt.Errorf("-runs must be at least 1")
	}
	names, err := discover(fnDir)
	if err != nil {
		return err
	}
	if names, err = keepOnly(names, only); err != nil {
		return err
	}
	work, err := os.MkdirTemp("", "coldstart-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)

	pkgs := map[string]string{baselineName: "./infra/cmd/coldstart/hello"}
	dirs := map[string]string{} // where a binary's package is resolved, when not here
	var refs []string
	for _, r := range references {
		pkgs[r.Name] = r.Pkg
		refs = append(refs, r.Name)
	}
	for _, n := range names {
		pkgs[n] = "./" + filepath.ToSlash(filepath.Join(fnDir, n))
	}
	names = withBase(names, against, pkgs, dirs)
	all := append(append([]string{baselineName}, refs...), names...)
	ms, err := buildAll(work, all, pkgs, dirs)
	if err != nil {
		return err
	}

	trap, err := startTrap()
	if err != nil {
		return err
	}
	defer trap.close()
	home := filepath.Join(work, "home")
	if err := os.MkdirAll(home, 0o755); err != nil {
		return err
	}
	// One warm-up run (page cache, first exec), then rounds that take each binary in turn, so a
	// machine that gets busier during the measurement slows every binary alike; each round in a
	// new random order, so no binary always follows the same one (or always runs first).
	for round := 0; round <= runs; round++ {
		order := slices.Clone(all)
		rand.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for _, n := range order {
			m := ms[n]
			if m.Failure != "" {
				continue
			}
			d, calls, err := measureOnce(filepath.Join(work, "host", n, "bootstrap"), functionEnv(n, home, trap.url), trap, timeout)
			if err != nil {
				m.Failure = err.Error()
				continue
			}
			m.AWSCalls = appendNew(m.AWSCalls, calls...)
			if round > 0 {
				m.Inits = append(m.Inits, d)
			}
		}
		fmt.Fprintf(os.Stderr, "coldstart: round %d/%d done\n", round, runs)
	}
	for _, n := range all {
		traceInits(ms[n], filepath.Join(work, "host", n, "bootstrap"), functionEnv(n, home, trap.url), trap, timeout)
	}
	if f := ms[baselineName].Failure; f != "" {
		return fmt.Errorf("the hello baseline did not start: %s", f)
	}
	var refMs []measurement
	for _, r := range refs {
		refMs = append(refMs, *ms[r])
	}
	fns := make([]measurement, 0, len(names))
	failed := false
	for _, n := range names {
		fns = append(fns, *ms[n])
		failed = failed || ms[n].Failure != ""
	}
	h := header{Date: time.Now(), Runs: runs, HostArch: runtime.GOARCH, CPUs: runtime.NumCPU(),
		GoVersion: runtime.Version(), BuildFlags: strings.Join(lambdaruntime.BuildFlags, " ")}
	var w io.Writer = os.Stdout
	if out != "" {
		f, err := os.Create(out)
		if err != nil {
			return err
		}
		defer f.Close()
		w = io.MultiWriter(os.Stdout, f)
	}
	if err := write(w, h, *ms[baselineName], refMs, fns); err != nil {
		return err
	}
	if failed {
		return fmt.Errorf("a function did not start (see the report)")
	}
	return nil
}

// discover lists the function directories (those holding Go files), sorted.
func discover(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("functions: %w", err)
	}
	var names []string
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		if gos, _ := filepath.Glob(filepath.Join(dir, e.Name(), "*.go")); len(gos) > 0 {
			names = append(names, e.Name())
		}
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("no function directories with Go files under %s", dir)
	}
	sort.Strings(names)
	return names, nil
}

// references are measured beside hello and the functions but judged by no goal: hello plus the
// SDK clients the functions build (as they build them), so the report shows how much of a
// function's init is the SDK's own package init, which no wiring of ours can remove.
var references = []struct{ Name, Pkg string }{
	{"hello+dynamodb", "./infra/cmd/coldstart/floor/dynamodb"},
	{"hello+dynamodb+sqs", "./infra/cmd/coldstart/floor/dynamodbsqs"},
}

// keepOnly narrows names to the comma-separated list only (all of them when only is empty).
func keepOnly(names []string, only string) ([]string, error) {
	if only == "" {
		return names, nil
	}
	var kept []string
	for _, n := range strings.Split(only, ",") {
		if !contains(names, n) {
			return nil, fmt.Errorf("-only: no function %q", n)
		}
		kept = append(kept, n)
	}
	return kept, nil
}

// buildAll builds every binary of names: its package pkgs[name], resolved in the module at
// dirs[name] (here when unset).
func buildAll(work string, names []string, pkgs, dirs map[string]string) (map[string]*measurement, error) {
	ms := make(map[string]*measurement, len(names))
	for _, n := range names {
		fmt.Fprintf(os.Stderr, "coldstart: building %s\n", n)
		dir := dirs[n]
		if dir == "" {
			dir = "."
		}
		m, err := buildBoth(work, n, dir, pkgs[n])
		if err != nil {
			return nil, err
		}
		ms[n] = m
	}
	return ms, nil
}

// withBase adds, after each function, its build from the module at against (named
// <function>@base, same package path, resolved there), when against is set.
func withBase(names []string, against string, pkgs, dirs map[string]string) []string {
	if against == "" {
		return names
	}
	var out []string
	for _, n := range names {
		pkgs[n+baseSuffix], dirs[n+baseSuffix] = pkgs[n], against
		out = append(out, n, n+baseSuffix)
	}
	return out
}

// baseSuffix names the -against builds.
const baseSuffix = "@base"

// buildBoth builds pkg (resolved in the module at dir) for the host (to run) and for arm64 (to
// weigh and hash).
func buildBoth(work, name, dir, pkg string) (*measurement, error) {
	ctx := context.Background()
	m := &measurement{Name: name}
	host := filepath.Join(work, "host", name, "bootstrap")
	if err := lambdaruntime.Build(ctx, dir, pkg, host, runtime.GOARCH); err != nil {
		return nil, err
	}
	if err := rewrite(host); err != nil {
		return nil, err
	}
	arm := filepath.Join(work, "arm64", name, "bootstrap")
	if err := lambdaruntime.Build(ctx, dir, pkg, arm, "arm64"); err != nil {
		return nil, err
	}
	b, err := os.ReadFile(arm)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(b)
	m.Size, m.SHA256 = int64(len(b)), hex.EncodeToString(sum[:])
	return m, nil
}

// rewrite writes the file anew with plain writes, as Lambda's unzip of a deployment package
// writes the bootstrap. Started from the file the linker wrote (through a memory map), a binary
// spent 0.6-2 ms more CPU in init than the same bytes copied (hello 3.9 vs 3.3 ms, console 7.3
// vs 5.9 ms, medians of 80), and by a different amount for each binary: the measurement then
// weighed how the linker's output sits in the page cache, not the program.
func rewrite(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o755); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// measureOnce starts bin, waits for its first /next and kills it.
func measureOnce(bin string, env []string, trap *trap, timeout time.Duration) (time.Duration, []string, error) {
	trap.reset()
	p, err := lambdaruntime.StartProcess(bin, env)
	if err != nil {
		return 0, nil, err
	}
	d, err := p.WaitInit(timeout)
	calls := trap.calls()
	p.Stop()
	return d, calls, err
}

// traceInits runs bin three more times with the runtime's package-init trace, to say where init
// time goes, and keeps the run whose package inits took the median time (one run is noisy).
func traceInits(m *measurement, bin string, env []string, trap *trap, timeout time.Duration) {
	if m.Failure != "" {
		return
	}
	type traced struct {
		top   []pkgInit
		total float64
	}
	var runs []traced
	for range 3 {
		out, err := traceOnce(bin, env, trap, timeout)
		if err == nil {
			top, total := slowestInits(out, 3)
			runs = append(runs, traced{top, total})
		}
	}
	if len(runs) > 0 {
		sort.Slice(runs, func(i, j int) bool { return runs[i].total < runs[j].total })
		mid := runs[len(runs)/2]
		m.SlowInits, m.PkgInitMs = mid.top, mid.total
	}
}

// traceOnce runs bin once with GODEBUG=inittrace=1 and returns what it printed by the end of init.
func traceOnce(bin string, env []string, trap *trap, timeout time.Duration) (string, error) {
	trap.reset()
	p, err := lambdaruntime.StartProcess(bin, append(append([]string(nil), env...), "GODEBUG=inittrace=1"))
	if err != nil {
		return "", err
	}
	_, err = p.WaitInit(timeout)
	p.Stop()
	return p.Output(), err
}

// functionEnv is what Lambda sets for a provided.al2023 function plus the template's variables
// (template.yaml Globals, shared/config), with every AWS endpoint on the loopback trap, static
// credentials as Lambda's role gives them, and no shared config files, so nothing reaches AWS.
func functionEnv(name, home, trapURL string) []string {
	return []string{
		"PATH=/usr/local/bin:/usr/bin:/bin",
		"HOME=" + home,
		"TZ=:UTC",
		"LANG=en_US.UTF-8",
		"LAMBDA_TASK_ROOT=/var/task",
		"_HANDLER=bootstrap",
		"AWS_REGION=us-east-1",
		"AWS_DEFAULT_REGION=us-east-1",
		"AWS_LAMBDA_FUNCTION_NAME=" + name,
		"AWS_LAMBDA_FUNCTION_VERSION=$LATEST",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=256",
		"AWS_LAMBDA_LOG_GROUP_NAME=/aws/lambda/" + name,
		"AWS_LAMBDA_LOG_STREAM_NAME=coldstart",
		"AWS_ACCESS_KEY_ID=ASIACOLDSTART",
		"AWS_SECRET_ACCESS_KEY=coldstart",
		"AWS_SESSION_TOKEN=coldstart",
		"AWS_CONFIG_FILE=" + filepath.Join(home, "no-config"),
		"AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(home, "no-credentials"),
		"AWS_EC2_METADATA_DISABLED=true",
		"AWS_ENDPOINT_URL=" + trapURL,
		"HAPIHUB_TABLE=hapihub-coldstart",
		"HAPIHUB_LOCAL=false",
		"HAPIHUB_DYNAMODB_ENDPOINT=" + trapURL,
		"HAPIHUB_SQS_ENDPOINT=" + trapURL,
		"HAPIHUB_APIGATEWAY_ENDPOINT=" + trapURL,
		"HAPIHUB_WEBHOOK_QUEUE_URL=" + trapURL + "/123456789012/webhooks",
		"HAPIHUB_JOB_QUEUE_URL=" + trapURL + "/123456789012/jobs",
		"HAPIHUB_WEBHOOK_RETRY_WINDOW=72h",
		"HAPIHUB_USAGE_PLAN_TEST=plan-test",
		"HAPIHUB_USAGE_PLAN_LIVE=plan-live",
	}
}

// trap is a loopback HTTP server standing in for every AWS endpoint: it answers 503 and records
// each call (the X-Amz-Target, or method and path), so a function that calls AWS at init shows.
type trap struct {
	url string
	srv *http.Server
	mu  sync.Mutex
	got []string
}

func startTrap() (*trap, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	t := &trap{url: "http://" + ln.Addr().String()}
	t.srv = &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		call := r.Header.Get("X-Amz-Target")
		if call == "" {
			call = r.Method + " " + r.URL.Path
		}
		t.mu.Lock()
		t.got = append(t.got, call)
		t.mu.Unlock()
		http.Error(w, "coldstart: no AWS here", http.StatusServiceUnavailable)
	})}
	go func() { _ = t.srv.Serve(ln) }()
	return t, nil
}

func (t *trap) reset() {
	t.mu.Lock()
	t.got = nil
	t.mu.Unlock()
}

func (t *trap) calls() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return appendNew(nil, t.got...)
}

func (t *trap) close() { _ = t.srv.Close() }

// appendNew appends the values of add not already in s.
func appendNew(s []string, add ...string) []string {
	for _, a := range add {
		if !contains(s, a) {
			s = append(s, a)
		}
	}
	return s
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}
