// Package browsertest drives a real headless Chromium over the DevTools protocol (chromedp) for
// end-to-end tests of the web console: Start gives a test its own browser, the helpers do the
// common steps (open a page, fill a field by name, click by visible text, wait for text, read
// text) and fail the test with the page's address and text when a step does not happen, and
// Screenshot saves full-page PNGs for the docs when HAPIHUB_SCREENSHOTS names a directory.
//
// Chromium comes from $HAPIHUB_CHROMIUM or /usr/bin/chromium. Without it a test is skipped with
// an install hint, except under CI=true, where the CI script installs it and its absence fails.
package browsertest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// DefaultChromium is where Debian and Ubuntu's chromium package puts the browser.
const DefaultChromium = "/usr/bin/chromium"

// Width and Height are the browser window's size, so screenshots have the same width everywhere.
const (
	Width  = 1280
	Height = 900
)

// StepTimeout bounds each helper's step: long enough for a page that calls the API a few times
// on a busy 2-core machine, short enough that a step that never happens fails the test quickly.
var StepTimeout = 15 * time.Second

// startTimeout bounds the browser's launch.
const startTimeout = 30 * time.Second

// chromium finds the browser: $HAPIHUB_CHROMIUM (a path, or a name looked up in PATH) or
// DefaultChromium.
func chromium() (string, error) {
	p := os.Getenv("HAPIHUB_CHROMIUM")
	if p == "" {
		p = DefaultChromium
	}
	found, err := exec.LookPath(p)
	if err != nil {
		return p, fmt.Errorf("no Chromium at %s: %w", p, err)
	}
	return found, nil
}

// Start launches a headless Chromium for t, with a fresh profile, and returns the context of its
// first tab; the browser is closed and the profile removed when t ends. Without Chromium it skips
// t (install hint), or fails it when CI=true.
func Start(t testing.TB) context.Context {
	t.Helper()
	path, err := chromium()
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("browsertest: %v (CI installs it: see .ci/run)", err)
		}
		t.Skipf("browsertest: %v; install it (apt-get install chromium) or set HAPIHUB_CHROMIUM", err)
	}
	profile, err := os.MkdirTemp("", "hapihub-chromium-")
	if err != nil {
		t.Fatalf("browsertest: profile directory: %v", err)
	}
	// chromedp reports protocol trouble through errorf, from its own goroutines: keep that in the
	// test's log while the test runs, and drop what comes after it ended.
	var mu sync.Mutex
	ended := false
	errorf := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		if !ended {
			t.Logf("chromium: "+format, args...)
		}
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox, // containers and CI run as root, where Chromium's sandbox cannot start
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.WindowSize(Width, Height),
		chromedp.UserDataDir(profile),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx, chromedp.WithErrorf(errorf))
	t.Cleanup(func() {
		cctx, ccancel := context.WithTimeout(ctx, 10*time.Second)
		_ = chromedp.Cancel(cctx) // a graceful close; the cancels below stop it regardless
		ccancel()
		cancel()
		cancelAlloc() // waits for the process to exit, so the profile is no longer in use
		mu.Lock()
		ended = true
		mu.Unlock()
		if err := os.RemoveAll(profile); err != nil {
			t.Errorf("browsertest: remove profile: %v", err)
		}
	})
	// The first Run launches the browser; it must not carry a timeout (that would end the
	// browser with it), so the launch is bounded from outside.
	launched := make(chan error, 1)
	go func() { launched <- chromedp.Do(ctx) }()
	select {
	case err := <-launched:
		if err != nil {
			t.Fatalf("browsertest: start %s: %v", path, err)
		}
	case <-time.After(startTimeout):
		cancel()
		t.Fatalf("browsertest: %s did not start within %s", path, startTimeout)
	}
	return ctx
}

// Screenshot saves a full-page PNG of the current page as $HAPIHUB_SCREENSHOTS/<name>.png; it
// does nothing when that variable is unset (ordinary test runs). `make screenshots` sets it.
func Screenshot(t testing.TB, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv("HAPIHUB_SCREENSHOTS")
	if dir == "" {
		return
	}
	if name == "" || name != filepath.Base(name) || strings.HasPrefix(name, ".") {
		t.Fatalf("browsertest: screenshot name %q must be a plain file name", name)
	}
	png := step(t, ctx, "screenshot "+name, chromedp.FullScreenshot(100))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("browsertest: screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Fatalf("browsertest: screenshot %s: %v", name, err)
	}
}

// Open loads url and waits for the page's load event.
func Open(t testing.TB, ctx context.Context, url string) {
	t.Helper()
	step(t, ctx, "open "+url, void(chromedp.Navigate(url)))
}

// Fill types value into the first visible form field named name (input or textarea: cleared
// first, then typed key by key, as a person would) or chooses it in a select (and in inputs
// people do not type into, such as date pickers).
func Fill(t testing.TB, ctx context.Context, name, value string) {
	t.Helper()
	step(t, ctx, "fill "+name, void(chromedp.QueryAfter(firstVisible(fieldSelector(name)),
		func(ctx context.Context, tg *chromedp.Target, nodes []*chromedp.Node) (chromedp.Void, error) {
			n := nodes[0]
			sel := chromedp.NodeIDs{n.NodeID}
			if n.NodeName == "SELECT" || n.NodeName == "INPUT" && setOnly[n.AttributeValue("type")] {
				return chromedp.SetValue(sel, value)(ctx, tg)
			}
			if _, err := chromedp.Clear(sel)(ctx, tg); err != nil {
				return chromedp.Void{}, err
			}
			return chromedp.SendKeys(sel, value)(ctx, tg)
		}, chromedp.NodeVisible)))
}

// setOnly are input types whose value is picked rather than typed.
var setOnly = map[string]bool{"date": true, "datetime-local": true, "time": true, "month": true, "week": true, "color": true, "range": true}

// Check ticks the first visible checkbox or radio button named name with the given value (any
// value when value is empty), unless it is ticked already.
func Check(t testing.TB, ctx context.Context, name, value string) {
	t.Helper()
	css := `input[name=` + cssString(name) + `]`
	if value != "" {
		css += `[value=` + cssString(value) + `]`
	}
	step(t, ctx, "check "+css, void(chromedp.QueryAfter(firstVisible(css),
		func(ctx context.Context, tg *chromedp.Target, nodes []*chromedp.Node) (chromedp.Void, error) {
			sel := chromedp.NodeIDs{nodes[0].NodeID}
			checked, err := chromedp.JavascriptAttribute[bool](sel, "checked")(ctx, tg)
			if err != nil || checked {
				return chromedp.Void{}, err
			}
			return chromedp.Click(sel)(ctx, tg)
		}, chromedp.NodeVisible)))
}

// Click clicks the first visible link, button, submit input or summary whose text (or value) is
// text, white space collapsed; it does not wait for a page the click may load (Submit does).
func Click(t testing.TB, ctx context.Context, text string) {
	t.Helper()
	step(t, ctx, fmt.Sprintf("click %q", text), chromedp.Click(clickable(text), chromedp.NodeVisible))
}

// Submit clicks like Click and waits for the page the click loads (after any redirects),
// returning its HTTP status.
func Submit(t testing.TB, ctx context.Context, text string) int {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, StepTimeout)
	defer cancel()
	resp, err := chromedp.RunResponse(sctx, chromedp.Click(clickable(text), chromedp.NodeVisible))
	if err != nil {
		t.Fatalf("browsertest: submit %q: %v\n%s", text, err, whereAmI(ctx))
	}
	return int(resp.Status)
}

// WaitVisible waits until the element matching the CSS selector is visible.
func WaitVisible(t testing.TB, ctx context.Context, css string) {
	t.Helper()
	step(t, ctx, "wait for "+css, void(chromedp.WaitVisible(chromedp.CSS(css))))
}

// WaitText waits until the page's visible text contains text. It keeps trying across page
// loads, so it can follow a click that navigates.
func WaitText(t testing.TB, ctx context.Context, text string) {
	t.Helper()
	step(t, ctx, fmt.Sprintf("wait for text %q", text), chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		for {
			// Errors are expected while a page is replaced; the step's deadline ends the wait.
			body, err := chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`)(ctx, tg)
			if err == nil && strings.Contains(body, text) {
				return nil
			}
			select {
			case <-ctx.Done():
				if err == nil {
					err = errors.New("text not on the page")
				}
				return fmt.Errorf("%w (last: %v)", ctx.Err(), err)
			case <-time.After(50 * time.Millisecond):
			}
		}
	}))
}

// Text returns the visible text of the first element matching the CSS selector, once visible.
func Text(t testing.TB, ctx context.Context, css string) string {
	t.Helper()
	return strings.TrimSpace(step(t, ctx, "text of "+css, chromedp.Text(chromedp.CSS(css), chromedp.NodeVisible)))
}

// Location returns the current page's URL.
func Location(t testing.TB, ctx context.Context) string {
	t.Helper()
	return step(t, ctx, "location", chromedp.Location())
}

// Do runs chromedp actions as one step, for what the helpers do not cover.
func Do(t testing.TB, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	step(t, ctx, what, chromedp.Steps(actions...))
}

// step runs one action within StepTimeout and fails t with where the browser was when it does
// not succeed.
func step[T any](t testing.TB, ctx context.Context, what string, a chromedp.Action[T]) T {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, StepTimeout)
	defer cancel()
	v, err := chromedp.Run(sctx, a)
	if err != nil {
		t.Fatalf("browsertest: %s: %v\n%s", what, err, whereAmI(ctx))
	}
	return v
}

// whereAmI describes the page for a failure message: its URL and the start of its text.
func whereAmI(ctx context.Context) string {
	wctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	url, err := chromedp.Run(wctx, chromedp.Location())
	if err != nil {
		return "page: unknown (" + err.Error() + ")"
	}
	body, _ := chromedp.Run(wctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
	if len(body) > 600 {
		body = body[:600] + "…"
	}
	return "page: " + url + "\n" + body
}

func void[T any](a chromedp.Action[T]) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		_, err := a(ctx, t)
		return chromedp.Void{}, err
	}
}

// fieldSelector selects a form field by name, leaving out hidden inputs (CSRF tokens and the
// like share names across a page's forms but are never typed into).
func fieldSelector(name string) string {
	n := cssString(name)
	return `input[name=` + n + `]:not([type=hidden]), textarea[name=` + n + `], select[name=` + n + `]`
}

// firstVisible selects the first element matching a CSS selector that a person can see
// (checkVisibility: rendered, not in a closed <details> or dialog, not visibility:hidden), so a
// hidden twin is passed over; none yet selects nothing, and the query waits.
func firstVisible(css string) chromedp.JSPath {
	return chromedp.JSPath(`(() => { for (const el of document.querySelectorAll(` + jsString(css) + `)) ` +
		`if (el.checkVisibility({visibilityProperty: true})) return el; return null })()`)
}

// clickable selects the first visible element a person clicks by its label, white space
// collapsed: links, buttons, summaries, labels, and submit or button inputs by their value.
func clickable(text string) chromedp.JSPath {
	return chromedp.JSPath(`(() => { const want = ` + jsString(strings.Join(strings.Fields(text), " ")) + `; ` +
		`for (const el of document.querySelectorAll("a, button, summary, label, input[type=submit], input[type=button]")) { ` +
		`const label = (el.tagName === "INPUT" ? el.value : el.innerText) || ""; ` +
		`if (label.replace(/\s+/g, " ").trim() === want && el.checkVisibility({visibilityProperty: true})) return el; } ` +
		`return null })()`)
}

// jsString quotes s as a JavaScript string literal (JSON is a subset, and Go escapes U+2028/9).
func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// cssString quotes s as a CSS string.
func cssString(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\a `).Replace(s) + `"`
}
