// Package engine turns a scan result into the findings a team acts on: the
// vigil.yaml ignore list, VEX statements, the severity filter and the gate.
// `vigil scan` and `vigil serve` both call it, so a finding, a suppression
// and a gate decision mean the same thing in both.
//
// The order is fixed: Suppress (config ignores, then VEX) marks findings,
// a push happens here (the server gets every finding, marks included),
// Filter drops what is below --severity, and Gate judges what is left and
// not suppressed: the gate counts exactly what the report shows.
package engine

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/vigil-sec/vigil/internal/config"
	"github.com/vigil-sec/vigil/internal/gate"
	"github.com/vigil-sec/vigil/internal/scan"
	"github.com/vigil-sec/vigil/internal/severity"
	"github.com/vigil-sec/vigil/internal/source"
	"github.com/vigil-sec/vigil/internal/suppress"
	"github.com/vigil-sec/vigil/internal/vex"
)

// Policy is everything that decides, after matching, which findings count.
type Policy struct {
	// Config is the project's vigil.yaml (nil: none).
	Config *config.Config
	// VEX are statements from VEX documents.
	VEX []vex.Statement
	// MinSeverity hides findings below it from the report (Unknown: all).
	MinSeverity severity.Level
	// FailOn fails the gate at or above it; Unknown takes the config's
	// gate.fail_on, and without one the threshold does not apply.
	FailOn severity.Level
	// Policies are loaded Rego policy directories (gate.LoadPolicies).
	Policies *gate.Policies
	// PolicyDirs name the directories of Policies (for messages).
	PolicyDirs []string
}

// Suppress marks what the ignore list and the VEX statements cover. It
// appends warnings (expired or unused ignore entries) to r.Warnings. It
// hides nothing: a pushed or written report still carries every finding,
// marked.
func (p Policy) Suppress(r *scan.Result, now time.Time) {
	if p.Config != nil {
		r.Warnings = append(r.Warnings, suppress.Apply(r, p.Config.Ignore, p.Config.Path, now)...)
	}
	if len(p.VEX) > 0 {
		vex.Apply(r, p.VEX)
	}
	r.Summarise()
}

// Filter drops findings below MinSeverity (what the report shows).
func (p Policy) Filter(r *scan.Result) {
	r.FilterSeverity(p.MinSeverity)
}

// GateOptions are the gate settings of the policy: flags first, then the
// config's gate section.
func (p Policy) GateOptions(now func() time.Time) gate.Options {
	o := gate.Options{FailOn: p.FailOn, PolicyDirs: p.PolicyDirs, Policies: p.Policies, Now: now}
	if c := p.Config; c != nil {
		if o.FailOn == severity.Unknown && c.Gate.FailOn != "" {
			o.FailOn, _ = severity.Parse(c.Gate.FailOn) // validated by config.Parse
		}
		o.OnlyFixable = c.Gate.OnlyFixable
		o.MinAdvisoryAge = c.Gate.MinAdvisoryAge.Duration
		o.DenyLicenses = c.Gate.DenyLicenses
		o.DenyPackages = c.Gate.DenyPackages
		o.IgnoreUnknownSeverity = c.Gate.IgnoreUnknownSeverity
		o.MaxImageAge = time.Duration(c.Gate.MaxImageAgeDays) * 24 * time.Hour
		o.IgnoreSLABreach = c.Gate.IgnoreSLABreach
		o.FailOnKEV, o.MinEPSS = c.Gate.FailOnKEV, c.Gate.MinEPSS
	}
	return o
}

// Gate decides whether r passes. Call it after Suppress: suppressed
// findings never count.
func (p Policy) Gate(ctx context.Context, r *scan.Result, now func() time.Time) (gate.Outcome, error) {
	return gate.Evaluate(ctx, r, p.GateOptions(now))
}

// ConfigPath is the config file that applies to a scan target: flagPath if
// given, else vigil.yaml or .vigil.yaml at the scanned root (the directory,
// or the directory of a scanned file). A scheme prefix (dir:, file:,
// sbom:, rootfs:, oci-dir:, ...) is stripped first, so `vigil scan dir:X`
// reads X/vigil.yaml exactly as `vigil scan X` does. A registry image has
// no root of its own: its config is looked up in the current directory,
// where the CI job that scans it runs.
func ConfigPath(flagPath, target string) string {
	if flagPath != "" {
		return flagPath
	}
	// Only the prefix and the file system decide; the target's content is
	// not read again (scan.Run has read it).
	root := target
	if t, ok := source.SplitPrefix(target); ok {
		root = t.Ref
		if t.Kind == source.KindRegistry {
			root = "."
		}
	}
	fi, err := os.Stat(root)
	switch {
	case err == nil && !fi.IsDir():
		root = filepath.Dir(root)
	case err != nil:
		// No such path: a bare image reference (or a missing path, which
		// the scan has already reported).
		root = "."
	}
	return config.Find(root)
}

// LoadConfig reads the config that applies to target (see ConfigPath); nil
// when there is none. A config that exists but cannot be read or
// validated is an error, never an empty config.
func LoadConfig(flagPath, target string) (*config.Config, error) {
	p := ConfigPath(flagPath, target)
	if p == "" {
		return nil, nil
	}
	c, err := config.Load(p)
	if err != nil {
		return nil, fmt.Errorf("config %s: %w", p, err)
	}
	return c, nil
}

// LoadVEX reads VEX documents.
func LoadVEX(files []string) ([]vex.Statement, error) {
	var out []vex.Statement
	for _, f := range files {
		st, err := vex.Load(f)
		if err != nil {
			return nil, fmt.Errorf("read VEX: %w", err)
		}
		out = append(out, st...)
	}
	return out, nil
}
