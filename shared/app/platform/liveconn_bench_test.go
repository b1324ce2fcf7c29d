package platform

import (
	"net/http"
	"strconv"
	"testing"
	"time"
)

// BenchmarkLiveRequest times live-mode requests with a cached authorizer result, through the
// router on the embedded DynamoDB: a GET of one patient and a create. The account's connections
// are read with each request (beside a read, beside a write's checks).
func BenchmarkLiveRequest(b *testing.B) {
	b.Setenv("AWS_LAMBDA_LOG_LEVEL", "WARN")
	h := newHarness(b)
	liveClinic(b, h)
	sk := h.keys["sk_live"]
	c := h.do(req{key: sk, method: "POST", path: "/patients", body: `{"firstName":"Liv","lastName":"E"}`})
	if c.status != http.StatusCreated {
		b.Fatalf("create: %d %v", c.status, c.body)
	}
	path := "/patients/" + c.body["id"].(string)
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		if r := h.do(req{key: sk, method: "GET", path: path, cached: true}); r.status != http.StatusOK {
			b.Fatalf("get: %d %v", r.status, r.body)
		}
	}
	get := time.Since(start)
	start = time.Now()
	for i := 0; i < b.N; i++ {
		if r := h.do(req{key: sk, method: "POST", path: "/patients", body: `{"firstName":"Liv","lastName":"E` + strconv.Itoa(i) + `"}`, cached: true}); r.status != http.StatusCreated {
			b.Fatalf("create: %d %v", r.status, r.body)
		}
	}
	create := time.Since(start)
	b.ReportMetric(float64(get.Nanoseconds())/float64(b.N), "ns/live-get")
	b.ReportMetric(float64(create.Nanoseconds())/float64(b.N), "ns/live-create")
}
