// Package iac scans infrastructure-as-code for misconfigurations: it finds
// Dockerfiles, Kubernetes manifests, Helm charts, Terraform modules and
// Terraform plans in a file tree, loads each into a JSON-like document and
// evaluates the Rego checks (built in, plus user directories) against it.
// Findings point at the file and line of the offending field and honour
// inline `vigil:ignore:CHECK-ID reason` comments.
//
// See docs/iac.md for the input shapes and the check contract.
package iac

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"

	"github.com/vigil-sec/vigil/internal/iac/checks"
	"github.com/vigil-sec/vigil/internal/iac/helm"
	"github.com/vigil-sec/vigil/internal/iac/policy"
	"github.com/vigil-sec/vigil/internal/secrets"
)

// Options configures a Scanner.
type Options struct {
	// PolicyDirs are user directories (or .rego files) with extra checks.
	PolicyDirs []string
	// HelmValues are values files (on disk) applied, in order, over the
	// defaults of every chart found.
	HelmValues []string
	// Disabled lists check ids that are not evaluated.
	Disabled []string
	// Logger receives warnings about skipped files; nil discards.
	Logger *slog.Logger
	// Parallelism bounds concurrent file loading and evaluation; 0 means
	// GOMAXPROCS.
	Parallelism int
	// Builtin replaces the embedded checks (tests); nil means checks.FS.
	Builtin fs.FS
}

// CheckMeta is the metadata of a check.
type CheckMeta = policy.Check

// Finding is one failed check.
type Finding struct {
	CheckID        string            `json:"check_id"`
	Title          string            `json:"title"`
	Description    string            `json:"description,omitempty"`
	Severity       string            `json:"severity"`
	Remediation    string            `json:"remediation,omitempty"`
	References     []string          `json:"references,omitempty"`
	Controls       map[string]string `json:"controls,omitempty"`
	InputKind      string            `json:"input"`    // kubernetes, dockerfile, terraform
	Path           string            `json:"path"`     // slash-separated, relative to the scan root
	Line           int               `json:"line"`     // 1-based line of the offending field
	Resource       string            `json:"resource"` // Kind/namespace/name, Terraform address, "stage N"
	Message        string            `json:"message"`
	Suppressed     bool              `json:"suppressed,omitempty"`
	SuppressReason string            `json:"suppress_reason,omitempty"`
}

// FileError records a file that could not be (fully) scanned. It does not
// stop the scan.
type FileError struct {
	Path string `json:"path"`
	Line int    `json:"line,omitempty"`
	Err  error  `json:"-"`
}

func (e FileError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %v", e.Path, e.Line, e.Err)
	}
	return fmt.Sprintf("%s: %v", e.Path, e.Err)
}

func (e FileError) Unwrap() error { return e.Err }

// Result is the outcome of a scan, sorted by path, line and check id.
type Result struct {
	Findings []Finding
	Errors   []FileError
}

// Scanner holds the compiled checks. It is safe for concurrent use.
type Scanner struct {
	// engine compiles the checks on first use: most scanned trees hold no
	// infrastructure as code, and compiling 133 checks costs more than a
	// whole lockfile scan (60 ms).
	engine func() (*policy.Engine, error)
	// secrets holds the built-in secret rules, for credentials in
	// Dockerfile ENV and ARG values; built when the first Dockerfile is.
	secrets    func() (*secrets.Scanner, error)
	log        *slog.Logger
	helmValues []map[string]any
	parallel   int
}

// New prepares the built-in and user checks. They are compiled once, when
// the first file needs them; user checks (opts.PolicyDirs) are compiled
// here, so that a mistake in them is reported at once.
func New(ctx context.Context, opts Options) (*Scanner, error) {
	builtin := opts.Builtin
	if builtin == nil {
		builtin = checks.FS
	}
	compile := sync.OnceValues(func() (*policy.Engine, error) {
		return policy.New(context.WithoutCancel(ctx), policy.Options{Builtin: builtin, Dirs: opts.PolicyDirs, Disabled: opts.Disabled})
	})
	if len(opts.PolicyDirs) > 0 {
		if _, err := compile(); err != nil {
			return nil, err
		}
	}
	s := &Scanner{engine: compile, log: opts.Logger, parallel: opts.Parallelism,
		secrets: sync.OnceValues(func() (*secrets.Scanner, error) { return secrets.New(secrets.Options{Workers: 1}) })}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	for _, f := range opts.HelmValues {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("read helm values: %w", err)
		}
		v, err := helm.ParseValues(data)
		if err != nil {
			return nil, fmt.Errorf("parse helm values %q: %w", f, err)
		}
		s.helmValues = append(s.helmValues, v)
	}
	return s, nil
}

// Checks returns the metadata of the scanner's checks (built in and user),
// sorted by id, compiling them if no scan has yet.
func (s *Scanner) Checks() ([]CheckMeta, error) {
	eng, err := s.engine()
	if err != nil {
		return nil, err
	}
	return eng.Checks(), nil
}

var builtinChecks = sync.OnceValues(func() ([]CheckMeta, error) {
	mods, err := policy.LoadFS(checks.FS, false, false, func(p string) string { return p })
	if err != nil {
		return nil, err
	}
	var out []CheckMeta
	for _, m := range mods {
		c, ok, err := policy.Metadata(m)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, c)
		}
	}
	slices.SortFunc(out, func(a, b CheckMeta) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
})

// Checks returns the metadata of the built-in checks, sorted by id (for
// SARIF rules and documentation). It is nil if they do not load, which the
// package tests rule out.
func Checks() []CheckMeta {
	c, _ := builtinChecks()
	return slices.Clone(c)
}

// TestPolicies runs the Rego unit tests in dirs (with the built-in checks
// and libraries loaded beside them), writes one line per test to w and
// returns the counts. A failing test gives an error wrapping
// policy.ErrTestsFailed; no tests at all gives policy.ErrNoTests.
func TestPolicies(ctx context.Context, dirs []string, w io.Writer) (passed, failed int, err error) {
	res, err := policy.Test(ctx, checks.FS, dirs, w)
	for _, r := range res {
		switch {
		case r.Pass:
			passed++
		case !r.Skip:
			failed++
		}
	}
	return passed, failed, err
}

func sortFindings(fs []Finding) []Finding {
	slices.SortFunc(fs, func(a, b Finding) int {
		return cmp.Or(
			strings.Compare(a.Path, b.Path),
			cmp.Compare(a.Line, b.Line),
			strings.Compare(a.CheckID, b.CheckID),
			strings.Compare(a.Resource, b.Resource),
			strings.Compare(a.Message, b.Message),
		)
	})
	return slices.CompactFunc(fs, func(a, b Finding) bool {
		return a.Path == b.Path && a.Line == b.Line && a.CheckID == b.CheckID &&
			a.Resource == b.Resource && a.Message == b.Message
	})
}

func sortErrors(es []FileError) []FileError {
	slices.SortFunc(es, func(a, b FileError) int {
		return cmp.Or(strings.Compare(a.Path, b.Path), cmp.Compare(a.Line, b.Line),
			strings.Compare(a.Err.Error(), b.Err.Error()))
	})
	return es
}
