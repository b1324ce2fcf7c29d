// Command cyclo fails when a function in non-test Go code has a cyclomatic complexity over a
// limit (make lint: 25). Complexity is counted as gocyclo does: 1, plus one for each if, for,
// range, non-default case of a switch or select, and each && or ||; a function literal counts
// toward the function that holds it.
//
//	go run ./infra/cmd/cyclo [-over 25] [dir ...]
package main

import (
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

func main() {
	over := flag.Int("over", 25, "report functions whose complexity is above this")
	flag.Parse()
	dirs := flag.Args()
	if len(dirs) == 0 {
		dirs = []string{"."}
	}
	var all []stat
	for _, d := range dirs {
		s, err := walk(d)
		if err != nil {
			fmt.Fprintln(os.Stderr, "cyclo:", err)
			os.Exit(2)
		}
		all = append(all, s...)
	}
	if report(os.Stdout, all, *over) > 0 {
		os.Exit(1)
	}
}

// stat is one function's complexity.
type stat struct {
	Pos        token.Position
	Func       string // Recv.Name or Name
	Complexity int
}

// skipDir says which directories hold no code of ours to judge.
func skipDir(name string) bool {
	return name == "node_modules" || name == "testdata" || name == "vendor" || name == "bin" ||
		(strings.HasPrefix(name, ".") && name != "." && name != "..")
}

// walk measures every function in the non-test .go files under root.
func walk(root string) ([]stat, error) {
	var out []stat
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != root && skipDir(d.Name()) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return fmt.Errorf("parse %s: %w", path, err)
		}
		out = append(out, fileStats(fset, f)...)
		return nil
	})
	return out, err
}

// fileStats measures the functions and methods declared in f.
func fileStats(fset *token.FileSet, f *ast.File) []stat {
	var out []stat
	for _, decl := range f.Decls {
		fn, ok := decl.(*ast.FuncDecl)
		if !ok || fn.Body == nil {
			continue
		}
		out = append(out, stat{Pos: fset.Position(fn.Pos()), Func: funcName(fn), Complexity: complexity(fn.Body)})
	}
	return out
}

func funcName(fn *ast.FuncDecl) string {
	if fn.Recv == nil || len(fn.Recv.List) == 0 {
		return fn.Name.Name
	}
	t := fn.Recv.List[0].Type
	for {
		switch x := t.(type) {
		case *ast.StarExpr:
			t = x.X
			continue
		case *ast.IndexExpr:
			t = x.X
			continue
		case *ast.IndexListExpr:
			t = x.X
			continue
		case *ast.Ident:
			return x.Name + "." + fn.Name.Name
		}
		return fn.Name.Name
	}
}

// complexity is 1 plus the decision points in body.
func complexity(body ast.Node) int {
	c := 1
	ast.Inspect(body, func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.IfStmt, *ast.ForStmt, *ast.RangeStmt:
			c++
		case *ast.CaseClause:
			if x.List != nil {
				c++
			}
		case *ast.CommClause:
			if x.Comm != nil {
				c++
			}
		case *ast.BinaryExpr:
			if x.Op == token.LAND || x.Op == token.LOR {
				c++
			}
		}
		return true
	})
	return c
}

// report lists the functions over the limit, most complex first, and returns how many.
func report(w io.Writer, stats []stat, over int) int {
	var bad []stat
	for _, s := range stats {
		if s.Complexity > over {
			bad = append(bad, s)
		}
	}
	sort.Slice(bad, func(i, j int) bool {
		if bad[i].Complexity != bad[j].Complexity {
			return bad[i].Complexity > bad[j].Complexity
		}
		return bad[i].Pos.String() < bad[j].Pos.String()
	})
	if len(bad) == 0 {
		return 0
	}
	fmt.Fprintf(w, "cyclo: %d functions have a cyclomatic complexity over %d (split them):\n", len(bad), over)
	for _, s := range bad {
		fmt.Fprintf(w, "%s: %s has complexity %d\n", s.Pos, s.Func, s.Complexity)
	}
	return len(bad)
}
