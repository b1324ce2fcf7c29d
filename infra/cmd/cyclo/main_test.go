package main

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const src = `package p

func straight() int { return 1 }

type T[K any] struct{}

// 1 + if + && + for + range + 2 non-default cases (default not counted) + select's 1 comm case
// + the if inside the function literal = 9.
func (t *T[K]) busy(a, b bool, xs []int, ch chan int) int {
	if a && b {
		return 0
	}
	for i := 0; i < 3; i++ {
	}
	for range xs {
	}
	switch {
	case a:
	case b:
	default:
	}
	select {
	case <-ch:
	default:
	}
	f := func() {
		if a {
		}
	}
	f()
	return 1
}

func or(a, b, c bool) bool { return a || b || c }
`

func TestComplexityCountsDecisionPoints(t *testing.T) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "p.go", src, 0)
	require.NoError(t, err)
	got := map[string]int{}
	for _, s := range fileStats(fset, f) {
		got[s.Func] = s.Complexity
	}
	assert.Equal(t, map[string]int{"straight": 1, "T.busy": 9, "or": 3}, got)
}

func TestWalkSkipsTestsAndForeignTrees(t *testing.T) {
	dir := t.TempDir()
	write := func(path, body string) {
		require.NoError(t, os.MkdirAll(filepath.Dir(filepath.Join(dir, path)), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(dir, path), []byte(body), 0o644))
	}
	write("a/a.go", src)
	write("a/a_test.go", "package p\nfunc inTest(a bool) { if a {} }\n")
	write("node_modules/x/x.go", "package x\nfunc foreign(a bool) { if a {} }\n")
	write("a/testdata/t.go", "package t\nfunc fixture(a bool) { if a {} }\n")
	stats, err := walk(dir)
	require.NoError(t, err)
	var names []string
	for _, s := range stats {
		names = append(names, s.Func)
	}
	assert.ElementsMatch(t, []string{"straight", "T.busy", "or"}, names)

	var b strings.Builder
	assert.Equal(t, 1, report(&b, stats, 8))
	assert.Contains(t, b.String(), "a.go:9:1: T.busy has complexity 9")
	assert.Equal(t, 0, report(&b, stats, 9), "the limit itself is allowed")
}
