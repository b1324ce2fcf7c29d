package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	apigw "github.com/aws/aws-sdk-go-v2/service/apigateway"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/infra/local/runner"
	"github.com/hapihub/hapihub/infra/template"
	"github.com/hapihub/hapihub/shared/sandbox"
)

const templatePath = "../../../template.yaml"

func init() { noSync = true }

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

// invokeEvents replays every sample event on dir: each answer must be well-formed and not a 5xx.
// The first goes through the `hapihub invoke` command as `make invoke` runs it; the rest through
// the same path (runner.Stack.Invoke) on one opened stack, to keep the test short. The function of
// a file is the longest function name the file name starts with (patients-find.json -> patients).
func invokeEvents(t *testing.T, dir string) {
	tpl, err := template.Load(templatePath)
	require.NoError(t, err)
	files, err := filepath.Glob("../../../events/*.json")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	var stack *runner.Stack
	for i, f := range files {
		name := filepath.Base(f)
		if i == 1 {
			stack = openStack(t, tpl, dir) // after the command has closed the data dir
		}
		t.Run(name, func(t *testing.T) {
			function := ""
			for _, fn := range tpl.Functions {
				if strings.HasPrefix(name, fn.Name+"-") || name == fn.Name+".json" {
					if len(fn.Name) > len(function) {
						function = fn.Name
					}
				}
			}
			require.NotEmpty(t, function, "no function in the template for %s", name)
			var out bytes.Buffer
			if i == 0 {
				// No -data-dir: invoke uses HAPIHUB_DATA_DIR, the data run left.
				err := run(context.Background(), []string{"invoke", "-template", templatePath, "-function", function, "-event", f},
					env(map[string]string{"HAPIHUB_DATA_DIR": dir}), &out, io.Discard, nil)
				require.NoError(t, err)
			} else {
				event, err := os.ReadFile(f)
				require.NoError(t, err)
				res, err := stack.Invoke(context.Background(), function, event, true)
				require.NoError(t, err)
				out.Write(res)
			}
			require.True(t, json.Valid(out.Bytes()), out.String())
			var kind struct {
				Type       string `json:"type"`
				HTTPMethod string `json:"httpMethod"`
			}
			src, err := os.ReadFile(f)
			require.NoError(t, err)
			require.NoError(t, json.Unmarshal(src, &kind))
			switch {
			case kind.Type == "REQUEST" || kind.Type == "TOKEN":
				var resp events.APIGatewayCustomAuthorizerResponse
				require.NoError(t, json.Unmarshal(out.Bytes(), &resp), out.String())
				require.NotEmpty(t, resp.PolicyDocument.Statement)
				assert.Equal(t, "Allow", resp.PolicyDocument.Statement[0].Effect, "the sandbox key is allowed")
				assert.NotEmpty(t, resp.UsageIdentifierKey)
			case kind.HTTPMethod != "":
				var resp events.APIGatewayProxyResponse
				require.NoError(t, json.Unmarshal(out.Bytes(), &resp), out.String())
				assert.GreaterOrEqual(t, resp.StatusCode, 200)
				assert.Less(t, resp.StatusCode, 500, resp.Body)
				assert.True(t, json.Valid([]byte(resp.Body)) || resp.StatusCode == 204, "body is JSON: %s", resp.Body)
			}
		})
	}
}

// openStack opens the services on dir and the stack over them, as invoke does, until t ends.
func openStack(t *testing.T, tpl *template.Template, dir string) *runner.Stack {
	t.Helper()
	svc, err := startServices(context.Background(), dir, "", "")
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, svc.close()) })
	stack, err := runner.Start(context.Background(), runner.Options{Template: tpl, DynamoDBEndpoint: svc.dynamoEndpoint,
		SQSEndpoint: svc.sqsEndpoint, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	require.NoError(t, err)
	return stack
}

func TestConsolePath(t *testing.T) {
	const base = `
Resources:
  Api: {Type: AWS::Serverless::Api, Properties: {StageName: v1}}
  OpenapiFunction:
    Type: AWS::Serverless::Function
    Properties:
      Events:
        Doc: {Type: Api, Properties: {RestApiId: !Ref Api, Path: /openapi.json, Method: GET}}
`
	const console = `
  ConsoleFunction:
    Type: AWS::Serverless::Function
    Properties:
      Events:
        Pages: {Type: Api, Properties: {RestApiId: !Ref Api, Path: "/console/{proxy+}", Method: ANY}}
        Root: {Type: Api, Properties: {RestApiId: !Ref Api, Path: /console, Method: ANY}}
`
	for _, c := range []struct {
		src  string
		want string
		ok   bool
	}{
		{base, "", false},
		{base + console, "/console", true},
	} {
		tpl, err := template.Parse([]byte(c.src))
		require.NoError(t, err)
		got, ok := consolePath(tpl)
		assert.Equal(t, c.ok, ok)
		assert.Equal(t, c.want, got)
	}
}

func TestInvokeErrors(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"invoke"}, "usage"},
		{[]string{"invoke", "-template", templatePath, "-function", "nope", "-event", "../../../events/authorizer.json"}, `no function "nope"`},
		{[]string{"invoke", "-template", templatePath, "-function", "patients", "-event", "missing.json"}, "read event"},
		{[]string{"invoke", "-template", "missing.yaml", "-function", "patients", "-event", "../../../events/authorizer.json"}, "missing.yaml"},
		{[]string{"frobnicate"}, "unknown command"},
		{nil, "usage"},
	}
	for _, c := range cases {
		err := run(context.Background(), c.args, env(nil), io.Discard, io.Discard, nil)
		assert.ErrorContains(t, err, c.want, "%v", c.args)
	}
}

// lines collects what run prints, safe to read while run writes.
type lines struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lines) Write(p []byte) (int, error) { l.mu.Lock(); defer l.mu.Unlock(); return l.b.Write(p) }
func (l *lines) values() map[string]string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(l.b.Bytes()))
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), "="); ok {
			out[k] = v
		} else if k, v, ok := strings.Cut(sc.Text(), ": "); ok {
			out[k] = v // a line for people, such as "Console: <url>"
		}
	}
	return out
}

// startRun runs `hapihub run` until the returned stop is called.
func startRun(t *testing.T, dir string) (url string, printed map[string]string, stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out := &lines{}
	urls := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"run", "-template", templatePath}, env(map[string]string{"HAPIHUB_DATA_DIR": dir, "PORT": "0"}),
			out, io.Discard, func(u string) { urls <- u })
	}()
	// Start-up is waited for however long it takes: it seeds a whole sandbox, which took over
	// 180 s under -race on a 2-core machine at load 20. A hang is go test's -timeout's to report
	// (with every goroutine's stack).
	start := time.Now()
	select {
	case url = <-urls:
	case err := <-done:
		cancel()
		t.Fatalf("run ended before listening: %v", err)
	}
	t.Logf("run listened after %s", time.Since(start).Round(time.Millisecond))
	return url, out.values(), func() error { cancel(); return <-done }
}

func request(t *testing.T, method, url, key, body string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+key)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var out map[string]any
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &out), string(b))
	return resp.StatusCode, out
}

// TestRunAndInvoke starts the whole stack, uses it over HTTP with the printed key, stops it and
// starts it again on the same data (the account and the data survive, the live key is not shown
// again), then replays the sample events on that data. One data dir: the sandbox is seeded once.
func TestRunAndInvoke(t *testing.T) {
	dir := t.TempDir()
	url, printed, stop := startRun(t, dir)
	assert.Equal(t, url, printed["HAPIHUB_API_URL"])
	assert.Equal(t, url+"/console", printed["Console"], "the console's address is printed")
	key := printed["HAPIHUB_TEST_SECRET_KEY"]
	require.True(t, strings.HasPrefix(key, "sk_test_"), "printed test key: %v", printed)
	assert.True(t, strings.HasPrefix(printed["HAPIHUB_TEST_PUBLISHABLE_KEY"], "pk_test_"))
	assert.True(t, strings.HasPrefix(printed["HAPIHUB_LIVE_SECRET_KEY"], "sk_live_"), "first start shows the live key")
	assert.True(t, strings.HasPrefix(printed["HAPIHUB_DYNAMODB_ENDPOINT"], "http://127.0.0.1:"))
	assert.True(t, strings.HasPrefix(printed["HAPIHUB_SQS_ENDPOINT"], "http://127.0.0.1:"))
	link := signInLinkKept(t, dir, url, printed)
	// The first start seeds St. Mungo's whole clinic (other tests seed smaller sandboxes).
	for res, n := range map[string]int{"patients": sandbox.Default.Patients, "practitioners": sandbox.Default.Practitioners,
		"appointments": sandbox.Default.Appointments, "messages": sandbox.Default.Messages, "invoices": sandbox.Default.Invoices} {
		status, body := request(t, "GET", url+"/"+res+"?$limit=0", key, "")
		require.Equal(t, 200, status, body)
		assert.EqualValues(t, n, body["total"], "%s in the first start's sandbox", res)
	}

	status, created := request(t, "POST", url+"/patients", key, `{"firstName":"Luna","lastName":"Lovegood"}`)
	require.Equal(t, 201, status, created)
	id, _ := created["id"].(string)
	require.NotEmpty(t, id)
	status, body := request(t, "GET", url+"/patients", "sk_test_wrong", "")
	assert.Equal(t, 401, status)
	assert.Equal(t, "AUTH_ERROR", body["name"])
	usagePlanKeysListed(t, printed["HAPIHUB_APIGATEWAY_ENDPOINT"])
	require.NoError(t, stop())
	_, err := os.Stat(filepath.Join(dir, SignInFile))
	assert.ErrorIs(t, err, os.ErrNotExist, "the sign-in link's file goes with the runner")

	url2, printed2, stop2 := startRun(t, dir)
	assert.NotEqual(t, link, signInLinkKept(t, dir, url2, printed2), "each start has a link of its own")
	assert.Equal(t, key, printed2["HAPIHUB_TEST_SECRET_KEY"], "the same sandbox account after a restart")
	usagePlanKeysListed(t, printed2["HAPIHUB_APIGATEWAY_ENDPOINT"])
	assert.NotContains(t, printed2, "HAPIHUB_LIVE_SECRET_KEY", "a live key is shown once")
	status, got := request(t, "GET", url2+"/patients/"+id, key, "")
	assert.Equal(t, 200, status, got)
	assert.Equal(t, "Luna", got["firstName"], "the patient created before the restart is there")

	// A reset of the whole clinic answers 202 at once and runs on the job queue; polling shows it
	// finish with St. Mungo's full counts (the patient created above is gone).
	start := time.Now()
	status, job := request(t, "POST", url2+"/sandbox/reset", key, "")
	require.Equal(t, 202, status, job)
	t.Logf("POST /sandbox/reset answered 202 in %s", time.Since(start).Round(time.Millisecond))
	// Polled until it finishes, however long the machine takes (4m50s under -race at load 20;
	// a 5-minute bound failed there). Meanwhile its progress only moves forward: a second attempt
	// (the worker failed or outlived its Timeout) would start its steps again. A hang is go
	// test's -timeout's to report.
	done := 0.0
	for {
		status, job = request(t, "GET", url2+"/sandbox/reset", key, "")
		require.Equal(t, 200, status, job)
		if job["status"] == "succeeded" {
			break
		}
		require.Contains(t, []any{"queued", "running"}, job["status"], job)
		progress, _ := job["progress"].(map[string]any)
		require.GreaterOrEqual(t, progress["done"], done, "the reset runs once, forward: %v", job)
		done = progress["done"].(float64)
		time.Sleep(250 * time.Millisecond)
	}
	t.Logf("the reset finished %s after it was asked for", time.Since(start).Round(time.Second))
	for res, n := range map[string]int{"patients": sandbox.Default.Patients, "practitioners": sandbox.Default.Practitioners,
		"appointments": sandbox.Default.Appointments, "messages": sandbox.Default.Messages, "invoices": sandbox.Default.Invoices} {
		status, body := request(t, "GET", url2+"/"+res+"?$limit=0", key, "")
		require.Equal(t, 200, status, body)
		assert.EqualValues(t, n, body["total"], "%s after the reset", res)
		assert.EqualValues(t, n, job["seeded"].(map[string]any)[res], "%s the reset reports", res)
	}
	status, _ = request(t, "GET", url2+"/patients/"+id, key, "")
	assert.Equal(t, 404, status, "the reset removed the patient made since")
	require.NoError(t, stop2())

	invokeEvents(t, dir)
}

// signInLinkKept checks the console sign-in link printed (infra/local/runner/signin.go) is the
// one kept for make console-link in the data directory, readable by its owner only, and returns it.
func signInLinkKept(t *testing.T, dir, url string, printed map[string]string) string {
	t.Helper()
	link := printed["Console sign-in"]
	require.True(t, strings.HasPrefix(link, url+"/console/local-sign-in/"), "printed sign-in link: %v", printed)
	file := filepath.Join(dir, SignInFile)
	kept, err := os.ReadFile(file)
	require.NoError(t, err)
	assert.Equal(t, link+"\n", string(kept), "make console-link prints the printed link until it is used")
	fi, err := os.Stat(file)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm(), "a sign-in link is a credential")
	resp, err := http.Get(link)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode, "the link's page")
	return link
}

// usagePlanKeysListed is `aws apigateway get-api-keys --include-values` and `get-usage-plan-keys`
// against the printed endpoint, with the unmodified SDK: one enabled key per account and mode,
// each attached to its mode's plan (the sandbox account: test and live).
func usagePlanKeysListed(t *testing.T, endpoint string) {
	t.Helper()
	require.True(t, strings.HasPrefix(endpoint, "http://127.0.0.1:"), "printed HAPIHUB_APIGATEWAY_ENDPOINT: %q", endpoint)
	ctx := context.Background()
	c := apigw.New(apigw.Options{Region: "us-east-1", BaseEndpoint: aws.String(endpoint),
		Credentials: credentials.NewStaticCredentialsProvider("local", "local", "")})
	keys, err := c.GetApiKeys(ctx, &apigw.GetApiKeysInput{IncludeValues: aws.Bool(true)})
	require.NoError(t, err)
	byID := map[string]string{}
	for _, k := range keys.Items {
		assert.True(t, k.Enabled, aws.ToString(k.Name))
		byID[aws.ToString(k.Id)] = aws.ToString(k.Name)
	}
	require.Len(t, keys.Items, 2, "one key per mode of the one account")
	plans, err := c.GetUsagePlans(ctx, &apigw.GetUsagePlansInput{})
	require.NoError(t, err)
	attached := 0
	for _, p := range plans.Items {
		pk, err := c.GetUsagePlanKeys(ctx, &apigw.GetUsagePlanKeysInput{UsagePlanId: p.Id})
		require.NoError(t, err)
		for _, k := range pk.Items {
			mode := strings.TrimPrefix(aws.ToString(p.Name), "hapihub-")
			assert.True(t, strings.HasSuffix(byID[aws.ToString(k.Id)], "-"+mode), "key %s in plan %s", byID[aws.ToString(k.Id)], aws.ToString(p.Name))
			attached++
		}
	}
	assert.Equal(t, 2, attached)
}
