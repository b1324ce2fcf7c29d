package lambdaruntime_test

// The emulator follows the Runtime API as AWS documents it:
// https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html
// (GET /runtime/invocation/next answers 200 with the event and the Lambda-Runtime-* headers;
// POST .../{AwsRequestId}/response, .../{AwsRequestId}/error and /runtime/init/error answer 202;
// a response over 6 MB is refused with 413). The reference client is aws-lambda-go itself: a
// real bootstrap built by `make build`'s flags answers invocations through it.

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/infra/lambdaruntime"
)

func buildHello(t *testing.T) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "bootstrap")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	require.NoError(t, lambdaruntime.Build(ctx, "../..", "./infra/cmd/coldstart/hello", out, runtime.GOARCH))
	return out
}

func TestHelloBinaryAnswersInvocations(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the bootstrap is built for linux")
	}
	p, err := lambdaruntime.StartProcess(buildHello(t), []string{"PATH=" + os.Getenv("PATH")})
	require.NoError(t, err)
	defer p.Stop()

	init, err := p.WaitInit(time.Minute)
	require.NoError(t, err)
	assert.Positive(t, init, "init is measured from process start to the first /next")

	res, err := p.API.Invoke([]byte(`{"name":"clinic"}`))
	require.NoError(t, err)
	assert.Nil(t, res.Err)
	assert.JSONEq(t, `"hello clinic"`, string(res.Payload))

	// The handler's error goes to .../{AwsRequestId}/error with the documented body.
	res, err = p.API.Invoke([]byte(`{}`))
	require.NoError(t, err)
	require.NotNil(t, res.Err)
	assert.Equal(t, "hello: name is required", res.Err.Message)
	assert.NotEmpty(t, res.Err.Type)

	// The environment is reused: a third invocation on the same process still answers.
	res, err = p.API.Invoke([]byte(`{"name":"again"}`))
	require.NoError(t, err)
	assert.JSONEq(t, `"hello again"`, string(res.Payload))
}

func TestProcessThatExitsDuringInitIsReported(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("uses /bin/sh")
	}
	script := filepath.Join(t.TempDir(), "bootstrap")
	require.NoError(t, os.WriteFile(script, []byte("#!/bin/sh\necho 'config: HAPIHUB_TABLE is not set' >&2\nexit 1\n"), 0o755))
	p, err := lambdaruntime.StartProcess(script, nil)
	require.NoError(t, err)
	defer p.Stop()
	_, err = p.WaitInit(time.Minute)
	require.ErrorIs(t, err, lambdaruntime.ErrExited)
	assert.Contains(t, err.Error(), "HAPIHUB_TABLE is not set", "the function's own output explains the failure")
}

func TestRuntimeAPIDocumentedAnswers(t *testing.T) {
	s, err := lambdaruntime.Start()
	require.NoError(t, err)
	defer s.Close()
	base := "http://" + s.Addr() + "/2018-06-01/runtime"

	post := func(path, body string, header map[string]string) *http.Response {
		t.Helper()
		req, err := http.NewRequest(http.MethodPost, base+path, strings.NewReader(body))
		require.NoError(t, err)
		for k, v := range header {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		return resp
	}

	// An invocation is handed to /next with its request id and deadline headers.
	s.Timeout = 3 * time.Second
	results := make(chan lambdaruntime.Result, 1)
	go func() {
		r, err := s.Invoke([]byte(`{"a":1}`))
		if err == nil {
			results <- r
		}
	}()
	resp, err := http.Get(base + "/invocation/next")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	id := resp.Header.Get("Lambda-Runtime-Aws-Request-Id")
	require.NotEmpty(t, id)
	deadline := time.UnixMilli(mustInt(t, resp.Header.Get("Lambda-Runtime-Deadline-Ms")))
	assert.WithinDuration(t, time.Now().Add(3*time.Second), deadline, 2*time.Second)
	assert.NotEmpty(t, resp.Header.Get("Lambda-Runtime-Invoked-Function-Arn"))
	assert.NotEmpty(t, resp.Header.Get("Lambda-Runtime-Trace-Id"))
	assert.False(t, s.FirstNext().IsZero())

	// A response over 6 MB: 413.
	big := strings.Repeat("x", lambdaruntime.MaxResponseBytes+1)
	assert.Equal(t, http.StatusRequestEntityTooLarge, post("/invocation/"+id+"/response", big, nil).StatusCode)
	r := <-results
	require.NotNil(t, r.Err)

	// An unknown request id: 400.
	assert.Equal(t, http.StatusBadRequest, post("/invocation/no-such-id/response", `"x"`, nil).StatusCode)
	assert.Equal(t, http.StatusBadRequest, post("/invocation/no-such-id/error", `{}`, nil).StatusCode)

	// Wrong method on /next: 405.
	assert.Equal(t, http.StatusMethodNotAllowed, post("/invocation/next", "", nil).StatusCode)

	// /runtime/init/error: 202, and the error is kept with its header type.
	resp = post("/init/error", `{"errorMessage":"no table","errorType":"InitError","stackTrace":[]}`,
		map[string]string{"Lambda-Runtime-Function-Error-Type": "Unhandled"})
	assert.Equal(t, http.StatusAccepted, resp.StatusCode)
	select {
	case <-s.InitErrorSeen():
	case <-time.After(time.Second):
		t.Fatal("init error not recorded")
	}
	ie := s.InitError()
	require.NotNil(t, ie)
	assert.Equal(t, "no table", ie.Message)
	assert.Equal(t, "InitError", ie.Type)
	assert.Equal(t, "Unhandled", ie.HeaderType)
}

func mustInt(t *testing.T, s string) int64 {
	t.Helper()
	var n int64
	for _, c := range s {
		require.True(t, c >= '0' && c <= '9', "Lambda-Runtime-Deadline-Ms is Unix milliseconds, got %q", s)
		n = n*10 + int64(c-'0')
	}
	return n
}
