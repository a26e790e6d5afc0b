package app

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

var (
	fmtVerb    = regexp.MustCompile(`%(\[\d+\])?[-+# 0]*\d*(\.\d+)?[a-zA-Z]`)
	fmtIndexed = regexp.MustCompile(`%\[(\d+)\]`)
)

// fmtArgsOK reports whether format uses exactly n arguments: as many verbs
// as arguments, or, with explicit indexes, none beyond n and each used.
func fmtArgsOK(format string, n int) bool {
	format = strings.ReplaceAll(format, "%%", "")
	if idx := fmtIndexed.FindAllStringSubmatch(format, -1); len(idx) > 0 {
		for _, m := range idx {
			if k, _ := strconv.Atoi(m[1]); k < 1 || k > n {
				return false
			}
		}
		return true
	}
	return len(fmtVerb.FindAllString(format, -1)) == n
}

// Every Errorf(code, field, vi, en, args...) in the module gives both
// messages the arguments they format: a Vietnamese message without a verb
// but with arguments would show the official "%!(EXTRA …)" and the raw
// cause (go vet cannot see this, the function has two formats). Causes go
// to WithCause, which logs them and never shows them.
func TestErrorfMessagesTakeTheirArguments(t *testing.T) {
	fset := token.NewFileSet()
	calls := 0
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "node_modules" || strings.HasPrefix(d.Name(), ".")) && path != ".." {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) < 4 {
				return true
			}
			switch fn := call.Fun.(type) {
			case *ast.SelectorExpr:
				if x, ok := fn.X.(*ast.Ident); !ok || x.Name != "app" || fn.Sel.Name != "Errorf" {
					return true
				}
			case *ast.Ident:
				if fn.Name != "Errorf" || !strings.HasPrefix(filepath.ToSlash(path), "../app/") {
					return true
				}
			default:
				return true
			}
			calls++
			args := len(call.Args) - 4
			for i, name := range []string{"Vietnamese", "English"} {
				lit, ok := call.Args[2+i].(*ast.BasicLit)
				if !ok {
					continue // built elsewhere
				}
				format, _ := strconv.Unquote(lit.Value)
				if !fmtArgsOK(format, args) {
					t.Errorf("%s: the %s message does not take the %d argument(s) given", fset.Position(lit.Pos()), name, args)
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if calls < 50 {
		t.Fatalf("found only %d Errorf calls: is the walk looking at the module?", calls)
	}
}

func TestFmtArgsOK(t *testing.T) {
	cases := []struct {
		format string
		n      int
		want   bool
	}{
		{"plain", 0, true},
		{"plain", 1, false},
		{"got %d", 1, true},
		{"got %d of %q", 1, false},
		{"100%% done", 0, true},
		{"%[1]s, was %[2]s", 2, true},
		{"only %[1]s", 2, true},
		{"%[3]s", 2, false},
		{"%5.2f", 1, true},
	}
	for _, tc := range cases {
		if got := fmtArgsOK(tc.format, tc.n); got != tc.want {
			t.Errorf("fmtArgsOK(%q, %d) = %v, want %v", tc.format, tc.n, got, tc.want)
		}
	}
}
