package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"github.com/vigil-sec/vigil/internal/audit"
	"github.com/vigil-sec/vigil/internal/engine"
	"github.com/vigil-sec/vigil/internal/gate"
)

// serverGate asks a Vigil server what it knows about a project and judges
// it with the gate of the policy (docs/gate-server.md). Any failure to get
// a well-formed answer is an error (exit 2): the gate fails closed.
type serverGate struct {
	server   string
	token    string
	project  string
	artifact string
	deployed bool
}

func (g *serverGate) registerToken(fl *pflag.FlagSet) {
	fl.StringVar(&g.token, "token", "", "API token (reader role) for --server (default: VIGIL_TOKEN)")
}

func (g *serverGate) resolveToken() (string, error) {
	tok := g.token
	if tok == "" {
		tok = os.Getenv("VIGIL_TOKEN")
	}
	if tok == "" {
		return "", usagef("--server needs a token: --token or VIGIL_TOKEN ('vigil token create --role reader --project %s' on the server)", g.project)
	}
	return tok, nil
}

// fetch gets and validates the project's gate state.
func (g *serverGate) fetch(ctx context.Context) (*gate.ServerState, error) {
	tok, err := g.resolveToken()
	if err != nil {
		return nil, err
	}
	u, err := serverURL(g.server, "/api/v1/projects/"+url.PathEscape(g.project)+"/gate")
	if err != nil {
		return nil, err
	}
	q := url.Values{}
	if g.artifact != "" {
		q.Set("artifact", g.artifact)
	}
	if g.deployed {
		q.Set("deployed", "true")
	}
	u.RawQuery = q.Encode()
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	var st gate.ServerState
	if err := apiCallToken(ctx, tok, http.MethodGet, u, "", nil, false, &st); err != nil {
		return nil, fmt.Errorf("server gate: %w", err)
	}
	if err := st.Validate(g.project); err != nil {
		return nil, &exitError{code: ExitError, err: fmt.Errorf("server gate: GET %s: unusable answer: %w", u.Path, err)}
	}
	return &st, nil
}

// judge fetches the state and applies the policy's gate to it.
func (g *serverGate) judge(ctx context.Context, pol engine.Policy) (*gate.ServerState, gate.Outcome, error) {
	st, err := g.fetch(ctx)
	if err != nil {
		return nil, gate.Outcome{}, err
	}
	out, err := gate.EvaluateServer(ctx, st, pol.GateOptions(func() time.Time { return st.Now }))
	if err != nil {
		// A policy that cannot be evaluated never passes.
		return nil, out, &exitError{code: ExitError, err: fmt.Errorf("server gate: --policy: %w", err)}
	}
	return st, out, nil
}

func newGateCmd(e *env) *cobra.Command {
	var g serverGate
	var failOn, configFile, format, auditLog string
	var policyDirs []string
	exitCode := ExitGate
	cmd := &cobra.Command{
		Use:   "gate",
		Short: "Gate a build on what the Vigil server knows: open findings (also on deployed artifacts), image age, SLA",
		Long: `Ask the Vigil server for the open findings of --project (with the
environments their artifacts run in and their SLA) and the build times of
its images, and judge them with the gate of vigil.yaml (or --config) and
--fail-on, exactly as 'vigil scan' judges a local scan:

  - a finding at or above fail_on (or of unknown severity, unless
    gate.ignore_unknown_severity) fails, named with its artifact and where
    it is deployed;
  - an open finding past its SLA fails, unless gate.ignore_sla_breach;
  - an image older than gate.max_image_age_days (else the server's
    freshness.max_image_age_days) fails;
  - a deny of the Rego policies of --policy fails: they are evaluated once
    per artifact of the answer with the input of a local scan's JSON report
    (input.vulnerabilities, input.secrets, input.image, ...) plus
    input.server (project, artifact, environments, deployed), so the
    policies of 'vigil scan --policy' work unchanged.

With --artifact DIGEST only the findings of that artifact and of what is
deployed now count. The token (reader role, may be limited to the project)
comes from --token or VIGIL_TOKEN.

  vigil gate --server https://vigil.example --project shop --fail-on high

Exit codes: 0 passed, 1 the gate failed (or --exit-code N), 2 the server
cannot be reached, refuses, or answers something that is not a gate answer,
or a policy does not compile or fails to evaluate.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if g.server == "" || g.project == "" {
				return usagef("gate needs --server and --project")
			}
			if _, err := serverURL(g.server, ""); err != nil {
				return err
			}
			if format != "text" && format != "json" {
				return usagef("--format: unknown format %q (want text or json)", format)
			}
			if exitCode < 0 || exitCode > 125 {
				return usagef("--exit-code: %d is out of range 0-125", exitCode)
			}
			lvl, err := parseLevel("fail-on", failOn)
			if err != nil {
				return err
			}
			cfg, err := engine.LoadConfig(configFile, ".")
			if err != nil {
				return &exitError{code: ExitError, err: err}
			}
			pol := engine.Policy{Config: cfg, FailOn: lvl, PolicyDirs: policyDirs}
			if len(policyDirs) > 0 {
				// Compiled before asking the server: a broken policy
				// fails closed, with its file and line.
				if pol.Policies, err = gate.LoadPolicies(cmd.Context(), policyDirs); err != nil {
					return &exitError{code: ExitError, err: fmt.Errorf("--policy: %w", err)}
				}
			}
			st, out, err := g.judge(cmd.Context(), pol)
			if err != nil {
				return err
			}
			if err := writeGate(e.stdout, format, st, out); err != nil {
				return err
			}
			for _, w := range out.Warnings {
				fmt.Fprintf(e.stderr, "policy warn: %s\n", w)
			}
			if auditLog != "" {
				if err := recordGate(e, auditLog, engine.ConfigPath(configFile, "."), policyDirs, failOn, exitCode, &g, st, out); err != nil {
					return &exitError{code: ExitError, err: err}
				}
			}
			if out.Failed {
				return &exitError{code: exitCode, err: fmt.Errorf("gate failed: %s", strings.Join(out.Reasons, "; "))}
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&g.server, "server", os.Getenv("VIGIL_SERVER"), "Vigil server URL (or VIGIL_SERVER)")
	fl.StringVar(&g.project, "project", "", "project to gate")
	fl.StringVar(&g.artifact, "artifact", "", "digest of the artifact being shipped: only its findings and those of deployed artifacts count")
	g.registerToken(fl)
	fl.StringVar(&failOn, "fail-on", "", "fail on an open finding at or above this severity: low, medium, high, critical (default: gate.fail_on of the config)")
	fl.StringVar(&configFile, "config", "", "config file with the gate settings (default: vigil.yaml or .vigil.yaml in the current directory)")
	fl.StringArrayVar(&policyDirs, "policy", nil, "directory of Rego policies (package vigil: deny and warn rules over the JSON report of each artifact, plus input.server); repeatable")
	fl.StringVarP(&format, "format", "f", "text", "output: text or json (the outcome with the server's answer)")
	fl.IntVar(&exitCode, "exit-code", ExitGate, "exit code when the gate fails")
	fl.StringVar(&auditLog, "audit-log", "", "append a hash-chained record of this gate decision (server, project, config digest, reasons) to FILE; check it with 'vigil audit verify --file FILE'")
	return cmd
}

func writeGate(w io.Writer, format string, st *gate.ServerState, out gate.Outcome) error {
	if format == "json" {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(struct {
			Outcome gate.Outcome      `json:"outcome"`
			Server  *gate.ServerState `json:"server"`
		}{out, st})
	}
	deployed := 0
	for _, f := range st.Findings {
		if len(f.Environments) > 0 {
			deployed++
		}
	}
	verdict := "passed"
	if out.Failed {
		verdict = "FAILED"
	}
	_, err := fmt.Fprintf(w, "server gate %s: project %s, %d open findings (%d on deployed artifacts), %d images\n", verdict, st.Project, len(st.Findings), deployed, len(st.Images))
	for _, r := range out.Reasons {
		if _, err := fmt.Fprintf(w, "  - %s\n", r); err != nil {
			return err
		}
	}
	return err
}

// check validates --server for `vigil scan`: it needs --project.
func (g *serverGate) check(project string) error {
	if g.server == "" {
		if g.token != "" {
			return usagef("--token goes with --server URL")
		}
		return nil
	}
	if project == "" {
		return usagef("--server needs --project")
	}
	if _, err := serverURL(g.server, ""); err != nil {
		return err
	}
	g.project = project
	// The scanned build is judged locally; the server adds what is
	// deployed.
	g.deployed = true
	_, err := g.resolveToken()
	return err
}

// add judges the server's state of the project with pol and adds its
// reasons to a local outcome, prefixed "server:".
func (g *serverGate) add(ctx context.Context, e *env, pol engine.Policy, local gate.Outcome) (gate.Outcome, error) {
	st, out, err := g.judge(ctx, pol)
	if err != nil {
		return local, err
	}
	fmt.Fprintf(e.stderr, "server gate: project %s, %d open findings on deployed artifacts, %d images\n", st.Project, len(st.Findings), len(st.Images))
	for _, r := range out.Reasons {
		local.Reasons = append(local.Reasons, "server: "+r)
	}
	for _, d := range out.Denies {
		local.Denies = append(local.Denies, "server: "+d)
	}
	for _, w := range out.Warnings {
		local.Warnings = append(local.Warnings, "server: "+w)
	}
	local.Failed = len(local.Reasons) > 0
	return local, nil
}

// gateAudit is the audit record of a server gate decision. The server is
// recorded by scheme and host only, never with credentials.
type gateAudit struct {
	Server    string       `json:"server"`
	Project   string       `json:"project"`
	Artifact  string       `json:"artifact,omitempty"`
	ServerNow time.Time    `json:"server_now"`
	Findings  int          `json:"open_findings"`
	Images    int          `json:"images"`
	Policy    []fileDigest `json:"policy_files"`
	Gate      struct {
		Passed   bool     `json:"passed"`
		FailOn   string   `json:"fail_on,omitempty"`
		Reasons  []string `json:"reasons,omitempty"`
		ExitCode int      `json:"exit_code,omitempty"`
	} `json:"gate"`
}

func recordGate(e *env, file, configPath string, policyDirs []string, failOn string, exitCode int, g *serverGate, st *gate.ServerState, out gate.Outcome) error {
	rec := gateAudit{Project: g.project, Artifact: g.artifact, ServerNow: st.Now, Findings: len(st.Findings), Images: len(st.Images)}
	if u, err := url.Parse(g.server); err == nil {
		rec.Server = u.Scheme + "://" + u.Host
	}
	rec.Gate.Passed, rec.Gate.FailOn, rec.Gate.Reasons = !out.Failed, failOn, out.Reasons
	if out.Failed {
		rec.Gate.ExitCode = exitCode
	}
	var paths []string
	if configPath != "" {
		paths = append(paths, configPath)
	}
	paths = append(paths, policyDirs...)
	var err error
	if rec.Policy, err = digests(paths); err != nil {
		return fmt.Errorf("audit log: %w", err)
	}
	r, err := audit.AppendFile(file, time.Now(), cliActor(), "gate", "server:"+g.project, rec)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "audit: record %s appended to %s\n", r.Head(), file)
	return nil
}
