package localtest_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/hapihub/hapihub/infra/localtest"
	"github.com/hapihub/hapihub/shared/domain"
	"github.com/hapihub/hapihub/shared/store/core"
	"github.com/hapihub/hapihub/shared/store/storetest"
)

// BenchmarkFindMixHTTP answers a Feathers-style query mix through the whole local platform, as
// `make run` serves it (gateway, authorizer, the patients function, the embedded DynamoDB), over
// HTTP from concurrent clients, beside a single-key baseline (lastName pages). The organization
// holds HAPIHUB_MIX_N patients (default 10,000, the issue 15 figure), seeded into the sandbox
// through the store. The template's usage-plan throttles (25 requests/s per test key) would cap
// what is measured, so the platform runs from a copy of template.yaml whose throttles are lifted
// (unthrottledTemplate); nothing else differs. HAPIHUB_MIX_CLIENTS sets the clients (default 8).
// Reported: requests/s, p50 and p99 latency in ms; a non-200 answer fails the benchmark.
func BenchmarkFindMixHTTP(b *testing.B) {
	n := 10_000
	if v, err := strconv.Atoi(os.Getenv("HAPIHUB_MIX_N")); err == nil && v > 0 {
		n = v
	}
	clients := 8
	if v, err := strconv.Atoi(os.Getenv("HAPIHUB_MIX_CLIENTS")); err == nil && v > 0 {
		clients = v
	}
	// The functions log each request as JSON on stderr (INFO), which go test interleaves with the
	// result lines make bench parses; Lambda's LoggingConfig level for warnings only keeps them out.
	b.Setenv("AWS_LAMBDA_LOG_LEVEL", "WARN")
	env := localtest.New(b, localtest.Options{Template: unthrottledTemplate(b)})
	r := env.Do(b, "GET", "/organizations", env.TestKey, nil)
	org := orgIDs.FindString(string(r.Body))
	if r.Status != http.StatusOK || org == "" {
		b.Fatalf("sandbox organization: %d %s", r.Status, r.Body)
	}
	tn := domain.Tenant{Account: env.Stack.Bootstrap.AccountID, Mode: domain.Test, Org: org}
	docs := mixPatients(tn, n)
	start := time.Now()
	for w := 0; w < n; w += 2000 {
		if err := env.Store.SeedObjects(context.Background(), tn, "patients", docs[w:min(n, w+2000)]); err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("seeded %d patients in %v", n, time.Since(start).Round(time.Millisecond))

	rnd := rand.New(rand.NewPCG(uint64(n), 11))
	pick := func() map[string]any { return docs[rnd.IntN(len(docs))] }
	// The same mix as the in-process BenchmarkFindMix.
	mix := func() string { return storetest.FindMix(rnd, pick) }
	single := func() string { return storetest.SingleKey(pick) }
	for _, c := range []struct {
		name string
		gen  func() string
	}{{"single-key", single}, {"feathers-mix", mix}} {
		b.Run(c.name, func(b *testing.B) {
			paths := make([]string, 256)
			for i := range paths {
				paths[i] = "/patients?" + escapeQuery(c.gen())
			}
			lat := make([]time.Duration, b.N)
			var next atomic.Int64
			var wg sync.WaitGroup
			b.ResetTimer()
			t0, cpu0 := time.Now(), processCPU()
			for range clients {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := next.Add(1) - 1; i < int64(b.N); i = next.Add(1) - 1 {
						s := time.Now()
						resp := env.Do(b, "GET", paths[i%int64(len(paths))], env.TestKey, nil)
						lat[i] = time.Since(s)
						if resp.Status != http.StatusOK {
							b.Errorf("%s: %d %s", paths[i%int64(len(paths))], resp.Status, resp.Body)
							return
						}
					}
				}()
			}
			wg.Wait()
			elapsed, cpu := time.Since(t0), processCPU()-cpu0
			b.StopTimer()
			sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "requests/s")
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
			// CPU time of the whole platform (one process: gateway, functions, DynamoDB, clients)
			// per request: what a request costs, much less moved by other load on the machine
			// than requests/s, so A/B comparisons on a shared machine use it.
			b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N), "cpu-ms/req")
		})
	}
}

// escapeQuery percent-encodes the brackets and $ of a query string the way a browser or the
// Feathers REST client (qs) does, keeping = and &.
func escapeQuery(q string) string {
	out := make([]byte, 0, len(q)*2)
	for i := 0; i < len(q); i++ {
		switch c := q[i]; c {
		case '[', ']', '$':
			out = append(out, fmt.Sprintf("%%%02X", c)...)
		default:
			out = append(out, c)
		}
	}
	return string(out)
}

var throttleNumbers = regexp.MustCompile(`(RateLimit|BurstLimit): [0-9]+`)

// unthrottledTemplate is a copy of template.yaml with every usage-plan throttle raised to
// 1,000,000 requests/s, for benchmarks that measure the platform rather than its limits.
func unthrottledTemplate(b *testing.B) string {
	src, err := os.ReadFile(filepath.Join("..", "..", "template.yaml"))
	if err != nil {
		b.Fatal(err)
	}
	out := throttleNumbers.ReplaceAll(src, []byte("$1: 1000000"))
	if string(out) == string(src) {
		b.Fatal("template.yaml has no usage-plan throttles to lift: update unthrottledTemplate")
	}
	p := filepath.Join(b.TempDir(), "template.yaml")
	if err := os.WriteFile(p, out, 0o644); err != nil {
		b.Fatal(err)
	}
	return p
}

// mixPatients are n patients of one organization: ~100 per surname, birth dates over 90 years,
// one in ten inactive.
func mixPatients(tn domain.Tenant, n int) []domain.Doc {
	r := rand.New(rand.NewPCG(uint64(n), 5))
	syl := []string{"ka", "lo", "mi", "ne", "ru", "sa", "to", "vi", "ber", "dan", "gor", "hal", "lin", "mor", "son", "ton", "wel", "zak"}
	name := func(k int) string {
		s := ""
		for range k {
			s += syl[r.IntN(len(syl))]
		}
		return string(s[0]-32) + s[1:]
	}
	surnames := make([]string, max(n/100, 10))
	for i := range surnames {
		surnames[i] = name(3)
	}
	base := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	docs := make([]domain.Doc, n)
	for i := range docs {
		created := base.Add(time.Duration(i) * time.Minute)
		status := "active"
		if r.IntN(10) == 0 {
			status = "inactive"
		}
		docs[i] = domain.Doc{
			"id": core.NewID("pat", created), "object": "patient", "organizationId": tn.Org, "livemode": false,
			"createdAt": created.UnixMilli(), "updatedAt": created.UnixMilli(),
			"externalId": fmt.Sprintf("MIX-%07d", i), "firstName": name(2), "lastName": surnames[r.IntN(len(surnames))],
			"dateOfBirth": time.Date(1930+r.IntN(90), time.Month(1+r.IntN(12)), 1+r.IntN(28), 0, 0, 0, 0, time.UTC).UnixMilli(),
			"sex":         "unknown", "status": status, "tags": []any{}, "metadata": map[string]any{},
		}
	}
	return docs
}

// processCPU is the CPU time (user and system) this process has used so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
