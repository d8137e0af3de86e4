package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/vigil-sec/vigil/internal/engine"
	"github.com/vigil-sec/vigil/internal/gate"
	"github.com/vigil-sec/vigil/internal/report"
	"github.com/vigil-sec/vigil/internal/scan"
	"github.com/vigil-sec/vigil/internal/severity"
)

type scanFlags struct {
	db             dbFlags
	scanners       []string
	format         string
	output         string
	minSeverity    string
	failOn         string
	exitCode       int
	showSuppressed bool
	configFile     string
	policyDirs     []string
	template       string
	vexFiles       []string
	gitHistory     bool
	baseline       string
	auditLog       string
	helmValues     []string
	kind           string
	platform       string
	insecure       bool
	noCache        bool
	push           pushFlags
	skipDirs       []string
	// gate is --server: the server's knowledge of --project also gates.
	gate serverGate
	sort string
}

func newScanCmd(e *env) *cobra.Command {
	var f scanFlags
	cmd := &cobra.Command{
		Use:   "scan [PATH]",
		Short: "Scan a source tree or a file for vulnerabilities, misconfigurations and secrets",
		Long: `Scan PATH (default: the current directory): find every software component
declared by lockfiles and manifests, match them against the vulnerability
database, and print the findings.

The first scan on a machine downloads the vulnerability database (only the
ecosystems the scan needs); 'vigil db update' refreshes it. With --offline the
network is never used.

Examples:
  vigil scan                                  # the current directory, table output
  vigil scan --format json -o report.json .   # versioned JSON report
  vigil scan --fail-on high                   # exit 1 if a HIGH or CRITICAL finding remains
  vigil scan package-lock.json                # a single lockfile

Exit codes: 0 passed, 1 findings at or above --fail-on (or --exit-code N),
2 usage or input error.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			target := "."
			if len(args) == 1 {
				target = args[0]
			}
			return runScan(cmd, e, &f, target)
		},
	}
	f.register(cmd)
	cmd.AddCommand(newScanKindCmd(e, scan.KindImage), newScanKindCmd(e, scan.KindRootFS))
	return cmd
}

func (f *scanFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	f.db.register(cmd)
	fl.StringSliceVar(&f.scanners, "scanners", nil, "scanners to run, comma separated: "+strings.Join(scan.AllScanners, ",")+" (default: all)")
	fl.StringVarP(&f.format, "format", "f", "table", "output format: "+strings.Join(report.Formats(), ", "))
	fl.StringVarP(&f.output, "output", "o", "", "write the report to FILE instead of standard output")
	fl.StringVar(&f.minSeverity, "severity", "", "only report findings at or above this severity: low, medium, high, critical")
	fl.StringVar(&f.failOn, "fail-on", "", "exit with --exit-code when a finding at or above this severity remains: low, medium, high, critical")
	fl.IntVar(&f.exitCode, "exit-code", ExitGate, "exit code when the gate fails")
	fl.BoolVar(&f.showSuppressed, "show-suppressed", false, "list suppressed findings in the table")
	fl.StringVar(&f.configFile, "config", "", "config file with the ignore list and gate settings (default: vigil.yaml or .vigil.yaml at the scanned root)")
	fl.StringArrayVar(&f.policyDirs, "policy", nil, "directory of Rego policies (package vigil: deny and warn rules over the JSON report); repeatable")
	fl.StringArrayVar(&f.vexFiles, "vex", nil, "VEX document (OpenVEX or CycloneDX VEX): not_affected and fixed statements suppress findings; repeatable")
	fl.BoolVar(&f.gitHistory, "git-history", false, "also scan the whole git history (every commit reachable from any ref) for secrets")
	fl.StringVar(&f.auditLog, "audit-log", "", "append a hash-chained record of this scan and its gate result (policy files' digests, vulnerability database digest and age) to FILE, JSON lines; check it with 'vigil audit verify --file FILE'")
	fl.StringVar(&f.baseline, "baseline", "", "secrets baseline: a JSON list of fingerprints or a previous JSON report; known secrets are suppressed")
	fl.StringArrayVar(&f.helmValues, "helm-values", nil, "values file applied over every Helm chart's defaults; repeatable")
	fl.StringVar(&f.template, "template", "", "Go template for --format template (TEXT, or @FILE)")
	fl.StringVar(&f.platform, "platform", "", "platform to pick from a multi-platform image index (default linux/amd64)")
	fl.BoolVar(&f.insecure, "insecure-registry", false, "allow plain-HTTP (and unverified TLS) registries")
	fl.BoolVar(&f.noCache, "no-cache", false, "do not read or write the image layer cache")
	f.push.register(fl)
	fl.StringVar(&f.gate.server, "server", "", "also gate on what the Vigil server at URL knows about --project: open findings on deployed artifacts, image age, SLA (docs/gate-server.md)")
	f.gate.registerToken(fl)
	fl.StringVar(&f.sort, "sort", "", "table order: severity (default: by file, highest severity first) or exploitability (KEV-listed first, then EPSS score, then severity)")
	fl.StringSliceVar(&f.skipDirs, "skip-dirs", nil, "directories not to enter, doublestar globs relative to the scanned root (e.g. '**/testdata,vendor'); repeatable. A root filesystem never enters /proc, /sys, /dev, /run or other mounts")
}

func newScanKindCmd(e *env, kind string) *cobra.Command {
	f := scanFlags{kind: kind}
	cmd := &cobra.Command{
		Use:   "image REF",
		Short: "Scan a container image: registry reference, OCI layout, OCI archive or docker save tarball",
		Long: `Scan a container image layer by layer: OS packages (dpkg, apk, rpm) and
language packages installed in it, each attributed to the layer that added
it, and secrets in every layer (also files a later layer deletes).

REF is a registry reference (registry/repo:tag or @sha256:...), an OCI
layout directory, an OCI archive or a 'docker save' tarball. Credentials come
from the Docker config and its credential helpers. Layer results are cached by
digest in the user cache dir (--no-cache to bypass).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return runScan(cmd, e, &f, args[0]) },
	}
	if kind == scan.KindRootFS {
		cmd.Use = "rootfs DIR"
		cmd.Short = "Scan a root filesystem directory (OS and installed language packages)"
		cmd.Long = `Scan a root filesystem (for example a chroot, a debootstrap, or an unpacked
image): OS packages from the package databases, language packages installed
in it, and secrets.`
	}
	f.register(cmd)
	return cmd
}

func parseLevel(flag, s string) (severity.Level, error) {
	if s == "" {
		return severity.Unknown, nil
	}
	l, err := severity.Parse(s)
	if err != nil || l == severity.Unknown {
		return 0, usagef("--%s: unknown severity %q (want low, medium, high or critical)", flag, s)
	}
	return l, nil
}

func runScan(cmd *cobra.Command, e *env, f *scanFlags, target string) error {
	ctx := cmd.Context()
	minSev, err := parseLevel("severity", f.minSeverity)
	if err != nil {
		return err
	}
	failOn, err := parseLevel("fail-on", f.failOn)
	if err != nil {
		return err
	}
	if !report.Known(f.format) {
		return usagef("--format: unknown format %q (want one of %s)", f.format, strings.Join(report.Formats(), ", "))
	}
	if f.sort != "" && !slices.Contains(report.Sorts, f.sort) {
		return usagef("--sort: unknown order %q (want %s)", f.sort, strings.Join(report.Sorts, " or "))
	}
	if f.exitCode < 0 || f.exitCode > 125 {
		return usagef("--exit-code: %d is out of range 0-125", f.exitCode)
	}
	if err := f.push.checkWith(f.gate.server != ""); err != nil {
		return err
	}
	if err := f.gate.check(f.push.project); err != nil {
		return err
	}
	// A policy that does not compile, or defines nothing to evaluate, is a
	// usage error before any scanning: never a silent pass.
	var policies *gate.Policies
	if len(f.policyDirs) > 0 {
		if policies, err = gate.LoadPolicies(ctx, f.policyDirs); err != nil {
			return &usageError{err: fmt.Errorf("--policy: %w", err)}
		}
	}
	dbDir, err := f.db.resolveDir()
	if err != nil {
		return err
	}
	log := e.logger()
	prog := newProgress(e.stderr)
	opts := scan.Options{
		Target:      target,
		SkipDirs:    f.skipDirs,
		Scanners:    splitList(f.scanners),
		Logger:      log,
		ToolVersion: Version,
		Misconfig:   scan.MisconfigOptions{PolicyDirs: f.policyDirs, HelmValues: f.helmValues},
		Image:       scan.ImageOptions{Kind: f.kind, Platform: f.platform, Insecure: f.insecure, NoCache: f.noCache},
		Secret:      scan.SecretOptions{GitHistory: f.gitHistory, Baseline: f.baseline},
		DB: scan.DBOptions{
			Dir:      dbDir,
			Offline:  f.db.offline,
			Source:   f.db.resolveSource(),
			Progress: prog.update,
			OnUpdate: func(ecos []string, src string) {
				if src == "" {
					src = "the public OSV bucket"
				}
				fmt.Fprintf(e.stderr, "Downloading the vulnerability database (%s) from %s into %s\n", strings.Join(ecos, ", "), src, dbDir)
			},
		},
	}
	res, err := scan.Run(ctx, opts)
	prog.done()
	if err != nil {
		if errors.Is(err, scan.ErrInput) {
			return &exitError{code: ExitError, err: err}
		}
		return err
	}
	enrichExploit(dbDir, res)
	cfg, err := engine.LoadConfig(f.configFile, target)
	if err != nil {
		return &exitError{code: ExitError, err: err}
	}
	stmts, err := engine.LoadVEX(f.vexFiles)
	if err != nil {
		return &exitError{code: ExitError, err: err}
	}
	pol := engine.Policy{Config: cfg, VEX: stmts, MinSeverity: minSev, FailOn: failOn, Policies: policies, PolicyDirs: f.policyDirs}
	pol.Suppress(res, time.Now())
	var pushBody []byte
	if f.push.server != "" {
		// The server matches the inventory itself, with its own database;
		// it gets every finding, suppressions marked, before the severity
		// filter (which only decides what this report shows). It is sent
		// once the gate has decided, with the decision.
		if pushBody, err = gzipBody(func(w io.Writer) error { return report.Write(w, "json", res, report.Options{}) }); err != nil {
			return err
		}
	}
	pol.Filter(res)

	out := e.stdout
	var file *os.File
	if f.output != "" {
		if err := os.MkdirAll(filepath.Dir(f.output), 0o755); err != nil {
			return err
		}
		file, err = os.Create(f.output)
		if err != nil {
			return err
		}
		out = file
	}
	ropts := report.Options{Color: f.format == "table" && f.output == "" && colorEnabled(e.stdout), MinSeverity: minSev, ShowSuppressed: f.showSuppressed, Template: f.template, Sort: f.sort}
	werr := report.Write(out, f.format, res, ropts)
	if file != nil {
		if cerr := file.Close(); werr == nil {
			werr = cerr
		}
	}
	if werr != nil {
		return fmt.Errorf("write report: %w", werr)
	}
	if f.format != "table" || f.output != "" {
		// Machine formats keep stdout clean; still tell a human what happened.
		for _, w := range res.Warnings {
			fmt.Fprintf(e.stderr, "warning: %s\n", w)
		}
		for _, is := range res.Issues {
			fmt.Fprintf(e.stderr, "warning: could not read %s\n", issueText(is.Path, is.Line, is.Message))
		}
	}
	outcome, err := pol.Gate(ctx, res, time.Now)
	if err != nil {
		return &exitError{code: ExitError, err: err}
	}
	if f.gate.server != "" {
		if outcome, err = f.gate.add(ctx, e, pol, outcome); err != nil {
			return err
		}
	}
	for _, w := range outcome.Warnings {
		fmt.Fprintf(e.stderr, "policy warn: %s\n", w)
	}
	for _, d := range outcome.Denies {
		fmt.Fprintf(e.stderr, "policy deny: %s\n", d)
	}
	if f.auditLog != "" || pushBody != nil {
		claim, err := scanClaim(f, target, res, pol.GateOptions(time.Now), outcome)
		if err != nil {
			return &exitError{code: ExitError, err: fmt.Errorf("gate record: %w", err)}
		}
		if f.auditLog != "" {
			if err := recordScan(e, f, res, claim); err != nil {
				return &exitError{code: ExitError, err: err}
			}
		}
		if pushBody != nil {
			if err := f.push.send(ctx, e, pushBody, claim); err != nil {
				return err
			}
		}
	}
	if outcome.Failed {
		return &exitError{code: f.exitCode, err: fmt.Errorf("gate failed: %s", strings.Join(outcome.Reasons, "; "))}
	}
	return nil
}

func issueText(path string, line int, msg string) string {
	if line > 0 {
		return fmt.Sprintf("%s:%d: %s", path, line, msg)
	}
	return fmt.Sprintf("%s: %s", path, msg)
}

// colorEnabled: colours only on a terminal, and never with NO_COLOR.
func colorEnabled(w io.Writer) bool {
	if _, ok := os.LookupEnv("NO_COLOR"); ok {
		return false
	}
	return isTerminal(w)
}
