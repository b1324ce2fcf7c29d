package localtest_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/infra/localtest"
	"github.com/hapihub/hapihub/infra/sqs/sqstest"
)

// Issue 8: the receiver fails, the whole platform is stopped between attempts, and after a
// restart on the same data the delivery resumes at its scheduled time and succeeds; both attempts
// are listed. The queue's clock is injected, so the test-mode retry (10 min ± 20%) costs nothing.
func TestWebhookDeliveryResumesAfterRestart(t *testing.T) {
	dir := t.TempDir()
	clock := sqstest.NewClock(time.Now())
	var failing atomic.Bool
	failing.Store(true)
	got := make(chan string, 32)
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if failing.Load() {
			http.Error(w, "receiver is down", http.StatusServiceUnavailable)
			got <- "failed:" + string(b)
			return
		}
		got <- "ok:" + string(b)
		w.WriteHeader(http.StatusOK)
	}))
	defer recv.Close()
	url := strings.Replace(recv.URL, "127.0.0.1", "localhost", 1)

	first := localtest.New(t, localtest.Options{DataDir: dir, QueueNow: clock.Now})
	ep := first.Do(t, "POST", "/webhook-endpoints", first.TestKey, map[string]any{"url": url, "enabledEvents": []string{"patient.created"}})
	require.Equal(t, http.StatusCreated, ep.Status, "%s", ep.Body)
	epID := ep.JSON(t)["id"].(string)
	p := first.Do(t, "POST", "/patients", first.TestKey, map[string]any{"firstName": "Restart", "lastName": "Resume"})
	require.Equal(t, http.StatusCreated, p.Status, "%s", p.Body)
	patient := p.JSON(t)["id"].(string)

	waitFor := func(prefix string) {
		t.Helper()
		deadline := time.After(10 * time.Second)
		for {
			select {
			case d := <-got:
				if strings.HasPrefix(d, prefix) && strings.Contains(d, patient) {
					return
				}
			case <-deadline:
				t.Fatalf("no %s delivery of %s", strings.TrimSuffix(prefix, ":"), patient)
			}
		}
	}
	waitFor("failed:")
	// Wait until the failed attempt is recorded, then stop everything: runner, queue, database.
	require.Eventually(t, func() bool {
		r := first.Do(t, "GET", "/webhook-endpoints/"+epID+"/deliveries", first.TestKey, nil)
		return r.Status == http.StatusOK && strings.Contains(string(r.Body), `"statusCode":503`)
	}, 5*time.Second, 50*time.Millisecond, "the failed attempt is listed")
	first.Close()

	failing.Store(false)
	clock.Advance(15 * time.Minute) // past the first test-mode retry (10 min + at most 20%)
	second := localtest.New(t, localtest.Options{DataDir: dir, QueueNow: clock.Now})
	assert.Equal(t, first.TestKey, second.TestKey, "the restarted platform is the same account")
	waitFor("ok:")

	require.Eventually(t, func() bool {
		r := second.Do(t, "GET", "/webhook-endpoints/"+epID+"/deliveries", second.TestKey, nil)
		body := string(r.Body)
		return r.Status == http.StatusOK && strings.Contains(body, `"statusCode":503`) && strings.Contains(body, `"statusCode":200`)
	}, 5*time.Second, 50*time.Millisecond, "both attempts are listed after the restart")
}
