package faulttest

import (
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/hapihub/hapihub/infra/localtest"
)

// Three concurrent sandbox resets: none answers 5xx, each either resets or is refused with 409
// (issue 16, finding 6: resets are serialized per organization), and the sandbox is whole
// afterwards.
func TestConcurrentSandboxResets(t *testing.T) {
	env := localtest.New(t)
	var wg sync.WaitGroup
	statuses := make([]int, 3)
	for i := range statuses {
		wg.Go(func() {
			r := env.Do(t, http.MethodPost, "/sandbox/reset", env.TestKey, nil)
			checkAnswer(t, "concurrent reset", r)
			statuses[i] = r.Status
		})
	}
	wg.Wait()
	for _, st := range statuses {
		assert.Contains(t, []int{http.StatusOK, http.StatusAccepted, http.StatusConflict}, st)
	}
	// A reset may run in the background (202): the sandbox is whole once it has finished.
	for _, res := range []string{"patients", "messages", "invoices", "appointments", "practitioners"} {
		assert.Eventually(t, func() bool {
			r := do(t, env, http.MethodGet, "/"+res+"?$limit=0", env.TestKey, nil)
			n, _ := r.JSON(t)["total"].(float64)
			return n > 0
		}, 60*time.Second, 500*time.Millisecond, "%s after concurrent resets", res)
	}
}
