// Package report parses `go test -bench` output and renders it as Markdown.
package report

import (
	"bufio"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Benchmark is one result line.
type Benchmark struct {
	Pkg     string
	Name    string // without the Benchmark prefix and the -N GOMAXPROCS suffix
	Iters   int64
	Metrics map[string]float64 // unit -> value: ns/op, B/op, allocs/op and custom ones
	Units   []string           // metric order as printed
}

// Results are everything parsed.
type Results struct {
	CPU        string
	Benchmarks []Benchmark
}

var procsSuffix = regexp.MustCompile(`-\d+$`)

// Parse reads go test -bench output.
func Parse(r io.Reader) (Results, error) {
	var res Results
	pkg := ""
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "pkg: "):
			pkg = strings.TrimPrefix(line, "pkg: ")
		case strings.HasPrefix(line, "cpu: "):
			res.CPU = strings.TrimPrefix(line, "cpu: ")
		case strings.HasPrefix(line, "Benchmark"):
			f := strings.Fields(line)
			if len(f) < 4 || len(f)%2 != 0 {
				continue // a benchmark's own log line, not a result
			}
			iters, err := strconv.ParseInt(f[1], 10, 64)
			if err != nil {
				continue
			}
			b := Benchmark{Pkg: pkg, Name: procsSuffix.ReplaceAllString(strings.TrimPrefix(f[0], "Benchmark"), ""), Iters: iters, Metrics: map[string]float64{}}
			for i := 2; i+1 < len(f); i += 2 {
				v, err := strconv.ParseFloat(f[i], 64)
				if err != nil {
					return res, fmt.Errorf("line %q: value %q: %w", line, f[i], err)
				}
				b.Metrics[f[i+1]] = v
				b.Units = append(b.Units, f[i+1])
			}
			res.Benchmarks = append(res.Benchmarks, b)
		}
	}
	return res, sc.Err()
}

// Machine describes where the figures were taken.
type Machine struct {
	Date         time.Time
	GOOS, GOARCH string
	CPUs         int
	Memory       string
}

var sizeParam = regexp.MustCompile(`^(.*?)(\w+)=(\d+)(k|m)?(/.*)?$`)

func sizeOf(num, unit string) int64 {
	n, _ := strconv.ParseInt(num, 10, 64)
	switch unit {
	case "k":
		n *= 1_000
	case "m":
		n *= 1_000_000
	}
	return n
}

// Ratio compares the largest and smallest size of one benchmark family.
type Ratio struct {
	Family       string
	Small, Large string
	Unit         string
	Value        float64
}

// Ratios finds families of sub-benchmarks that differ only in a size parameter (items=1k,
// items=100k) and divides the largest's figure by the smallest's, for ns/op and any custom
// time metric (median-ns and the like).
func Ratios(bs []Benchmark) []Ratio {
	type member struct {
		size int64
		b    Benchmark
	}
	fams := map[string][]member{}
	for _, b := range bs {
		m := sizeParam.FindStringSubmatch(b.Name)
		if m == nil {
			continue
		}
		key := b.Pkg + "|" + m[1] + m[2] + "=*" + m[5]
		fams[key] = append(fams[key], member{sizeOf(m[3], m[4]), b})
	}
	var out []Ratio
	for key, ms := range fams {
		if len(ms) < 2 {
			continue
		}
		sort.Slice(ms, func(i, j int) bool { return ms[i].size < ms[j].size })
		small, large := ms[0].b, ms[len(ms)-1].b
		for _, u := range small.Units {
			if u != "ns/op" && !strings.HasSuffix(u, "-ns") && !strings.HasSuffix(u, "-ms") {
				continue
			}
			if small.Metrics[u] == 0 {
				continue
			}
			if lv, ok := large.Metrics[u]; ok {
				out = append(out, Ratio{Family: strings.SplitN(key, "|", 2)[1], Small: small.Name, Large: large.Name, Unit: u, Value: lv / small.Metrics[u]})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Family != out[j].Family {
			return out[i].Family < out[j].Family
		}
		return out[i].Unit < out[j].Unit
	})
	return out
}

// Write renders the report.
func Write(w io.Writer, res Results, m Machine) error {
	var sb strings.Builder
	sb.WriteString("# Benchmarks\n\n")
	sb.WriteString("Written by `make bench` (do not edit by hand). Figures are from one run on the machine below; compare\n")
	sb.WriteString("ratios rather than absolute times across machines.\n\n")
	fmt.Fprintf(&sb, "- Date: %s\n- Machine: %s/%s, %d CPUs, %s memory\n", m.Date.Format("2006-01-02 15:04 MST"), m.GOOS, m.GOARCH, m.CPUs, m.Memory)
	if res.CPU != "" {
		fmt.Fprintf(&sb, "- CPU: %s\n", res.CPU)
	}
	writeGoals(&sb, res.Benchmarks)
	if rs := Ratios(res.Benchmarks); len(rs) > 0 {
		sb.WriteString("\n## Scaling ratios (largest size / smallest size)\n\n| benchmark family | metric | ratio |\n|---|---|---|\n")
		for _, r := range rs {
			fmt.Fprintf(&sb, "| %s | %s | %.2f |\n", r.Family, r.Unit, r.Value)
		}
	}
	pkgs := map[string][]Benchmark{}
	var order []string
	for _, b := range res.Benchmarks {
		if _, ok := pkgs[b.Pkg]; !ok {
			order = append(order, b.Pkg)
		}
		pkgs[b.Pkg] = append(pkgs[b.Pkg], b)
	}
	for _, p := range order {
		fmt.Fprintf(&sb, "\n## %s\n\n| benchmark | iterations | figures |\n|---|---|---|\n", p)
		for _, b := range pkgs[p] {
			var figs []string
			for _, u := range b.Units {
				figs = append(figs, formatValue(b.Metrics[u])+" "+u)
			}
			fmt.Fprintf(&sb, "| %s | %d | %s |\n", b.Name, b.Iters, strings.Join(figs, ", "))
		}
	}
	_, err := io.WriteString(w, sb.String())
	return err
}

func formatValue(v float64) string {
	if v == float64(int64(v)) {
		return strconv.FormatInt(int64(v), 10)
	}
	return strconv.FormatFloat(v, 'f', 2, 64)
}
