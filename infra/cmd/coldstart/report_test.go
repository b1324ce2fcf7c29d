package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func msd(n ...int) []time.Duration {
	var out []time.Duration
	for _, x := range n {
		out = append(out, time.Duration(x)*time.Millisecond)
	}
	return out
}

func TestMedian(t *testing.T) {
	for _, tc := range []struct {
		in   []time.Duration
		want time.Duration
	}{
		{nil, 0},
		{msd(5), 5 * time.Millisecond},
		{msd(9, 1, 5), 5 * time.Millisecond},
		{msd(4, 1, 9, 2), 3 * time.Millisecond},
	} {
		assert.Equal(t, tc.want, median(tc.in), "%v", tc.in)
	}
}

func TestGoalsJudgeRatiosSizesAndIdenticalBinaries(t *testing.T) {
	base := measurement{Name: "hello", Inits: msd(10, 10, 10), Size: 5 << 20, SHA256: "h"}
	fns := []measurement{
		{Name: "authorizer", Inits: msd(14, 15, 16), Size: 9 << 20, SHA256: "a"},
		{Name: "patients", Inits: msd(20, 21, 22), Size: 11 << 20, SHA256: "p"},
		{Name: "events", Inits: msd(12), Size: 13 << 20, SHA256: "p"},
	}
	got := map[string]goal{}
	for _, g := range goals(base, fns) {
		got[g.What] = g
	}
	init := got["every function's init ≤ 1.5× hello"]
	assert.False(t, init.Met)
	assert.Equal(t, "worst 2.10× (patients)", init.Measured)
	assert.False(t, got["authorizer binary (linux/arm64, stripped)"].Met, "9 MiB is over 8")
	assert.Equal(t, "≤ 8.00 MB (7.63 MiB)", got["authorizer binary (linux/arm64, stripped)"].Target)
	size := got["every function's binary"]
	assert.False(t, size.Met)
	assert.Contains(t, size.Measured, "events")
	same := got["no two functions identical (sha256)"]
	assert.False(t, same.Met)
	assert.Equal(t, "events = patients", same.Measured)
	assert.True(t, got["no AWS call during init"].Met)

	// The goals are judged in decimal MB, the stricter reading: under 8 MiB and 12 MiB is not enough.
	fns = []measurement{
		{Name: "authorizer", Inits: msd(14), Size: 8_000_001, SHA256: "a"},
		{Name: "patients", Inits: msd(15), Size: 12_000_001, SHA256: "p"},
	}
	got = map[string]goal{}
	for _, g := range goals(base, fns) {
		got[g.What] = g
	}
	assert.Less(t, fns[0].Size, int64(8<<20))
	assert.False(t, got["authorizer binary (linux/arm64, stripped)"].Met, "8,000,001 bytes is over 8 MB though under 8 MiB")
	assert.Equal(t, "8.00 MB (7.63 MiB)", got["authorizer binary (linux/arm64, stripped)"].Measured)
	assert.False(t, got["every function's binary"].Met, "12,000,001 bytes is over 12 MB though under 12 MiB")
	assert.Equal(t, "largest 12.00 MB (11.44 MiB) (patients)", got["every function's binary"].Measured)
	assert.Equal(t, "≤ 12.00 MB (11.44 MiB)", got["every function's binary"].Target)

	// Everything within the goals, at the limits exactly.
	fns = []measurement{
		{Name: "authorizer", Inits: msd(14), Size: 8_000_000, SHA256: "a"},
		{Name: "patients", Inits: msd(15), Size: 12_000_000, SHA256: "p"},
	}
	for _, g := range goals(base, fns) {
		assert.True(t, g.Met, g.What)
	}

	// A function that did not start fails the init goal; one that called AWS is named.
	fns[0].Failure, fns[0].Inits = "exit status 1", nil
	fns[1].AWSCalls = []string{"DynamoDB_20120810.DescribeTable"}
	for _, g := range goals(base, fns) {
		if g.What == "every function's init ≤ 1.5× hello" || g.What == "no AWS call during init" {
			assert.False(t, g.Met, g.What)
		}
	}
}

func TestWriteReportsEveryFunction(t *testing.T) {
	base := measurement{Name: "hello", Inits: msd(2, 3), Size: 5 << 20, SHA256: "0123456789abcdef"}
	fns := []measurement{
		{Name: "authorizer", Inits: msd(4, 4), Size: 7 << 20, SHA256: "aa", PkgInitMs: 1.26, SlowInits: []pkgInit{{"html/template", 0.5, 10}}},
		{Name: "console", Failure: "config: HAPIHUB_TABLE | is not set", Size: 20 << 20, SHA256: "cc"},
	}
	refs := []measurement{{Name: "hello+dynamodb", Inits: msd(3, 3), Size: 6 << 20, PkgInitMs: 0.9, SlowInits: []pkgInit{{"dynamodb/schemas", 0.4, 10}}}}
	var b strings.Builder
	require.NoError(t, write(&b, header{Date: time.Unix(0, 0), Runs: 2, HostArch: "amd64", CPUs: 2, GoVersion: "go1.26", BuildFlags: "-trimpath"}, base, refs, fns))
	out := b.String()
	assert.Contains(t, out, "| hello | 2.5 | 2.0 | 1.00 | 5.24 MB (5.00 MiB) | 0123456789ab |")
	assert.Contains(t, out, "| authorizer | 4.0 | 4.0 | 1.60 | 7.34 MB (7.00 MiB) | aa |")
	assert.Contains(t, out, "| console | failed: config: HAPIHUB_TABLE / is not set |", "a failure stays inside its table cell")
	assert.Contains(t, out, "| authorizer | 1.3 | html/template 0.50 |")
	// A reference is reported beside the functions, with its ratio, but judged by no goal.
	assert.Contains(t, out, "| hello+dynamodb | 3.0 | 3.0 | 1.20 | 6.29 MB (6.00 MiB) |")
	assert.Contains(t, out, "| hello+dynamodb | 0.9 | dynamodb/schemas 0.40 |")
	assert.Contains(t, out, "worst 1.60× (authorizer)", "the goal is judged on the functions only")
}

func TestDiscoverListsFunctionDirectoriesWithGoFiles(t *testing.T) {
	dir := t.TempDir()
	for _, d := range []string{"patients", "authorizer", "empty"} {
		require.NoError(t, os.MkdirAll(filepath.Join(dir, d), 0o755))
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "patients", "main.go"), []byte("package main"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "authorizer", "main.go"), []byte("package main"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "README.md"), nil, 0o644))
	names, err := discover(dir)
	require.NoError(t, err)
	assert.Equal(t, []string{"authorizer", "patients"}, names)

	_, err = discover(filepath.Join(dir, "empty"))
	assert.Error(t, err)
}

func TestSlowestInitsReadsGodebugInittrace(t *testing.T) {
	out := "init runtime @0.040 ms, 0.18 ms clock, 0 bytes, 0 allocs\n" +
		"init github.com/aws/aws-sdk-go-v2/service/sqs @3.1 ms, 1.25 ms clock, 81234 bytes, 900 allocs\n" +
		"some log line\n" +
		"init html/template @2 ms, 0.5 ms clock, 100 bytes, 2 allocs\n"
	top, total := slowestInits(out, 2)
	assert.Equal(t, []pkgInit{{"github.com/aws/aws-sdk-go-v2/service/sqs", 1.25, 81234}, {"html/template", 0.5, 100}}, top)
	assert.InDelta(t, 1.93, total, 1e-9)
	assert.Equal(t, "github.com/aws/aws-sdk-go-v2/service/sqs 1.25, html/template 0.50", initsText(top))
}
