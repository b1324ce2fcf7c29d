// Command benchreport turns `go test -bench` output (stdin) into docs/benchmarks.md (stdout):
// the date, the machine, every figure, and the ratios the issues set goals for (largest over
// smallest size of a benchmark family such as items=1k .. items=100k).
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/hapihub/hapihub/infra/cmd/benchreport/report"
)

func main() {
	res, err := report.Parse(bufio.NewReader(os.Stdin))
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchreport:", err)
		os.Exit(1)
	}
	if len(res.Benchmarks) == 0 {
		fmt.Fprintln(os.Stderr, "benchreport: no benchmark results on stdin")
		os.Exit(1)
	}
	m := report.Machine{Date: time.Now().UTC(), GOOS: runtime.GOOS, GOARCH: runtime.GOARCH, CPUs: runtime.NumCPU(), Memory: memTotal()}
	if err := report.Write(os.Stdout, res, m); err != nil {
		fmt.Fprintln(os.Stderr, "benchreport:", err)
		os.Exit(1)
	}
}

// memTotal reads the machine's memory from /proc/meminfo where there is one.
func memTotal() string {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return "unknown"
	}
	defer f.Close()
	b, _ := io.ReadAll(io.LimitReader(f, 4096))
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "MemTotal:") {
			return strings.TrimSpace(strings.TrimPrefix(line, "MemTotal:"))
		}
	}
	return "unknown"
}
