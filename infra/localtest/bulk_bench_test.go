package localtest_test

import (
	"fmt"
	"net/http"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hapihub/hapihub/infra/localtest"
)

// BenchmarkBulkImport imports patients into one live organization through the public API (the
// gateway with its authorizer, usage-plan throttles and concurrency cap) in batches of 100, from one
// client (HAPIHUB_BULK_CLIENTS for more), as an importer inside the documented limits would
// (live: 100 writes/s and 20 requests in flight per key; a 429 is waited out as its Retry-After
// says). It reports patients/s and the minutes 100,000 patients take at that rate.
// HAPIHUB_BULK_N sets how many (default 5,000; 100000 for the whole import). A 5xx (a batch
// outlasting the function's timeout on a loaded machine) is counted and reported against its
// goal of 0; the batch is not sent again (it may be partly written).
func BenchmarkBulkImport(b *testing.B) {
	total := 5000
	if v, err := strconv.Atoi(os.Getenv("HAPIHUB_BULK_N")); err == nil && v > 0 {
		total = v
	}
	env := localtest.New(b)
	org := orgOf(b, env)
	clients, batch := 1, 100
	if v, err := strconv.Atoi(os.Getenv("HAPIHUB_BULK_CLIENTS")); err == nil && v > 0 {
		clients = v
	}
	var throttled, serverErrors atomic.Int64
	var elapsed time.Duration
	b.ResetTimer()
	for it := range b.N {
		next := atomic.Int64{}
		var wg sync.WaitGroup
		t0 := time.Now()
		for c := range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for n := next.Add(int64(batch)) - int64(batch); n < int64(total); n = next.Add(int64(batch)) - int64(batch) {
					body := make([]map[string]any, 0, batch)
					for i := n; i < min(n+int64(batch), int64(total)); i++ {
						body = append(body, map[string]any{"firstName": fmt.Sprintf("F%d", i), "lastName": fmt.Sprintf("Import%d-%d", it, c),
							"email": fmt.Sprintf("p%d.%d@example.com", it, i), "status": "active"})
					}
					for {
						s := time.Now()
						r := env.Do(b, "POST", "/patients", env.LiveKey, body, org...)
						if os.Getenv("HAPIHUB_BULK_VERBOSE") != "" {
							b.Logf("batch at %d: %d in %v", n, r.Status, time.Since(s))
						}
						if r.Status == http.StatusCreated {
							break
						}
						if r.Status == http.StatusTooManyRequests {
							throttled.Add(1)
							wait, _ := strconv.Atoi(r.Header.Get("Retry-After"))
							time.Sleep(time.Duration(max(wait, 1)) * time.Second)
							continue
						}
						if r.Status >= 500 {
							// Counted, not retried: the batch may be partly written (docs/resources.md).
							serverErrors.Add(1)
							break
						}
						b.Errorf("batch at %d: %d %s", n, r.Status, r.Body)
						return
					}
				}
			}()
		}
		wg.Wait()
		elapsed += time.Since(t0)
	}
	b.StopTimer()
	rate := float64(total*b.N) / elapsed.Seconds()
	b.ReportMetric(rate, "patients/s")
	b.ReportMetric(100_000/rate/60, "min/100k")
	b.ReportMetric(float64(throttled.Load())/float64(b.N), "429s/import")
	b.ReportMetric(float64(serverErrors.Load())/float64(b.N), "5xx/import")
}

// orgOf is liveOrg for a benchmark: the HapiHub-Organization header pair of a live organization.
func orgOf(b *testing.B, env *localtest.Env) []string {
	r := env.Do(b, "GET", "/patients?$limit=0", env.LiveKey, nil)
	if r.Status == http.StatusOK {
		return nil
	}
	id := orgIDs.FindString(string(r.Body))
	if id == "" {
		b.Fatalf("no live organization named in %s", r.Body)
	}
	return []string{"HapiHub-Organization", id}
}

// BenchmarkBulkCreate100 is the latency of one multi-create of 100 patients through the gateway
// (ns/op is one batch): the request TestBulkCreate sends, against the function's 10 s Timeout in
// template.yaml. docs/writes.md ("Bulk create") reports it idle and loaded.
func BenchmarkBulkCreate100(b *testing.B) {
	env := localtest.New(b)
	body := make([]map[string]any, 100)
	b.ResetTimer()
	for it := range b.N {
		for i := range body {
			body[i] = map[string]any{"firstName": fmt.Sprintf("F%d", i), "lastName": fmt.Sprintf("Batch%d", it),
				"email": fmt.Sprintf("p%d.%d@example.com", it, i), "status": []string{"active", "inactive"}[i%2]}
		}
		if r := env.Do(b, "POST", "/patients", env.TestKey, body); r.Status != http.StatusCreated {
			b.Fatalf("batch %d: %d %s", it, r.Status, r.Body)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N)/100, "ms/object")
}
