package report

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const sample = `goos: linux
goarch: amd64
pkg: github.com/hapihub/hapihub/infra/dynamo
cpu: Some CPU @ 2.00GHz
BenchmarkQuery/items=1k-2         	    2000	     50000 ns/op	   1200 B/op	      20 allocs/op
BenchmarkQuery/items=10k-2        	    2000	     55000 ns/op	   1200 B/op	      20 allocs/op
BenchmarkQuery/items=100k-2       	    2000	     60000 ns/op	   1200 B/op	      20 allocs/op	     2.50 read-amp
BenchmarkPutItem/items=1k-2       	    1000	    100000 ns/op
BenchmarkPutItem/items=100k-2     	    1000	    300000 ns/op
BenchmarkConditionalWrite8-2      	     500	     20000 ns/op	  50000 writes/s
    some_test.go:12: a log line from a benchmark
PASS
ok  	github.com/hapihub/hapihub/infra/dynamo	12.3s
`

func TestParseAndRatios(t *testing.T) {
	res, err := Parse(strings.NewReader(sample))
	require.NoError(t, err)
	require.Len(t, res.Benchmarks, 6)
	assert.Equal(t, "Some CPU @ 2.00GHz", res.CPU)
	q := res.Benchmarks[2]
	assert.Equal(t, "Query/items=100k", q.Name)
	assert.Equal(t, 2.5, q.Metrics["read-amp"])

	rs := Ratios(res.Benchmarks)
	require.Len(t, rs, 2)
	assert.Equal(t, "PutItem/items=*", rs[0].Family)
	assert.InDelta(t, 3.0, rs[0].Value, 1e-9)
	assert.Equal(t, "Query/items=*", rs[1].Family)
	assert.Equal(t, "Query/items=1k", rs[1].Small)
	assert.Equal(t, "Query/items=100k", rs[1].Large)
	assert.InDelta(t, 1.2, rs[1].Value, 1e-9)
}

func TestWrite(t *testing.T) {
	res, err := Parse(strings.NewReader(sample))
	require.NoError(t, err)
	var sb strings.Builder
	require.NoError(t, Write(&sb, res, Machine{Date: time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC), GOOS: "linux", GOARCH: "amd64", CPUs: 2, Memory: "24 GB"}))
	out := sb.String()
	assert.Contains(t, out, "2026-11-23 10:00 UTC")
	assert.Contains(t, out, "linux/amd64, 2 CPUs, 24 GB memory")
	assert.Contains(t, out, "| Query/items=* | ns/op | 1.20 |")
	assert.Contains(t, out, "| ConditionalWrite8 | 500 | 20000 ns/op, 50000 writes/s |")
}

// TestGoals renders the Goals table from a sample of make bench's output (testdata, lines as
// go test printed them on 2026-12-07 21:07, a few Find sizes left out) and checks every row.
func TestGoals(t *testing.T) {
	f, err := os.Open("testdata/sample.bench.txt")
	require.NoError(t, err)
	defer f.Close()
	res, err := Parse(f)
	require.NoError(t, err)
	var sb strings.Builder
	require.NoError(t, Write(&sb, res, Machine{}))
	out := sb.String()
	rows := []string{
		"| 15 | read amplification of every Find benchmark, each size | < 2 read-amp | whole organization | 51 (worst of 7: patients=1k/createdAt-skip500) | not met: [why](query.md#figures) |",
		// status-skip1000 is past the end at 1k (0 items, a full page at 100k): not the same work.
		"| 15 | every Find's median time, 100k over 1k patients | < 1.50 × | 5–6 (for 7.7× the data) | 1.08 (worst of 3: patients=*/externalId; left out, other items returned at each size: patients=*/status-skip1000) | met |",
		"| 15 | Feathers-style mix through the gateway, beside single-key | reported | 0.14× Feathers memory | 668.10 (single-key 728.40 requests/s, 0.92×) | reported |",
		"| 18 | creates/s in one organization, 16 writers, conflicts on | ≥ 300 creates/s | 196.8 | 285.50 | not met: [why](writes.md#hot-items-and-what-changed) |",
		"| 18 | create p50 at concurrency 1 | ≤ 5 ms | 10.6 | 4.61 | met |",
		"| 18 | patch p50 at concurrency 1 | ≤ 5 ms | 20 | 3.97 | met |",
		"| 18 | write units per created patient (halved) | ≤ 44.13 WCU | 88.26 | 72.96 | not met: [why](writes.md#what-a-patient-costs-and-why-not-half) |",
		"| 18 | billed bytes per patient, index copies included (halved) | ≤ 7593 bytes | 15187 | 19341 | not met: [why](writes.md#what-a-patient-costs-and-why-not-half) |",
		"| 18 | engine bytes per patient, pages in use (halved) | ≤ 19572 bytes | 39145 | 26378 | not met: [why](writes.md#what-a-patient-costs-and-why-not-half) |",
		"| 18 | minutes for 100,000 patients through the public API | ≤ 10 min | > 60 | 4.72 | met |",
		"| 18 | 5xx answers during the bulk import | ≤ 0 5xx | — | 0 | met |",
	}
	for _, r := range rows {
		assert.Contains(t, out, r+"\n")
	}
	assert.Equal(t, len(Goals), strings.Count(out, "\n| 1"), "one row per goal")
	assert.Less(t, strings.Index(out, "| 15 |"), strings.Index(out, "| 18 |"), "issue by issue")
}

func TestGoalVerdicts(t *testing.T) {
	cases := []struct {
		name   string
		g      Goal
		v      float64
		target string
		met    bool
	}{
		{"at least, met at the bound", Goal{Min: 300, Unit: "creates/s"}, 300, "≥ 300 creates/s", true},
		{"at least, short", Goal{Min: 300, Unit: "creates/s"}, 299.9, "≥ 300 creates/s", false},
		{"at most, met at the bound", Goal{Max: 5, Unit: "ms"}, 5, "≤ 5 ms", true},
		{"at most, over", Goal{Max: 5, Unit: "ms"}, 5.01, "≤ 5 ms", false},
		{"zero bound", Goal{Max: 0, Unit: "5xx"}, 1, "≤ 0 5xx", false},
		{"below, at the bound is not met", Goal{Max: 2, Strict: true, Unit: "read-amp"}, 2, "< 2 read-amp", false},
		{"below, under", Goal{Max: 2, Strict: true, Unit: "read-amp"}, 1.9, "< 2 read-amp", true},
		{"no bound", Goal{NoBound: true}, 12, "reported", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			target, met := c.g.verdict(c.v)
			assert.Equal(t, c.target, target)
			assert.Equal(t, c.met, met)
		})
	}
}

func TestGoalsOfBenchmarksNotRunAreLeftOut(t *testing.T) {
	res, err := Parse(strings.NewReader(`pkg: github.com/hapihub/hapihub/shared/store/search
BenchmarkWriteCost-2   	     200	  40731794 ns/op	        62.53 create-WCU	        4.5 create-p50-ms
`))
	require.NoError(t, err)
	var sb strings.Builder
	require.NoError(t, Write(&sb, res, Machine{}))
	out := sb.String()
	assert.Contains(t, out, "| 18 | create p50 at concurrency 1 | ≤ 5 ms | 10.6 | 4.50 | met |")
	assert.Contains(t, out, "| 18 | write units per created patient (halved) | ≤ 44.13 WCU | 88.26 | 62.53 | not met: [why](writes.md#what-a-patient-costs-and-why-not-half) |")
	assert.NotContains(t, out, "min/100k", "goals of benchmarks that did not run are left out")
	assert.NotContains(t, out, "creates/s")
	assert.NotContains(t, out, "| 15 |")

	sb.Reset()
	require.NoError(t, Write(&sb, Results{Benchmarks: []Benchmark{{Name: "Other", Metrics: map[string]float64{"ns/op": 1}}}}, Machine{}))
	assert.NotContains(t, sb.String(), "## Goals", "no goal measured: no table")
}
