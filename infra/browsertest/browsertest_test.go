package browsertest

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// formApp is a small server-rendered app shaped like the console: a form with a CSRF field, a
// field of the same name hidden in a closed section, a select, and POST-redirect-GET.
func formApp(t *testing.T) *httptest.Server {
	var mu sync.Mutex
	var posted []string
	mux := http.NewServeMux()
	mux.HandleFunc("GET /", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<!doctype html><title>Form</title><body>
<details><summary>Advanced</summary><form method="post" action="/other"><input name="name" value="hidden twin"></form></details>
<form method="post" action="/greet">
  <input type="hidden" name="csrf" value="tok">
  <label>Name <input name="name" value="placeholder"></label>
  <label>House <select name="house"><option>Gryffindor</option><option>Ravenclaw</option></select></label>
  <label><input type="checkbox" name="owl" value="yes"> Owl post</label>
  <button type="submit">  Say
     hello </button>
</form></body>`)
	})
	mux.HandleFunc("POST /greet", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		posted = append(posted, r.PostFormValue("csrf"))
		mu.Unlock()
		q := "name=" + r.PostFormValue("name") + "&house=" + r.PostFormValue("house") + "&owl=" + r.PostFormValue("owl")
		http.Redirect(w, r, "/result?"+q, http.StatusSeeOther)
	})
	mux.HandleFunc("GET /result", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		q := r.URL.Query()
		fmt.Fprintf(w, `<!doctype html><body><h1 id="result">Hello, %s of %s (owl: %s)</h1></body>`,
			html.EscapeString(q.Get("name")), html.EscapeString(q.Get("house")), html.EscapeString(q.Get("owl")))
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	t.Cleanup(func() {
		mu.Lock()
		defer mu.Unlock()
		assert.Equal(t, []string{"tok"}, posted, "one post, with the form's own hidden CSRF field")
	})
	return srv
}

func TestBrowserFillSubmitReadScreenshot(t *testing.T) {
	shots := t.TempDir()
	t.Setenv("HAPIHUB_SCREENSHOTS", shots)
	ctx := Start(t)
	srv := formApp(t)

	Open(t, ctx, srv.URL+"/")
	Fill(t, ctx, "name", `Luna "Loony" O'Lovegood`)
	Fill(t, ctx, "house", "Ravenclaw")
	Check(t, ctx, "owl", "yes")
	Check(t, ctx, "owl", "yes") // ticked already: stays ticked
	status := Submit(t, ctx, "Say hello")
	assert.Equal(t, http.StatusOK, status, "the page after the redirect")
	assert.Equal(t, `Hello, Luna "Loony" O'Lovegood of Ravenclaw (owl: yes)`, Text(t, ctx, "#result"))
	WaitText(t, ctx, "of Ravenclaw")
	assert.Contains(t, Location(t, ctx), srv.URL+"/result?")

	Screenshot(t, ctx, "result")
	f, err := os.Open(filepath.Join(shots, "result.png"))
	require.NoError(t, err)
	defer f.Close()
	img, err := png.Decode(f)
	require.NoError(t, err)
	assert.Equal(t, Width, img.Bounds().Dx(), "a full-page screenshot is the window's width")
	assert.Positive(t, img.Bounds().Dy())
}

// TestBrowserClickWithoutNavigation: Click reaches a button by its text and WaitText sees what
// the page's script did; a label with quotes in it is found too.
func TestBrowserClickAndWaitText(t *testing.T) {
	ctx := Start(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<!doctype html><body><p id="out">waiting</p>
<button type="button" style="display:none">Reveal</button>
<button type="button" onclick="setTimeout(() => document.getElementById('out').textContent = 'revealed', 100)">Reveal</button>
<a href="#x" onclick="document.getElementById('out').textContent = 'quoted'; return false">Don't "panic"</a></body>`)
	}))
	t.Cleanup(srv.Close)
	Open(t, ctx, srv.URL)
	Click(t, ctx, "Reveal") // the hidden twin comes first and is passed over
	WaitText(t, ctx, "revealed")
	Click(t, ctx, `Don't "panic"`)
	assert.Equal(t, "quoted", Text(t, ctx, "#out"))
}

// recorder is a testing.TB that records Skip and Fatal instead of ending the real test.
type recorder struct {
	testing.TB
	skipped, failed string
}

func (r *recorder) Helper() {}
func (r *recorder) Skipf(format string, args ...any) {
	r.skipped = fmt.Sprintf(format, args...)
	runtime.Goexit()
}
func (r *recorder) Fatalf(format string, args ...any) {
	r.failed = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func TestStartWithoutChromium(t *testing.T) {
	for _, c := range []struct {
		ci         string
		skip, fail bool
	}{
		{ci: "", skip: true},
		{ci: "false", skip: true},
		{ci: "true", fail: true},
	} {
		t.Run("CI="+c.ci, func(t *testing.T) {
			t.Setenv("HAPIHUB_CHROMIUM", filepath.Join(t.TempDir(), "no-chromium"))
			t.Setenv("CI", c.ci)
			r := &recorder{TB: t}
			done := make(chan struct{})
			go func() {
				defer close(done)
				Start(r)
			}()
			<-done
			if c.skip {
				assert.Contains(t, r.skipped, "apt-get install chromium")
				assert.Empty(t, r.failed)
			}
			if c.fail {
				assert.Contains(t, r.failed, "no Chromium at")
				assert.Empty(t, r.skipped)
			}
		})
	}
}

func TestScreenshotIsOffWithoutTheVariable(t *testing.T) {
	t.Setenv("HAPIHUB_SCREENSHOTS", "")
	// No browser is needed: without a directory nothing is captured.
	Screenshot(t, context.Background(), "anything")
}

func TestScreenshotRejectsPaths(t *testing.T) {
	t.Setenv("HAPIHUB_SCREENSHOTS", t.TempDir())
	for _, name := range []string{"", "../x", "a/b", ".hidden"} {
		r := &recorder{TB: t}
		done := make(chan struct{})
		go func() {
			defer close(done)
			Screenshot(r, context.Background(), name)
		}()
		<-done
		assert.Contains(t, r.failed, "plain file name", "%q", name)
	}
}

func TestQuoting(t *testing.T) {
	assert.Equal(t, `"a\"b\\c"`, cssString(`a"b\c`))
	assert.Equal(t, `"it's \"x\"\u2028"`, jsString("it's \"x\"\u2028"))
	assert.Equal(t, `input[name="k"]:not([type=hidden]), textarea[name="k"], select[name="k"]`, fieldSelector("k"))
	var b bytes.Buffer
	b.WriteString(string(clickable("  Say \n hello ")))
	assert.Contains(t, b.String(), `const want = "Say hello"`)
}
