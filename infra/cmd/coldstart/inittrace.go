package main

import (
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// initLine is one line of GODEBUG=inittrace=1: "init <pkg> @<start> ms, <clock> ms clock, ...".
var initLine = regexp.MustCompile(`(?m)^init (\S+) @[0-9.]+ ms, ([0-9.]+) ms clock, (\d+) bytes`)

// pkgInit is one package's init cost.
type pkgInit struct {
	Pkg   string
	Clock float64 // ms
	Bytes int64
}

// slowestInits parses inittrace output and returns the n package inits that took longest, and
// the sum of all of them: where a function's init goes before main runs.
func slowestInits(out string, n int) ([]pkgInit, float64) {
	var all []pkgInit
	var total float64
	for _, m := range initLine.FindAllStringSubmatch(out, -1) {
		clock, _ := strconv.ParseFloat(m[2], 64)
		b, _ := strconv.ParseInt(m[3], 10, 64)
		all = append(all, pkgInit{Pkg: m[1], Clock: clock, Bytes: b})
		total += clock
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].Clock > all[j].Clock })
	if len(all) > n {
		all = all[:n]
	}
	return all, total
}

func initsText(ps []pkgInit) string {
	var parts []string
	for _, p := range ps {
		parts = append(parts, p.Pkg+" "+strconv.FormatFloat(p.Clock, 'f', 2, 64))
	}
	return strings.Join(parts, ", ")
}
