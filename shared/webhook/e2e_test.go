package webhook_test

import (
	"context"
	"fmt"
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
	"github.com/hapihub/hapihub/shared/store/core"
)

// startPollers runs n event source mappings on the queue, as Lambda runs concurrent batches.
func (h *harness) startPollers(n int) {
	for i := 0; i < n; i++ {
		p, err := sqs.NewPoller(sqs.PollerConfig{Client: h.client, QueueURL: h.url, Handler: h.d.HandleSQS,
			ReportBatchItemFailures: true, WaitTimeSeconds: aws.Int32(1)})
		require.NoError(h.t, err)
		require.NoError(h.t, p.Start(context.Background()))
		h.t.Cleanup(p.Stop)
	}
}

func TestPatchReachesReceiverWithinASecond(t *testing.T) {
	h := newHarnessAt(t, time.Now)
	rcv := newReceiver(t, time.Now)
	arrived := make(chan map[string]any, 10)
	rcv.arrived = func(ev map[string]any) { arrived <- ev }
	ep := h.endpoint(rcv.srv.URL, "patient.updated")
	rcv.secret = ep.Secrets[0].Value
	p := h.patient()
	h.startPollers(1)
	start := time.Now()
	_, _, err := h.st.UpdateObject(h.ctx, tenant, schema.Patients, p["id"].(string), 0, func(cur domain.Doc) (domain.Doc, error) {
		cur["firstName"] = "Grace"
		return cur, nil
	}, domain.Meta{RequestID: "req_latency"})
	require.NoError(t, err)
	select {
	case ev := <-arrived:
		assert.Less(t, time.Since(start), time.Second)
		assert.Equal(t, "patient.updated", ev["type"])
		assert.Equal(t, map[string]any{"firstName": "Ada"}, ev["data"].(map[string]any)["previousAttributes"])
		assert.Equal(t, "req_latency", ev["request"].(map[string]any)["id"])
	case <-time.After(5 * time.Second):
		t.Fatal("the event did not arrive")
	}
}

// A thousand concurrent changes: exactly a thousand events, and every one delivered.
func TestThousandConcurrentChangesAllDelivered(t *testing.T) {
	h := newHarnessAt(t, time.Now)
	rcv := newReceiver(t, time.Now)
	var delivered sync.Map
	var count atomic.Int64
	rcv.arrived = func(ev map[string]any) {
		if _, dup := delivered.LoadOrStore(ev["id"], true); !dup {
			count.Add(1)
		}
	}
	ep := h.endpoint(rcv.srv.URL, "patient.*")
	rcv.secret = ep.Secrets[0].Value
	h.startPollers(4)
	const n, workers = 1000 / raceScale, 24
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := next.Add(1); i <= n; i = next.Add(1) {
				_, err := h.st.CreateObject(h.ctx, tenant, schema.Patients, domain.Doc{"firstName": fmt.Sprint(i), "lastName": "Q"}, domain.Meta{})
				assert.NoError(t, err)
			}
		}()
	}
	wg.Wait()
	page, err := h.st.ListEvents(h.ctx, tenant.Account, tenant.Mode, core.EventQuery{Limit: 1, Total: true})
	require.NoError(t, err)
	require.Equal(t, n, page.Total)
	// A bound on waiting, not a speed assertion: per-endpoint concurrency is bounded
	// (docs/webhooks.md, "Isolation"), and a loaded machine runs the race detector slowly.
	deadline := time.Now().Add(90 * time.Second)
	for count.Load() < n && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	require.Equal(t, int64(n), count.Load(), "every event delivered")
	all, err := h.st.ListEvents(h.ctx, tenant.Account, tenant.Mode, core.EventQuery{Limit: n})
	require.NoError(t, err)
	for _, e := range all.Events {
		_, ok := delivered.Load(e["id"])
		require.True(t, ok, "event %s missing", e["id"])
	}
	assert.GreaterOrEqual(t, int(rcv.hits.Load()), n)
}
