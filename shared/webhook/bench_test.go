package webhook_test

import (
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hapihub/hapihub/shared/domain"
	"github.com/hapihub/hapihub/shared/schema"
)

// BenchmarkDeliveryLatency measures one change to its arrival at a receiver, through the outbox,
// the embedded queue, fan-out and a signed attempt.
func BenchmarkDeliveryLatency(b *testing.B) {
	h := newHarnessAt(b, time.Now)
	rcv := newReceiver(b, time.Now)
	arrived := make(chan struct{}, 1)
	rcv.arrived = func(map[string]any) { arrived <- struct{}{} }
	ep := h.endpoint(rcv.srv.URL, "patient.updated")
	rcv.secret = ep.Secrets[0].Value
	p := h.patient()
	h.startPollers(1)
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		_, _, err := h.st.UpdateObject(h.ctx, tenant, schema.Patients, p["id"].(string), 0, func(cur domain.Doc) (domain.Doc, error) {
			cur["firstName"] = fmt.Sprint(i)
			return cur, nil
		}, domain.Meta{})
		if err != nil {
			b.Fatal(err)
		}
		select {
		case <-arrived:
		case <-time.After(10 * time.Second):
			b.Fatal("no delivery")
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[min(len(lat)-1, len(lat)*99/100)].Microseconds())/1000, "p99-ms")
}

// BenchmarkDeliveriesPerSecond measures sustained deliveries: b.N concurrent changes (24 writers,
// 4 queue pollers) until every event has reached the receiver.
func BenchmarkDeliveriesPerSecond(b *testing.B) {
	h := newHarnessAt(b, time.Now)
	rcv := newReceiver(b, time.Now)
	var count atomic.Int64
	rcv.arrived = func(map[string]any) { count.Add(1) }
	ep := h.endpoint(rcv.srv.URL, "*")
	rcv.secret = ep.Secrets[0].Value
	h.startPollers(4)
	b.ResetTimer()
	start := time.Now()
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < 24; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := next.Add(1); i <= int64(b.N); i = next.Add(1) {
				if _, err := h.st.CreateObject(h.ctx, tenant, schema.Patients, domain.Doc{"firstName": "B", "lastName": "C"}, domain.Meta{}); err != nil {
					b.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	deadline := time.Now().Add(time.Minute)
	for count.Load() < int64(b.N) && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	if count.Load() < int64(b.N) {
		b.Fatalf("%d of %d delivered", count.Load(), b.N)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "deliveries/s")
}
