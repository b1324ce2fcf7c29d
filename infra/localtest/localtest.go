// Package localtest starts the whole local platform in-process for end-to-end tests: the
// embedded DynamoDB and SQS on random loopback ports, the table and queues from template.yaml,
// the bootstrapped sandbox account and the gateway over the real functions, served by httptest.
// Tests then speak plain HTTP to it, as a client of the API would.
package localtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/hapihub/hapihub/infra/dynamo"
	"github.com/hapihub/hapihub/infra/local/runner"
	"github.com/hapihub/hapihub/infra/sqs"
	"github.com/hapihub/hapihub/infra/template"
	"github.com/hapihub/hapihub/shared/app/backend"
	"github.com/hapihub/hapihub/shared/sandbox"
	"github.com/hapihub/hapihub/shared/store"
)

// Env is a running local platform.
type Env struct {
	URL     string
	Stack   *runner.Stack
	Store   *store.Store
	TestKey string // sandbox account's test secret key
	PubKey  string // its test publishable key
	LiveKey string // its live secret key (shown once, at bootstrap)
	// DynamoDBEndpoint and SQSEndpoint are the embedded services'.
	DynamoDBEndpoint, SQSEndpoint string
	Client                        *http.Client
	// WaitOut429 makes Do wait out a 429 as its Retry-After says and send the request again, as a
	// client must. Shared sets it: the package's tests share the sandbox account's one test-key
	// budget (25 requests/s), which they test answers through, not the rate limit. Tests of the
	// limit itself start their own platform with New, which leaves it off.
	WaitOut429 bool

	calls   *callCounter
	closers []func()
}

// Options adjust New.
type Options struct {
	Now func() time.Time // the gateway's clock (throttles, authorizer cache)
	Log *slog.Logger     // default: discard, so test output stays readable
	// Sizes of the bootstrapped sandbox and of accounts signed up through the gateway; zero:
	// sandbox.Small, which seeds in a fraction of the time. sandbox.Default is St. Mungo's whole clinic, as make run seeds it (checked by
	// infra/cmd/hapihub's TestRunAndInvoke).
	Sizes sandbox.Sizes
	// DataDir keeps the platform's data there instead of a temporary directory, so a test can
	// stop the platform and start another on the same data (a restart). The caller removes it.
	DataDir string
	// QueueNow is the embedded SQS's clock (message delays, visibility), so delayed retries can
	// be reached without waiting.
	QueueNow func() time.Time
	// Template is the SAM template to run (default: the project's template.yaml), e.g. a copy
	// with a permission taken away.
	Template string
}

// templatePath finds template.yaml from any package directory of the module.
func templatePath() (string, error) {
	_, file, _, _ := runtime.Caller(0)
	p := filepath.Join(filepath.Dir(file), "..", "..", "template.yaml")
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("template.yaml not found at %s: %w", p, err)
	}
	return p, nil
}

// New starts a platform of its own for t and stops it in t.Cleanup. Most tests should use
// Shared: bootstrapping seeds a whole sandbox clinic, which takes seconds.
func New(t testing.TB, opts ...Options) *Env {
	t.Helper()
	env, err := start(opts...)
	if err != nil {
		t.Fatalf("localtest: %v", err)
	}
	t.Cleanup(env.close)
	return env
}

var shared struct {
	once sync.Once
	env  *Env
	err  error
}

// Shared returns the test binary's one platform (sandbox.Small), started on first use. Tests that share it
// create their own objects and must not assume an otherwise untouched sandbox. A package using it
// calls Main from its TestMain so the platform stops when the tests end.
func Shared(t testing.TB) *Env {
	t.Helper()
	shared.once.Do(func() {
		shared.env, shared.err = start()
		if shared.err == nil {
			shared.env.WaitOut429 = true
		}
	})
	if shared.err != nil {
		t.Fatalf("localtest: %v", shared.err)
	}
	return shared.env
}

// Main runs a package's tests and then stops the shared platform: func TestMain(m *testing.M) {
// os.Exit(localtest.Main(m)) }.
func Main(m *testing.M) int {
	code := m.Run()
	if shared.env != nil {
		shared.env.close()
	}
	return code
}

func start(opts ...Options) (_ *Env, err error) {
	var o Options
	if len(opts) > 0 {
		o = opts[0]
	}
	if o.Log == nil {
		o.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if o.Sizes == (sandbox.Sizes{}) {
		o.Sizes = sandbox.Small
	}
	env := &Env{}
	defer func() {
		if err != nil {
			env.close()
		}
	}()
	tplPath := o.Template
	if tplPath == "" {
		if tplPath, err = templatePath(); err != nil {
			return nil, err
		}
	}
	tpl, err := template.Load(tplPath)
	if err != nil {
		return nil, err
	}
	dir := o.DataDir
	if dir == "" {
		if dir, err = os.MkdirTemp("", "hapihub-localtest-"); err != nil {
			return nil, err
		}
		env.closers = append(env.closers, func() { _ = os.RemoveAll(dir) })
	}
	// No fsync: a test never survives a machine crash, and syncing would dominate its time.
	eng, err := dynamo.Open(filepath.Join(dir, "dynamodb"), dynamo.Options{NoSync: true})
	if err != nil {
		return nil, err
	}
	env.closers = append(env.closers, func() { _ = eng.Close() })
	ctx, cancel := context.WithCancel(context.Background())
	env.closers = append(env.closers, cancel)
	if env.DynamoDBEndpoint, err = dynamo.Serve(ctx, "127.0.0.1:0", eng); err != nil {
		return nil, err
	}
	q, err := sqs.Open(filepath.Join(dir, "sqs"), sqs.Options{NoSync: true, Now: o.QueueNow})
	if err != nil {
		return nil, err
	}
	env.closers = append(env.closers, func() { _ = q.Close() })
	if env.SQSEndpoint, err = q.Listen(); err != nil {
		return nil, err
	}
	stack, err := runner.Start(sandbox.WithSizes(ctx, o.Sizes), runner.Options{Template: tpl, DynamoDBEndpoint: env.DynamoDBEndpoint, SQSEndpoint: env.SQSEndpoint, Log: o.Log, Now: o.Now,
		DataDir: filepath.Join(dir, "apigateway")})
	if err != nil {
		return nil, fmt.Errorf("start the runner: %w", err)
	}
	// Each function's calls are judged by its policies in the template, as IAM does on AWS.
	env.calls = &callCounter{next: stack.Policies, n: map[string]int{}}
	eng.SetAuthorizer(env.calls)
	q.SetAuthorizer(stack.Policies)
	// Webhook delivery (SQS poller) and the sweeper's schedule run as under make run; they stop
	// before the queue closes (closers run newest first).
	// The sandbox worker seeds the sizes of the platform, as the bootstrap did.
	sources, err := stack.StartEventSources(sandbox.WithSizes(ctx, o.Sizes))
	if err != nil {
		return nil, err
	}
	env.closers = append(env.closers, sources.Stop, func() { _ = stack.Close() })
	// Accounts created through the gateway (a console sign-up) get the same sandbox size as the
	// bootstrapped one: the whole clinic takes seconds to seed, near the console function's
	// Timeout on a busy machine under -race.
	sizes := o.Sizes
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		stack.Gateway.ServeHTTP(w, r.WithContext(sandbox.WithSizes(r.Context(), sizes)))
	}))
	env.closers = append(env.closers, srv.Close)
	st, err := backend.Store(ctx, stack.Config)
	if err != nil {
		return nil, err
	}
	env.URL, env.Stack, env.Store, env.Client = srv.URL, stack, st, srv.Client()
	env.TestKey, env.PubKey, env.LiveKey = stack.Bootstrap.TestSecretKey, stack.Bootstrap.TestPublishableKey, stack.Bootstrap.LiveSecretKey
	return env, nil
}

// Close stops the platform now, as a crash or Ctrl-C of make run would: nothing it acknowledged
// is lost, and a platform started on the same DataDir carries on. New's cleanup calls it too.
func (e *Env) Close() { e.close() }

// close stops everything start started, newest first.
func (e *Env) close() {
	for i := len(e.closers) - 1; i >= 0; i-- {
		e.closers[i]()
	}
	e.closers = nil
}

// Response is an HTTP response with its body read.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body as an object (numbers as float64), failing the test if it is not one.
func (r *Response) JSON(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("localtest: response is not a JSON object (%d): %s", r.Status, r.Body)
	}
	return m
}

// Do sends a request. key is sent as a Bearer token when non-empty; body is JSON-encoded unless it
// is a string or []byte (sent as is). headers are name, value pairs.
func (e *Env) Do(t testing.TB, method, path, key string, body any, headers ...string) *Response {
	t.Helper()
	var payload []byte
	switch b := body.(type) {
	case nil:
	case string:
		payload = []byte(b)
	case []byte:
		payload = b
	default:
		j, err := json.Marshal(b)
		if err != nil {
			t.Fatalf("localtest: encode body: %v", err)
		}
		payload = j
	}
	for attempt := 0; ; attempt++ {
		r := e.doOnce(t, method, path, key, body != nil, payload, headers)
		if !e.WaitOut429 || r.Status != http.StatusTooManyRequests || attempt == 40 {
			return r
		}
		secs, err := strconv.Atoi(r.Header.Get("Retry-After"))
		if err != nil {
			return r // a 429 without a usable Retry-After is the test's to see
		}
		time.Sleep(max(time.Duration(secs)*time.Second/4, 50*time.Millisecond))
	}
}

func (e *Env) doOnce(t testing.TB, method, path, key string, hasBody bool, payload []byte, headers []string) *Response {
	t.Helper()
	var rd io.Reader
	if hasBody {
		rd = bytes.NewReader(payload)
	}
	req, err := http.NewRequest(method, e.URL+path, rd)
	if err != nil {
		t.Fatalf("localtest: %v", err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := e.Client.Do(req)
	if err != nil {
		t.Fatalf("localtest: %s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("localtest: read body: %v", err)
	}
	return &Response{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

// callCounter counts the embedded DynamoDB's calls by caller and action while judging each by
// the template's policies (it wraps them), so a test can say which calls a request makes.
type callCounter struct {
	next dynamo.Authorizer
	mu   sync.Mutex
	n    map[string]int
}

func (c *callCounter) Authorize(accessKeyID, action, resource string) (string, bool) {
	principal, ok := c.next.Authorize(accessKeyID, action, resource)
	c.mu.Lock()
	c.n[principal+" "+action]++
	c.mu.Unlock()
	return principal, ok
}

// DynamoDBCalls returns the embedded DynamoDB's calls since the last call of it, by "<caller's
// principal> <action>" (e.g. the patients function's role and "dynamodb:GetItem"), and starts
// counting afresh.
func (e *Env) DynamoDBCalls() map[string]int {
	e.calls.mu.Lock()
	defer e.calls.mu.Unlock()
	out := e.calls.n
	e.calls.n = map[string]int{}
	return out
}
