// Package gate decides whether a scan passes: the --fail-on threshold, the
// vigil.yaml gate settings and Rego policies (package vigil, rules deny and
// warn) evaluated over the JSON report.
package gate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/vigil-sec/vigil/internal/inventory/purl"
	"github.com/vigil-sec/vigil/internal/scan"
	"github.com/vigil-sec/vigil/internal/severity"
)

// Options configure the gate.
type Options struct {
	// FailOn fails the gate on an unsuppressed finding at or above it
	// (Unknown: never). A vulnerability whose severity is unknown (no
	// advisory of its group scores it, as with most Go advisories) counts
	// at every threshold: the gate fails closed on what it cannot rank.
	FailOn severity.Level
	// IgnoreUnknownSeverity lets unscored vulnerabilities pass FailOn.
	IgnoreUnknownSeverity bool
	// OnlyFixable counts only vulnerabilities that have a fixed version.
	OnlyFixable bool
	// MinAdvisoryAge ignores vulnerabilities published less than this long
	// ago.
	MinAdvisoryAge time.Duration
	// DenyLicenses fail the gate when a package declares one (SPDX ids,
	// case-insensitive; matched inside expressions too).
	DenyLicenses []string
	// DenyPackages fail the gate when a package's purl matches (without a
	// version in the entry: any version).
	DenyPackages []string
	// PolicyDirs hold Rego files; rules data.vigil.deny and data.vigil.warn.
	PolicyDirs []string
	// FailOnKEV fails the gate on an unsuppressed vulnerability listed in
	// CISA's KEV catalog; MinEPSS (0 < x <= 1) on one whose EPSS score is at
	// or above it. Both need exploitation data in the result: without it
	// the gate fails closed (see exploitGate).
	FailOnKEV bool
	MinEPSS   float64
	// Policies, if set, are PolicyDirs already loaded with LoadPolicies
	// (so that a caller reports a bad policy before scanning).
	Policies *Policies
	Now      func() time.Time
	// MaxImageAge fails the gate on an image built longer ago than this
	// (0: no limit); the build time is source.BuildTime's (docs/freshness.md).
	MaxImageAge time.Duration
	// IgnoreSLABreach lets findings past their SLA pass a server gate
	// (EvaluateServer); by default a breach fails it.
	IgnoreSLABreach bool
}

// Outcome is the gate's verdict.
type Outcome struct {
	Failed bool `json:"failed"`
	// Reasons say why the gate failed, one line each.
	Reasons []string `json:"reasons,omitempty"`
	// Denies and Warnings are the messages of the Rego policies.
	Denies   []string `json:"denies,omitempty"`
	Warnings []string `json:"warnings,omitempty"`
	// Findings counts the findings that failed the gate (each once,
	// whichever rules it failed).
	Findings int `json:"findings,omitempty"`
}

// Evaluate applies every rule of the gate to r.
func Evaluate(ctx context.Context, r *scan.Result, o Options) (Outcome, error) {
	now := time.Now
	if o.Now != nil {
		now = o.Now
	}
	var out Outcome
	failedVulns := map[int]bool{}
	if o.FailOn != severity.Unknown {
		n, unknown := 0, 0
		for i, v := range r.Vulnerabilities {
			switch o.vulnCounts(v.Suppressed != nil, v.Severity, v.FixedVersion, v.Published, now()) {
			case countUnknown:
				unknown++
				failedVulns[i] = true
			case countYes:
				n++
				failedVulns[i] = true
			}
		}
		for _, m := range r.Misconfigurations {
			if m.Suppressed == nil && m.Severity >= o.FailOn {
				n++
			}
		}
		for _, s := range r.Secrets {
			if s.Suppressed == nil && s.Severity >= o.FailOn {
				n++
			}
		}
		out.Findings += n - len(failedVulns) + unknown // misconfigurations and secrets
		if n > 0 {
			out.Reasons = append(out.Reasons, fmt.Sprintf("%d finding(s) at or above %s", n, o.FailOn))
		}
		if unknown > 0 {
			out.Reasons = append(out.Reasons, unknownReason(unknown))
		}
	}
	if img := r.Image; img != nil {
		if reason, ok := o.imageTooOld(img.Reference, img.Created, now()); ok {
			out.Reasons = append(out.Reasons, reason)
		}
	}
	out.Reasons = append(out.Reasons, exploitGate(r, o, failedVulns)...)
	out.Findings += len(failedVulns)
	for _, p := range r.Packages {
		for _, lic := range p.Licenses {
			for _, deny := range o.DenyLicenses {
				if licenseMentions(lic, deny) {
					out.Reasons = append(out.Reasons, fmt.Sprintf("package %s %s has denied licence %s", p.Name, p.Version, deny))
				}
			}
		}
		for _, deny := range o.DenyPackages {
			if purl.Match(deny, p.PURL) {
				out.Reasons = append(out.Reasons, fmt.Sprintf("package %s %s is denied (%s)", p.Name, p.Version, deny))
			}
		}
	}
	if err := o.applyPolicies(ctx, &out, func(p *Policies) ([]string, []string, error) { return p.Eval(ctx, r) }); err != nil {
		return out, err
	}
	out.Failed = len(out.Reasons) > 0
	return out, nil
}

// applyPolicies evaluates the Rego policies (Policies, or PolicyDirs
// loaded here) with eval and adds their denies to out as reasons. A
// policy that does not load or evaluate is an error, never a pass.
func (o Options) applyPolicies(ctx context.Context, out *Outcome, eval func(*Policies) (denies, warns []string, err error)) error {
	pol := o.Policies
	if pol == nil && len(o.PolicyDirs) > 0 {
		var err error
		if pol, err = LoadPolicies(ctx, o.PolicyDirs); err != nil {
			return err
		}
	}
	if pol == nil {
		return nil
	}
	denies, warns, err := eval(pol)
	if err != nil {
		return err
	}
	out.Denies, out.Warnings = denies, warns
	for _, d := range denies {
		out.Reasons = append(out.Reasons, "policy: "+d)
	}
	return nil
}

// count says whether a vulnerability counts for FailOn.
type count int

const (
	countNo count = iota
	countYes
	countUnknown // of unknown severity, counted at every threshold
)

// vulnCounts is the FailOn rule for one vulnerability, the same for a local
// scan (Evaluate) and the server's findings (EvaluateServer).
func (o Options) vulnCounts(suppressed bool, sev severity.Level, fixed string, published, now time.Time) count {
	if o.FailOn == severity.Unknown || suppressed || (o.OnlyFixable && fixed == "") {
		return countNo
	}
	if o.MinAdvisoryAge > 0 && !published.IsZero() && now.Sub(published) < o.MinAdvisoryAge {
		return countNo
	}
	switch {
	case sev == severity.Unknown:
		if !o.IgnoreUnknownSeverity {
			return countUnknown
		}
	case sev >= o.FailOn:
		return countYes
	}
	return countNo
}

func unknownReason(n int) string {
	return fmt.Sprintf("%d vulnerabilit(ies) of unknown severity (no advisory scores them; gate.ignore_unknown_severity in vigil.yaml lets them pass)", n)
}

// imageTooOld is the MaxImageAge rule: an image built before now -
// MaxImageAge fails. An image without a build time passes (nothing to
// measure), as a reproducible build with a zero created time and no
// history times does.
func (o Options) imageTooOld(name string, built, now time.Time) (string, bool) {
	if o.MaxImageAge <= 0 || built.IsZero() {
		return "", false
	}
	age := now.Sub(built)
	if age <= o.MaxImageAge {
		return "", false
	}
	return fmt.Sprintf("image %s was built %d days ago (%s), more than max_image_age_days %d", name, int(age.Hours()/24), built.UTC().Format(time.DateOnly), int(o.MaxImageAge.Hours()/24)), true
}

// licenseMentions reports whether an SPDX expression (or a plain licence
// name) names id, token by token.
func licenseMentions(expr, id string) bool {
	f := func(r rune) bool { return r == ' ' || r == '(' || r == ')' }
	for _, tok := range strings.FieldsFunc(expr, f) {
		if strings.EqualFold(tok, id) {
			return true
		}
	}
	return false
}

// ErrNoPolicy is returned (wrapped, naming the directory) when a policy
// directory defines nothing the gate or the misconfiguration scanner
// evaluates: a typo in the package name must fail the run, not pass it.
var ErrNoPolicy = errors.New("no deny or warn rule in package vigil and no check in package vigil.checks.*")

// Policies are compiled gate policies, ready to evaluate.
type Policies struct {
	pq rego.PreparedEvalQuery
}

// policyQuery reads deny and warn independently: a comprehension is always
// defined, so an undefined rule gives an empty list and never makes the
// other one undefined.
const policyQuery = "d := [x | x := data.vigil.deny]; w := [x | x := data.vigil.warn]"

// LoadPolicies parses and compiles the Rego files of dirs (directories or
// single files; tests, *_test.rego, are left out). Each one must define a
// deny or warn rule in package vigil, or hold an IaC check (package
// vigil.checks.*); otherwise the error wraps ErrNoPolicy and names it.
func LoadPolicies(ctx context.Context, dirs []string) (*Policies, error) {
	var mods []*ast.Module
	for _, dir := range dirs {
		m, err := loadModules(dir)
		if err != nil {
			return nil, err
		}
		if err := evaluable(dir, m); err != nil {
			return nil, err
		}
		for _, x := range m {
			// IaC checks (package vigil.checks.*) are run by the
			// misconfig scanner with their own input; everything else
			// (package vigil and any helper packages) is the gate's.
			if !isCheck(x) {
				mods = append(mods, x)
			}
		}
	}
	opts := []func(*rego.Rego){rego.Query(policyQuery), rego.StrictBuiltinErrors(true)}
	for _, m := range mods {
		opts = append(opts, rego.ParsedModule(m))
	}
	pq, err := rego.New(opts...).PrepareForEval(ctx)
	if err != nil {
		return nil, fmt.Errorf("compile policies: %w", err)
	}
	return &Policies{pq: pq}, nil
}

func isCheck(m *ast.Module) bool {
	return strings.HasPrefix(m.Package.Path.String(), "data.vigil.checks.")
}

// evaluable reports ErrNoPolicy unless the modules of dir define
// data.vigil.deny, data.vigil.warn or a check's deny.
func evaluable(dir string, mods []*ast.Module) error {
	var pkgs []string
	for _, m := range mods {
		pkg := m.Package.Path.String()
		switch {
		case pkg == "data.vigil" && (hasRule(m, "deny") || hasRule(m, "warn")):
			return nil
		case isCheck(m) && hasRule(m, "deny"):
			return nil
		}
		pkgs = append(pkgs, strings.TrimPrefix(pkg, "data."))
	}
	slices.Sort(pkgs)
	found := "no .rego files"
	if pkgs = slices.Compact(pkgs); len(pkgs) > 0 {
		found = "found package " + strings.Join(pkgs, ", ")
	}
	return fmt.Errorf("policy %q: %w (%s)", dir, ErrNoPolicy, found)
}

// hasRule reports whether m defines a rule named name (deny contains ...,
// deny := ..., deny if ...).
func hasRule(m *ast.Module, name string) bool {
	for _, r := range m.Rules {
		if ref := r.Head.Ref(); len(ref) > 0 && ref[0].Value.Compare(ast.Var(name)) == 0 {
			return true
		}
	}
	return false
}

// Eval evaluates data.vigil.deny and data.vigil.warn with input = the JSON
// report. Results may be strings or objects with "msg"; they come back
// sorted and without repeats.
func (p *Policies) Eval(ctx context.Context, r *scan.Result) (denies, warns []string, err error) {
	// input is exactly what --format json prints.
	b, err := json.Marshal(r)
	if err != nil {
		return nil, nil, err
	}
	var input any
	if err := json.Unmarshal(b, &input); err != nil {
		return nil, nil, err
	}
	return p.eval(ctx, input)
}

// each unwraps the list a comprehension of policyQuery binds: empty when
// the rule is undefined, one value otherwise.
func each(v any) []any {
	l, _ := v.([]any)
	return l
}

// messages turns a rule's value (a set of strings or of objects with msg)
// into strings.
func messages(v any) []string {
	var out []string
	add := func(x any) {
		switch t := x.(type) {
		case string:
			out = append(out, t)
		case map[string]any:
			if m, ok := t["msg"].(string); ok {
				out = append(out, m)
			} else {
				b, _ := json.Marshal(t)
				out = append(out, string(b))
			}
		default:
			b, _ := json.Marshal(t)
			out = append(out, string(b))
		}
	}
	switch t := v.(type) {
	case []any:
		for _, x := range t {
			add(x)
		}
	case nil:
	default:
		add(t)
	}
	return out
}

// MaxPolicySize bounds one Rego file.
const MaxPolicySize = 4 << 20

// loadModules parses every non-test .rego file under dir (a directory or
// one file), with file names in errors. Rego v1 syntax.
func loadModules(dir string) ([]*ast.Module, error) {
	var mods []*ast.Module
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !strings.HasSuffix(p, ".rego") || strings.HasSuffix(p, "_test.rego") {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if info.Size() > MaxPolicySize {
			return fmt.Errorf("policy %q: larger than %d bytes", p, MaxPolicySize)
		}
		src, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		m, err := ast.ParseModuleWithOpts(p, string(src), ast.ParserOptions{RegoVersion: ast.RegoV1})
		if err != nil {
			return fmt.Errorf("parse policy: %w", err)
		}
		mods = append(mods, m)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("load policies from %q: %w", dir, err)
	}
	return mods, nil
}
