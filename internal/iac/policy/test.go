package policy

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/tester"
)

// TestResult is the outcome of one Rego test rule.
type TestResult struct {
	Package string // data.vigil.checks.kubernetes.privileged_test
	Name    string // test_denies_privileged
	File    string
	Line    int
	Pass    bool
	Skip    bool
	Err     string // evaluation error, if any
	Output  string // print() output
}

// Test runs the Rego unit tests (`test_` rules) of the user directories
// against their modules plus the builtin checks and libraries (so tests may
// import data.vigil.lib.*). Results are written to w one per line, sorted.
// It returns ErrNoTests when there is nothing to run and ErrTestsFailed
// (wrapped) when a test fails or errors.
func Test(ctx context.Context, builtin fs.FS, dirs []string, w io.Writer) ([]TestResult, error) {
	var mods []Module
	if builtin != nil {
		m, err := LoadFS(builtin, false, false, func(p string) string { return p })
		if err != nil {
			return nil, fmt.Errorf("load builtin checks: %w", err)
		}
		mods = append(mods, m...)
	}
	// Each directory must hold tests: one named by mistake (or whose test
	// files were renamed) would otherwise pass with the others.
	for _, dir := range dirs {
		user, err := LoadDirs([]string{dir}, true)
		if err != nil {
			return nil, err
		}
		if !slices.ContainsFunc(user, hasTests) {
			return nil, fmt.Errorf("policy %q: %w (test_* rules)", dir, ErrNoTests)
		}
		mods = append(mods, user...)
	}
	return RunTests(ctx, mods, w)
}

// hasTests reports whether m defines a test rule, as OPA's tester finds
// them: a rule named test_*.
func hasTests(m Module) bool {
	for _, r := range m.Module.Rules {
		if strings.HasPrefix(r.Head.Name.String(), "test_") || strings.HasPrefix(r.Head.Ref().String(), "test_") {
			return true
		}
	}
	return false
}

// RunTests runs the test rules found in mods with OPA's tester.
func RunTests(ctx context.Context, mods []Module, w io.Writer) ([]TestResult, error) {
	parsed := make(map[string]*ast.Module, len(mods))
	for _, m := range mods {
		parsed[m.File] = m.Module
	}
	// Builtin errors make the expression undefined, as in scans.
	ch, err := tester.NewRunner().
		SetDefaultRegoVersion(ast.RegoV1).
		SetModules(parsed).
		CapturePrintOutput(true).
		RaiseBuiltinErrors(false).
		RunTests(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("run policy tests: %w", err)
	}
	var out []TestResult
	for r := range ch {
		tr := TestResult{
			Package: r.Package,
			Name:    r.Name,
			Pass:    r.Pass(),
			Skip:    r.Skip,
			Output:  string(r.Output),
		}
		if r.Location != nil {
			tr.File, tr.Line = r.Location.File, r.Location.Row
		}
		if r.Error != nil {
			tr.Err = r.Error.Error()
		}
		out = append(out, tr)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b TestResult) int {
		if c := strings.Compare(a.Package, b.Package); c != 0 {
			return c
		}
		return strings.Compare(a.Name, b.Name)
	})
	failed := 0
	for _, r := range out {
		status := "PASS"
		switch {
		case r.Skip:
			status = "SKIP"
		case !r.Pass:
			status = "FAIL"
			failed++
		}
		if w != nil {
			fmt.Fprintf(w, "%s %s.%s (%s:%d)\n", status, strings.TrimPrefix(r.Package, "data."), r.Name, r.File, r.Line)
			if r.Err != "" {
				fmt.Fprintf(w, "  error: %s\n", r.Err)
			}
			if !r.Pass && r.Output != "" {
				fmt.Fprintf(w, "  output: %s\n", strings.TrimSpace(r.Output))
			}
		}
	}
	if len(out) == 0 {
		return nil, ErrNoTests
	}
	if failed > 0 {
		return out, fmt.Errorf("%w: %d of %d", ErrTestsFailed, failed, len(out))
	}
	return out, nil
}
