package report

import (
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

func TestGoals(t *testing.T) {
	res, err := Parse(strings.NewReader(`pkg: github.com/hapihub/hapihub/shared/store
BenchmarkHotOrganization/conflicts=on-2   	       1	15557078070 ns/op	        51.42 creates/s	       1041 p99-ms
BenchmarkWriteCost-2   	     200	  40731794 ns/op	        62.53 create-WCU	        4.5 create-p50-ms
`))
	require.NoError(t, err)
	var sb strings.Builder
	require.NoError(t, Write(&sb, res, Machine{}))
	out := sb.String()
	assert.Contains(t, out, "| 18 | creates/s in one organization, 16 writers, conflicts on | ≥ 300 creates/s | — | 51.42 | not met |")
	assert.Contains(t, out, "| 18 | create p50 at concurrency 1 | ≤ 5 create-p50-ms | 10.60 | 4.50 | met |")
	assert.Contains(t, out, "| 18 | write units per created patient (halved) | ≤ 44.13 create-WCU | 88.26 | 62.53 | not met |")
	assert.NotContains(t, out, "min/100k", "goals of benchmarks that did not run are left out")
}
