package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"
	"github.com/vigil-sec/vigil/internal/compliance"
	"github.com/vigil-sec/vigil/internal/server"
	"github.com/vigil-sec/vigil/internal/store"
)

func newComplianceCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "compliance",
		Short: "Compliance evidence reports (PCI DSS 4.0, SOC 2, ISO/IEC 27001:2022)",
	}
	cmd.AddCommand(newComplianceReportCmd(e))
	return cmd
}

func newComplianceReportCmd(e *env) *cobra.Command {
	var (
		framework, project, from, to string
		serverURLFlag, frameworksDir string
		jsonOut, htmlOut             string
		sf                           storeFlags
	)
	cmd := &cobra.Command{
		Use:   "report",
		Short: "Write the evidence of a project for a framework's controls over a period, as JSON and printable HTML",
		Long: `Gather, per control of the framework, the scans that ran, the open findings
against the SLA, what was remediated and how fast (MTTR), every risk
acceptance with approver and expiry, and the failed IaC checks with their
CIS/PSS control ids. Every figure names the audit records behind it, and the
report states the audit log's head hash.

From a running server (--server URL, a reader token in VIGIL_TOKEN) or from
its database directly (--data-dir or --database).

  vigil compliance report --framework pci-dss-4.0 --project shop \
    --from 2026-07-01 --to 2026-10-01 --server https://vigil.example \
    --json q3.json --html q3.html`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if framework == "" || project == "" {
				return usagef("--framework and --project are required")
			}
			if jsonOut == "" && htmlOut == "" {
				return usagef("name an output: --json FILE and/or --html FILE")
			}
			t1, err := parseDay("to", to, time.Now().UTC())
			if err != nil {
				return err
			}
			t0, err := parseDay("from", from, t1.AddDate(0, -3, 0))
			if err != nil {
				return err
			}
			if !t0.Before(t1) {
				return usagef("--from must be before --to")
			}
			var rep *compliance.EvidenceReport
			if serverURLFlag != "" {
				if sf.dataDir != "" || sf.database != "" || frameworksDir != "" {
					return usagef("--server: the server reads its own database and frameworks; --data-dir, --database and --frameworks do not apply")
				}
				if os.Getenv("VIGIL_TOKEN") == "" {
					return usagef("--server needs a reader token in VIGIL_TOKEN")
				}
				u, err := serverURL(serverURLFlag, "/api/v1/projects/"+url.PathEscape(project)+"/compliance/"+url.PathEscape(framework))
				if err != nil {
					return err
				}
				u.RawQuery = url.Values{"from": {t0.Format(time.RFC3339Nano)}, "to": {t1.Format(time.RFC3339Nano)}}.Encode()
				rep = &compliance.EvidenceReport{}
				if err := apiCall(cmd.Context(), "GET", u, "", nil, false, rep); err != nil {
					return err
				}
			} else {
				fws, err := compliance.Load(frameworksDir)
				if err != nil {
					return usagef("--frameworks: %v", err)
				}
				fw, ok := fws[framework]
				if !ok {
					return usagef("--framework: no framework %q", framework)
				}
				st, dataDir, err := sf.open(cmd.Context(), e.logger(), time.Now)
				if err != nil {
					return err
				}
				defer st.Close()
				srv, err := server.New(server.Options{Store: st, VulnDBDir: filepath.Join(dataDir, "vulndb"), Logger: e.logger(), Version: Version})
				if err != nil {
					return &exitError{code: ExitError, err: err}
				}
				if rep, err = srv.ComplianceReport(cmd.Context(), fw, project, store.Scope{}, t0, t1); err != nil {
					return &exitError{code: ExitError, err: err}
				}
			}
			if jsonOut != "" {
				b, err := json.MarshalIndent(rep, "", "  ")
				if err != nil {
					return err
				}
				if err := os.WriteFile(jsonOut, append(b, '\n'), 0o644); err != nil {
					return err
				}
			}
			if htmlOut != "" {
				var buf bytes.Buffer
				if err := compliance.WriteHTML(&buf, rep); err != nil {
					return err
				}
				if err := os.WriteFile(htmlOut, buf.Bytes(), 0o644); err != nil {
					return err
				}
			}
			fmt.Fprintf(e.stderr, "%s evidence for %s, %s to %s: %d controls, %d scans, %d open (%d past SLA), %d remediated, %d acceptances; audit head #%d %s\n",
				rep.Framework, rep.Project, rep.From.Format(time.DateOnly), rep.To.Format(time.DateOnly), len(rep.Controls), len(rep.Scans),
				rep.Open.Open, rep.Open.Breached, rep.Remediation.Remediated, len(rep.Acceptances), rep.AuditHead.Seq, rep.AuditHead.Hash)
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&framework, "framework", "", "framework id: pci-dss-4.0, soc2, iso27001-2022, or one of --frameworks")
	fl.StringVar(&project, "project", "", "project")
	fl.StringVar(&from, "from", "", "start of the period, YYYY-MM-DD or RFC 3339 (default: three months before --to)")
	fl.StringVar(&to, "to", "", "end of the period, exclusive, YYYY-MM-DD or RFC 3339 (default: now)")
	fl.StringVar(&serverURLFlag, "server", "", "read the evidence from the Vigil server at URL (reader token in VIGIL_TOKEN)")
	fl.StringVar(&frameworksDir, "frameworks", "", "directory of framework mappings (*.yaml) added to the built-in ones")
	fl.StringVar(&jsonOut, "json", "", "write the report as JSON to FILE")
	fl.StringVar(&htmlOut, "html", "", "write the report as self-contained printable HTML to FILE")
	sf.register(fl)
	return cmd
}

func parseDay(flag, s string, def time.Time) (time.Time, error) {
	if s == "" {
		return def, nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, usagef("--%s: %q is not a date (YYYY-MM-DD) or an RFC 3339 time", flag, s)
	}
	return t.UTC(), nil
}
