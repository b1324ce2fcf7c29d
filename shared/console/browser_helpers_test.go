package console_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/infra/browsertest"
)

// pageProblems collects what a person would see in the DevTools console: uncaught exceptions,
// console.error calls and browser log errors (a CSP violation, a failed asset). A product page
// has none, so the test fails on any.
type pageProblems struct {
	mu      sync.Mutex
	msgs    []string
	dialogs []string
}

// watchPage subscribes to the tab's console and accepts the confirm dialogs of forms with
// data-confirm, as a person who means to do the action would. Call it before the first Open.
func watchPage(t *testing.T, ctx context.Context) *pageProblems {
	t.Helper()
	p := &pageProblems{}
	lctx, cancel := context.WithCancel(ctx)
	t.Cleanup(cancel)
	msgs := chromedp.Console(lctx)
	go func() {
		for m, err := range msgs {
			if err != nil {
				return
			}
			if m.Type != chromedp.ConsoleError && m.Type != chromedp.ConsoleException {
				continue
			}
			p.mu.Lock()
			p.msgs = append(p.msgs, fmt.Sprintf("%s at %s:%d", m, m.URL, m.Line))
			p.mu.Unlock()
		}
	}()
	dialogs := chromedp.Events(lctx, page.JavascriptDialogOpening)
	go func() {
		for d, err := range dialogs {
			if err != nil {
				return
			}
			p.mu.Lock()
			p.dialogs = append(p.dialogs, d.Message)
			p.mu.Unlock()
			if _, err := chromedp.Call(lctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true}); err != nil && lctx.Err() == nil {
				p.mu.Lock()
				p.msgs = append(p.msgs, "accept dialog: "+err.Error())
				p.mu.Unlock()
			}
		}
	}()
	return p
}

// check fails t with the page problems seen so far, naming the step.
func (p *pageProblems) check(t *testing.T, step string) {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.msgs) > 0 {
		t.Errorf("%s: the browser's console shows errors:\n%s", step, strings.Join(p.msgs, "\n"))
		p.msgs = nil
	}
}

// expected drops the problems seen so far that contain what (a 404 the step meant to cause);
// the others stay for the next check.
func (p *pageProblems) expected(what string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var keep []string
	for _, m := range p.msgs {
		if !strings.Contains(m, what) {
			keep = append(keep, m)
		}
	}
	p.msgs = keep
}

// lastDialog is the message of the last confirm dialog the page opened.
func (p *pageProblems) lastDialog() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.dialogs) == 0 {
		return ""
	}
	return p.dialogs[len(p.dialogs)-1]
}

// cookie reads a cookie as the browser stored it (flags included) for url.
func cookie(t *testing.T, ctx context.Context, url, name string) *network.Cookie {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, browsertest.StepTimeout)
	defer cancel()
	res, err := chromedp.Call(sctx, network.GetCookies, network.GetCookiesParams{URLs: []string{url}})
	require.NoError(t, err, "read cookies")
	for _, c := range res.Cookies {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// evalString runs a JavaScript expression on the page and returns its string value.
func evalString(t *testing.T, ctx context.Context, what, js string) string {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, browsertest.StepTimeout)
	defer cancel()
	v, err := chromedp.Run(sctx, chromedp.Evaluate[string](js))
	require.NoError(t, err, what)
	return v
}

// clickIn clicks the element matching css (a row's button, where the page repeats labels) and
// waits for the page the click loads.
func clickIn(t *testing.T, ctx context.Context, css string) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, browsertest.StepTimeout)
	defer cancel()
	_, err := chromedp.RunResponse(sctx, chromedp.Click(chromedp.CSS(css), chromedp.NodeVisible))
	require.NoError(t, err, "click %s", css)
}

// curlLine is a curl command as the home page shows it.
var curlLine = regexp.MustCompile(`^curl '([^']+)' -H 'Authorization: Bearer ([^']+)'$`)

// curl runs a one-line curl command of the form the console prints (a URL and an
// Authorization header) as curl would, returning the status and the decoded JSON body.
func curl(t *testing.T, line string) (int, map[string]any) {
	t.Helper()
	m := curlLine.FindStringSubmatch(strings.TrimSpace(line))
	require.NotNil(t, m, "a curl line with a URL and a Bearer key: %q", line)
	return apiCall(t, http.MethodGet, m[1], m[2], "")
}

// apiCall sends one request to the API as a client would.
func apiCall(t *testing.T, method, url, key, body string) (int, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+key)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err, "%s %s", method, url)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	var out map[string]any
	if len(raw) > 0 {
		require.NoError(t, json.Unmarshal(raw, &out), "%s %s answered %d: %s", method, url, resp.StatusCode, raw)
	}
	return resp.StatusCode, out
}

// waitFor polls cond every 200 ms until it holds or d passes: a delivery goes through the
// queue and the dispatcher, which take their time on a busy machine.
func waitFor(d time.Duration, cond func() bool) error {
	deadline := time.Now().Add(d)
	for {
		if cond() {
			return nil
		}
		if time.Now().After(deadline) {
			return errors.New("timed out")
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
