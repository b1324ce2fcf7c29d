package report

import (
	"fmt"
	"sort"
	"strings"
)

// Goal is a figure an issue set a target for: how to measure it from the run's benchmarks, the
// bound it must meet (at most Max, or at least Min; below Max when Strict), the figure before
// the work, and the doc section that explains a gap.
type Goal struct {
	Issue, What string
	Unit        string
	Max, Min    float64 // one of them set (both zero and Strict false: reported, no bound)
	Strict      bool    // the bound excludes Max (< rather than ≤)
	NoBound     bool    // a figure the issue asks to report, with no target
	Before      string  // the figure before the work ("—": none)
	Doc         string  // docs/ page and anchor explaining a gap, relative to docs/
	Measure     func([]Benchmark) (v float64, detail string, ok bool)
}

// metric is one benchmark's figure (by name, in whichever package it now lives).
func metric(name, unit string) func([]Benchmark) (float64, string, bool) {
	return func(bs []Benchmark) (float64, string, bool) {
		for _, b := range bs {
			if v, ok := b.Metrics[unit]; ok && b.Name == name {
				return v, "", true
			}
		}
		return 0, "", false
	}
}

// worst is the greatest figure among the benchmarks named prefix*, naming which.
func worst(prefix, unit string) func([]Benchmark) (float64, string, bool) {
	return func(bs []Benchmark) (float64, string, bool) {
		var v float64
		name, n := "", 0
		for _, b := range bs {
			if x, ok := b.Metrics[unit]; ok && strings.HasPrefix(b.Name, prefix) {
				if n++; name == "" || x > v {
					v, name = x, b.Name
				}
			}
		}
		return v, fmt.Sprintf("worst of %d: %s", n, strings.TrimPrefix(name, prefix)), n > 0
	}
}

// worstRatio is the greatest largest-over-smallest-size ratio among families named prefix*. A
// ratio compares the same work: a family whose sizes return different numbers of items (a skip
// past the end of the small organization answers an empty page) is left out, and named.
func worstRatio(prefix, unit string) func([]Benchmark) (float64, string, bool) {
	return func(bs []Benchmark) (float64, string, bool) {
		byName := make(map[string]Benchmark, len(bs))
		for _, b := range bs {
			byName[b.Name] = b
		}
		var v float64
		name, n := "", 0
		var unlike []string
		for _, r := range Ratios(bs) {
			if r.Unit != unit || !strings.HasPrefix(r.Family, prefix) {
				continue
			}
			if byName[r.Small].Metrics["items/op"] != byName[r.Large].Metrics["items/op"] {
				unlike = append(unlike, strings.TrimPrefix(r.Family, prefix))
				continue
			}
			if n++; name == "" || r.Value > v {
				v, name = r.Value, r.Family
			}
		}
		desc := fmt.Sprintf("worst of %d: %s", n, strings.TrimPrefix(name, prefix))
		if len(unlike) > 0 {
			desc += fmt.Sprintf("; left out, other items returned at each size: %s", strings.Join(unlike, ", "))
		}
		return v, desc, n > 0
	}
}

// beside is one benchmark's figure with another's beside it (a mix against its baseline).
func beside(name, base, unit string) func([]Benchmark) (float64, string, bool) {
	return func(bs []Benchmark) (float64, string, bool) {
		v, _, ok := metric(name, unit)(bs)
		b, _, okb := metric(base, unit)(bs)
		if !ok || !okb || b == 0 {
			return v, "", ok
		}
		return v, fmt.Sprintf("%s %s %s, %.2f×", strings.TrimPrefix(base, name[:strings.LastIndex(name, "/")+1]), formatValue(b), unit, v/b), true
	}
}

// Goals are issues 15's and 18's targets. Issue 18's befores are BenchmarkWriteCost on main
// before the issue (a6d05d7): 88.26 WCU and 15,187 billed bytes per created patient ("halve"
// is the goal), and the issue's own figures for create and patch p50 (10.6 and ~20 ms). The
// creates/s before is the benchmark's first idle run (2026-12-07 17:42, docs/writes.md). The
// engine's bytes per patient are its pages in use (the file grows in bbolt's steps of up to
// 16 MB, too coarse over make bench's few hundred creates); before: 39,145 (main at e9377c2).
// Issue 15's befores are the issue's: unservable queries read the whole organization, and the
// time grew 5-6x for 7.7x the data.
var Goals = []Goal{
	{Issue: "18", What: "creates/s in one organization, 16 writers, conflicts on", Unit: "creates/s", Min: 300, Before: "196.8",
		Doc: "writes.md#hot-items-and-what-changed", Measure: metric("HotOrganization/conflicts=on", "creates/s")},
	{Issue: "18", What: "create p50 at concurrency 1", Unit: "ms", Max: 5, Before: "10.6",
		Doc: "writes.md#what-a-patient-costs-and-why-not-half", Measure: metric("WriteCost", "create-p50-ms")},
	{Issue: "18", What: "patch p50 at concurrency 1", Unit: "ms", Max: 5, Before: "20",
		Doc: "writes.md#what-a-patient-costs-and-why-not-half", Measure: metric("WriteCost", "patch-p50-ms")},
	{Issue: "18", What: "write units per created patient (halved)", Unit: "WCU", Max: 88.26 / 2, Before: "88.26",
		Doc: "writes.md#what-a-patient-costs-and-why-not-half", Measure: metric("WriteCost", "create-WCU")},
	{Issue: "18", What: "billed bytes per patient, index copies included (halved)", Unit: "bytes", Max: 15187 / 2, Before: "15187",
		Doc: "writes.md#what-a-patient-costs-and-why-not-half", Measure: metric("WriteCost", "bytes/patient")},
	{Issue: "18", What: "engine bytes per patient, pages in use (halved)", Unit: "bytes", Max: 39145 / 2, Before: "39145",
		Doc: "writes.md#what-a-patient-costs-and-why-not-half", Measure: metric("WriteCost", "page-bytes/patient")},
	{Issue: "18", What: "minutes for 100,000 patients through the public API", Unit: "min", Max: 10, Before: "> 60",
		Doc: "writes.md#bulk-create", Measure: metric("BulkImport", "min/100k")},
	{Issue: "18", What: "5xx answers during the bulk import", Unit: "5xx", Max: 0, Before: "—",
		Doc: "writes.md#bulk-create", Measure: metric("BulkImport", "5xx/import")},
	{Issue: "15", What: "read amplification of every Find benchmark, each size", Unit: "read-amp", Max: 2, Strict: true, Before: "whole organization",
		Doc: "query.md#figures", Measure: worst("Find/", "read-amp")},
	{Issue: "15", What: "every Find's median time, 100k over 1k patients", Unit: "×", Max: 1.5, Strict: true, Before: "5–6 (for 7.7× the data)",
		Doc: "query.md#figures", Measure: worstRatio("Find/", "median-ns")},
	{Issue: "15", What: "Feathers-style mix through the gateway, beside single-key", Unit: "requests/s", NoBound: true, Before: "0.14× Feathers memory",
		Doc: "query.md#figures", Measure: beside("FindMixHTTP/feathers-mix", "FindMixHTTP/single-key", "requests/s")},
}

// verdict renders a goal's target and whether v meets it.
func (g Goal) verdict(v float64) (target string, met bool) {
	switch {
	case g.NoBound:
		return "reported", true
	case g.Min > 0:
		return fmt.Sprintf("≥ %s %s", formatValue(g.Min), g.Unit), v >= g.Min
	case g.Strict:
		return fmt.Sprintf("< %s %s", formatValue(g.Max), g.Unit), v < g.Max
	}
	return fmt.Sprintf("≤ %s %s", formatValue(g.Max), g.Unit), v <= g.Max
}

// writeGoals renders the goals whose benchmarks ran, issue by issue.
func writeGoals(sb *strings.Builder, bs []Benchmark) {
	goals := append([]Goal(nil), Goals...)
	sort.SliceStable(goals, func(i, j int) bool { return goals[i].Issue < goals[j].Issue })
	var rows []string
	for _, g := range goals {
		v, detail, ok := g.Measure(bs)
		if !ok {
			continue
		}
		target, met := g.verdict(v)
		measured := formatValue(v)
		if detail != "" {
			measured += " (" + detail + ")"
		}
		status := "met"
		switch {
		case g.NoBound:
			status = "reported"
		case !met:
			status = fmt.Sprintf("not met: [why](%s)", g.Doc)
		}
		rows = append(rows, fmt.Sprintf("| %s | %s | %s | %s | %s | %s |", g.Issue, g.What, target, g.Before, measured, status))
	}
	if len(rows) == 0 {
		return
	}
	sb.WriteString("\n## Goals\n\nEach goal's gap, where it is not met, is explained in the section linked.\n\n| issue | goal | target | before | measured | |\n|---|---|---|---|---|---|\n")
	sb.WriteString(strings.Join(rows, "\n") + "\n")
}
