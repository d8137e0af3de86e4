package policy

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"sync"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"

	"github.com/vigil-sec/vigil/internal/iac/input"
)

// unsafeBuiltins are refused in checks: a scan must not reach the network
// or read the environment.
var unsafeBuiltins = map[string]struct{}{
	"http.send": {}, "net.lookup_ip_addr": {}, "opa.runtime": {},
}

// Engine holds the compiled checks. It is safe for concurrent use.
type Engine struct {
	compiler *ast.Compiler
	checks   []Check // sorted by ID
	queries  map[input.Kind]*query
}

type query struct {
	pq     rego.PreparedEvalQuery
	checks []*Check // checks[i] is bound to variable r<i>

	once   sync.Once
	single []rego.PreparedEvalQuery // per check, prepared on first batch error
	err    error
}

// Result is one `deny` result.
type Result struct {
	Check *Check
	Msg   string
	Path  []any // strings and json.Number / int; nil when the check gave none
}

// Options configures New.
type Options struct {
	// Builtin holds the embedded checks and libraries (test files ignored).
	Builtin fs.FS
	// Dirs are user policy directories or files.
	Dirs []string
	// Disabled lists check ids not to evaluate.
	Disabled []string
}

// New parses and compiles every module once and prepares one query per
// input kind.
func New(ctx context.Context, opts Options) (*Engine, error) {
	var mods []Module
	if opts.Builtin != nil {
		m, err := LoadFS(opts.Builtin, false, false, func(p string) string { return p })
		if err != nil {
			return nil, fmt.Errorf("load builtin checks: %w", err)
		}
		mods = append(mods, m...)
	}
	user, err := LoadDirs(opts.Dirs, false)
	if err != nil {
		return nil, err
	}
	mods = append(mods, user...)
	return compile(ctx, mods, opts.Disabled)
}

func compile(ctx context.Context, mods []Module, disabled []string) (*Engine, error) {
	e := &Engine{queries: map[input.Kind]*query{}}
	parsed := make(map[string]*ast.Module, len(mods))
	byID := map[string]string{}
	var errs []error
	for _, m := range mods {
		if _, dup := parsed[m.File]; dup {
			errs = append(errs, fmt.Errorf("policy file %q loaded twice", m.File))
			continue
		}
		parsed[m.File] = m.Module
		c, ok, err := Metadata(m)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if !ok {
			if strings.HasPrefix(m.Module.Package.Path.String(), "data.vigil.checks.") && hasRule(m.Module, "deny") {
				// Without metadata it would be a library: never run.
				errs = append(errs, fmt.Errorf("policy %q: package %s defines deny but no METADATA with custom.id, so it would never run",
					m.File, strings.TrimPrefix(m.Module.Package.Path.String(), "data.")))
			}
			continue
		}
		if prev, dup := byID[c.ID]; dup {
			errs = append(errs, fmt.Errorf("check id %s defined twice (%s and %s)", c.ID, prev, c.File))
			continue
		}
		byID[c.ID] = c.File
		e.checks = append(e.checks, c)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	slices.SortFunc(e.checks, func(a, b Check) int { return strings.Compare(a.ID, b.ID) })

	e.compiler = ast.NewCompiler().
		WithUnsafeBuiltins(unsafeBuiltins).
		WithDefaultRegoVersion(ast.RegoV1).
		WithEnablePrintStatements(false)
	if e.compiler.Compile(parsed); e.compiler.Failed() {
		return nil, fmt.Errorf("compile policies: %w", e.compiler.Errors)
	}

	off := map[string]bool{}
	for _, id := range disabled {
		off[strings.ToUpper(id)] = true
	}
	for _, kind := range input.Kinds {
		q := &query{}
		var body []string
		for i := range e.checks {
			c := &e.checks[i]
			if c.Input != kind || off[strings.ToUpper(c.ID)] {
				continue
			}
			body = append(body, fmt.Sprintf("r%d := %s", len(q.checks), denyOf(c)))
			q.checks = append(q.checks, c)
		}
		if len(q.checks) == 0 {
			continue
		}
		pq, err := rego.New(
			rego.Query(strings.Join(body, "; ")),
			rego.Compiler(e.compiler),
		).PrepareForEval(ctx)
		if err != nil {
			return nil, fmt.Errorf("prepare %s checks: %w", kind, err)
		}
		q.pq = pq
		e.queries[kind] = q
	}
	return e, nil
}

// Checks returns the metadata of every loaded check, sorted by id.
func (e *Engine) Checks() []Check { return slices.Clone(e.checks) }

// Eval evaluates every enabled check of the kind against value. When the
// combined query fails (a conflict in one check), each check is evaluated
// alone so that one broken check does not hide the others; the failing
// checks are returned as errors beside the results.
func (e *Engine) Eval(ctx context.Context, kind input.Kind, value any) ([]Result, error) {
	q := e.queries[kind]
	if q == nil {
		return nil, nil
	}
	in, err := ast.InterfaceToValue(value)
	if err != nil {
		return nil, fmt.Errorf("convert input: %w", err)
	}
	rs, err := q.pq.Eval(ctx, rego.EvalParsedInput(in))
	if err == nil {
		var out []Result
		if len(rs) == 0 {
			return nil, nil
		}
		for i, c := range q.checks {
			out = appendResults(out, c, rs[0].Bindings[fmt.Sprintf("r%d", i)])
		}
		return out, nil
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	return e.evalEach(ctx, q, in)
}

func (e *Engine) evalEach(ctx context.Context, q *query, in ast.Value) ([]Result, error) {
	q.once.Do(func() {
		for _, c := range q.checks {
			pq, err := rego.New(rego.Query("r0 := "+denyOf(c)), rego.Compiler(e.compiler)).PrepareForEval(ctx)
			if err != nil {
				q.err = fmt.Errorf("prepare check %s: %w", c.ID, err)
				return
			}
			q.single = append(q.single, pq)
		}
	})
	if q.err != nil {
		return nil, q.err
	}
	var out []Result
	var errs []error
	for i, c := range q.checks {
		rs, err := q.single[i].Eval(ctx, rego.EvalParsedInput(in))
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			errs = append(errs, fmt.Errorf("check %s: %w", c.ID, err))
			continue
		}
		if len(rs) > 0 {
			out = appendResults(out, c, rs[0].Bindings["r0"])
		}
	}
	return out, errors.Join(errs...)
}

// denyOf is the expression that reads a check's deny. A partial set (deny
// contains ...) is always defined and read directly. Any other deny may be
// undefined (a complete rule whose body fails), which would make the whole
// batch query undefined and cancel every other check of the kind: it is
// read through a comprehension, always defined, which gives [] or [deny].
func denyOf(c *Check) string {
	if c.partialDeny {
		return c.Package + ".deny"
	}
	return "[x | x := " + c.Package + ".deny]"
}

// appendResults decodes the binding of denyOf. A deny is normally a set
// (strings, or objects with msg and path); a single value of a complete
// rule counts as one result, and true as one with the check's title.
func appendResults(out []Result, c *Check, v any) []Result {
	if !c.partialDeny {
		l, _ := v.([]any)
		if len(l) != 1 {
			return out
		}
		v = l[0]
	}
	set, ok := v.([]any)
	if !ok {
		set = []any{v}
	}
	for _, r := range set {
		switch x := r.(type) {
		case bool:
			if x {
				out = append(out, Result{Check: c, Msg: c.Title})
			}
		case string:
			out = append(out, Result{Check: c, Msg: x})
		case map[string]any:
			res := Result{Check: c}
			res.Msg, _ = x["msg"].(string)
			if res.Msg == "" {
				res.Msg = c.Title
			}
			if p, ok := x["path"].([]any); ok {
				res.Path = p
			}
			out = append(out, res)
		default:
			out = append(out, Result{Check: c, Msg: fmt.Sprint(x)})
		}
	}
	return out
}
