package webhook_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hapihub/hapihub/infra/sqs"
	"github.com/hapihub/hapihub/shared/domain"
	"github.com/hapihub/hapihub/shared/schema"
	"github.com/hapihub/hapihub/shared/store/webhookstore"
	"github.com/hapihub/hapihub/shared/webhook"
)

// One slow endpoint must not delay another account's deliveries (issue 16, finding 3: while
// account B's endpoint hung, account A's deliveries arrived 29-39 s late). B's endpoint accepts
// connections and never answers; B's events keep coming; A's events are timed from their commit
// to their arrival. The queue is drained the way the local runner and Lambda do it
// (sqs.LambdaInitialConcurrency batches at once).
func TestSlowEndpointDoesNotDelayOtherAccounts(t *testing.T) {
	h := newHarnessAt(t, time.Now)
	release := make(chan struct{})
	var hung atomic.Int32
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hung.Add(1)
		select { // hangs until the attempt's own timeout, or the end of the test
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(slow.Close)
	tenantB := domain.Tenant{Account: "acct_2", Mode: domain.Test, Org: "org_2"}
	_, err := h.st.CreateEndpoint(h.ctx, tenantB.Account, webhookstore.Endpoint{Mode: tenantB.Mode, URL: slow.URL, EnabledEvents: []string{"*"},
		Status: webhookstore.EndpointEnabled, Secrets: []webhookstore.Secret{{Value: webhook.NewSecret()}}})
	require.NoError(t, err)

	rcv := newReceiver(t, time.Now)
	var mu sync.Mutex
	arrivedAt := map[string]time.Time{}
	rcv.arrived = func(ev map[string]any) {
		obj := ev["data"].(map[string]any)["object"].(map[string]any)
		mu.Lock()
		if _, dup := arrivedAt[obj["id"].(string)]; !dup {
			arrivedAt[obj["id"].(string)] = time.Now()
		}
		mu.Unlock()
	}
	rcv.secret = h.endpoint(rcv.srv.URL, "patient.created").Secrets[0].Value

	p, err := sqs.NewPoller(sqs.PollerConfig{Client: h.client, QueueURL: h.url, Handler: h.d.HandleSQS, ReportBatchItemFailures: true,
		WaitTimeSeconds: aws.Int32(1), Concurrency: sqs.LambdaInitialConcurrency, Timeout: 30 * time.Second})
	require.NoError(t, err)
	require.NoError(t, p.Start(context.Background()))
	t.Cleanup(p.Stop)
	t.Cleanup(func() { close(release) }) // first: the hanging calls end, so Stop need not wait

	// B: a burst of changes, then more while A's are timed.
	createB := func(n int) {
		for i := range n {
			_, err := h.st.CreateObject(h.ctx, tenantB, schema.Patients, domain.Doc{"firstName": fmt.Sprint("B", i), "lastName": "Slow"}, domain.Meta{})
			require.NoError(t, err)
		}
	}
	createB(40)
	require.Eventually(t, func() bool { return hung.Load() > 0 }, 5*time.Second, 10*time.Millisecond, "B's endpoint is being called")

	const n = 20
	committed := map[string]time.Time{}
	for i := range n {
		createB(2)
		d, err := h.st.CreateObject(h.ctx, tenant, schema.Patients, domain.Doc{"firstName": fmt.Sprint("A", i), "lastName": "Fast"}, domain.Meta{})
		require.NoError(t, err)
		committed[d["id"].(string)] = time.Now()
		time.Sleep(150 * time.Millisecond)
	}
	require.Eventually(t, func() bool { mu.Lock(); defer mu.Unlock(); return len(arrivedAt) == n }, 30*time.Second, 20*time.Millisecond,
		"every one of A's events arrives")
	mu.Lock()
	defer mu.Unlock()
	var lat []time.Duration
	for id, at := range committed {
		lat = append(lat, arrivedAt[id].Sub(at))
	}
	slices.Sort(lat)
	p99 := lat[(len(lat)*99+99)/100-1]
	t.Logf("A's delivery latency while B's endpoint hangs (%d calls to it): median %v, p99 %v, max %v", hung.Load(), lat[len(lat)/2], p99, lat[len(lat)-1])
	assert.Less(t, p99, time.Second, "p99 of A's delivery latency")
	assert.LessOrEqual(t, int(hung.Load()), 2*webhook.DefaultEndpointConcurrency+2, "B's endpoint is called a bounded number of times while it hangs")
}
