package platform

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/hapihub/hapihub/shared/auth"
	"github.com/hapihub/hapihub/shared/domain"
)

// BenchmarkWriteOverhead measures what auth and idempotency add to a write: a POST /patients
// through the router with and without an Idempotency-Key (each iteration a new key), reporting
// the ratio.
func BenchmarkWriteOverhead(b *testing.B) {
	b.Setenv("AWS_LAMBDA_LOG_LEVEL", "WARN") // request lines would break the benchmark's output line
	h := newHarness(b)
	sk := h.keys["sk_test"]
	body := `{"firstName":"Ann","lastName":"Lee"}`
	h.do(req{key: sk, method: "GET", path: "/api-keys"})
	run := func(withKey bool) time.Duration {
		start := time.Now()
		for i := 0; i < b.N; i++ {
			q := req{key: sk, method: "POST", path: "/patients", body: body, cached: true}
			if withKey {
				q.header = map[string]string{"Idempotency-Key": "bench-" + strconv.Itoa(i)}
			}
			if r := h.do(q); r.status != 201 {
				b.Fatalf("status %d", r.status)
			}
		}
		return time.Since(start)
	}
	b.ResetTimer()
	plain := run(false)
	keyed := run(true)
	b.ReportMetric(float64(plain.Nanoseconds())/float64(b.N), "ns/write")
	b.ReportMetric(float64(keyed.Nanoseconds())/float64(b.N), "ns/idempotent-write")
	b.ReportMetric(float64(keyed)/float64(plain), "idempotency-ratio")
}

// BenchmarkAuthorizer compares an uncached authorizer call (hash, key GetItem, account GetItem)
// with a cached one, as API Gateway's cache serves it (a map look-up by Authorization header).
func BenchmarkAuthorizer(b *testing.B) {
	h := newHarness(b)
	header := "Bearer " + h.keys["sk_test"]
	ctx := context.Background()
	cache := map[string]auth.Principal{}
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		if _, _, err := auth.Authorize(ctx, h.st, header, h.clock.Now()); err != nil {
			b.Fatal(err)
		}
	}
	uncached := time.Since(start)
	start = time.Now()
	for i := 0; i < b.N; i++ {
		p, ok := cache[header]
		if !ok {
			var err error
			if p, _, err = auth.Authorize(ctx, h.st, header, h.clock.Now()); err != nil {
				b.Fatal(err)
			}
			cache[header] = p
		}
		_ = p.Context()
	}
	cached := time.Since(start)
	b.ReportMetric(float64(uncached.Nanoseconds())/float64(b.N), "ns/uncached")
	b.ReportMetric(float64(cached.Nanoseconds())/float64(b.N), "ns/cached")
	b.ReportMetric(float64(uncached)/float64(cached), "cache-speedup")
}

// BenchmarkRequestLogShare measures what recording a request log adds to a read: a GET of one
// patient through the router (which records its log) against the log's PutItem alone, reporting
// the log write's share of the whole request.
func BenchmarkRequestLogShare(b *testing.B) {
	b.Setenv("AWS_LAMBDA_LOG_LEVEL", "WARN")
	h := newHarness(b)
	sk := h.keys["sk_test"]
	list := h.do(req{key: sk, method: "GET", path: "/patients?$limit=1"})
	data, _ := list.body["data"].([]any)
	if len(data) == 0 {
		b.Fatalf("no patient to read: %v", list.body)
	}
	path := "/patients/" + data[0].(map[string]any)["id"].(string)
	ctx := context.Background()
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		if r := h.do(req{key: sk, method: "GET", path: path, cached: true}); r.status != 200 {
			b.Fatalf("status %d", r.status)
		}
	}
	get := time.Since(start)
	start = time.Now()
	for i := 0; i < b.N; i++ {
		if _, err := h.st.PutRequestLog(ctx, domain.RequestLog{AccountID: h.acct, Mode: domain.Test, Method: "GET", Path: path, Status: 200}); err != nil {
			b.Fatal(err)
		}
	}
	logWrite := time.Since(start)
	b.ReportMetric(float64(get.Nanoseconds())/float64(b.N), "ns/get")
	b.ReportMetric(float64(logWrite.Nanoseconds())/float64(b.N), "ns/log-write")
	b.ReportMetric(float64(logWrite)/float64(get), "log-share")
}
