package cli

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/vigil-sec/vigil/internal/audit"
	"github.com/vigil-sec/vigil/internal/engine"
	"github.com/vigil-sec/vigil/internal/gate"
	"github.com/vigil-sec/vigil/internal/scan"
	"github.com/vigil-sec/vigil/internal/vulndb"
)

func newAuditCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "Verify and export the tamper-evident audit log (a server's, or a local file's)",
		Long: `The audit log records every decision: scans and their gates (vigil scan
--audit-log FILE), ingests, finding state changes, acceptances and
suppressions, deployments, token creation and revocation, configuration
changes (vigil serve). Each record holds the hash of the one before it, so
that an edited, removed, reordered or truncated record is found. See
docs/audit.md.

The server's log is read from its database (--data-dir, or --database for
PostgreSQL); a local log with --file.`,
	}
	cmd.AddCommand(newAuditVerifyCmd(e), newAuditExportCmd(e))
	return cmd
}

// auditSource is where a command reads a log from.
type auditSource struct {
	sf   storeFlags
	file string
}

func (a *auditSource) register(cmd *cobra.Command) {
	a.sf.register(cmd.Flags())
	cmd.Flags().StringVar(&a.file, "file", "", "a local audit log (JSON lines, as vigil scan --audit-log and vigil audit export write) instead of the server's database")
}

func newAuditVerifyCmd(e *env) *cobra.Command {
	var (
		src     auditSource
		pubKey  string
		anchors []string
		partial bool
		asJSON  bool
	)
	cmd := &cobra.Command{
		Use:   "verify",
		Short: "Check the audit log's hash chain; name the first edited, removed, reordered or truncated record",
		Long: `Recompute every record's hash and check that each holds the hash of the
one before it, that positions run 1, 2, 3, ... without a gap, that the log
ends at the head the database records beside it, and that every checkpoint's
Ed25519 signature verifies (against --public-key when given: a checkpoint
signed by another key fails). --expect-head SEQ:HASH, from a scan's output,
a report or a checkpoint kept elsewhere, must be in the log: it catches a
log cut at its end, which a file log alone cannot show.

Exit 0 when the log verifies, 1 when it does not (the message names the
first bad record), 2 on an error.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			v := &audit.Verifier{Partial: partial}
			if pubKey != "" {
				k, err := audit.LoadPublicKey(pubKey)
				if err != nil {
					return usagef("--public-key: %v", err)
				}
				v.Key = k
			}
			for _, a := range anchors {
				h, err := audit.ParseHead(a)
				if err != nil {
					return usagef("--expect-head: %v", err)
				}
				v.Anchors = append(v.Anchors, h)
			}
			var rep audit.Report
			var err error
			if src.file != "" {
				rep, err = audit.VerifyFile(ctx, src.file, v)
			} else {
				st, _, oerr := src.sf.open(ctx, e.logger(), nil)
				if oerr != nil {
					return oerr
				}
				defer st.Close()
				rep, err = st.VerifyAudit(ctx, v)
			}
			if err != nil {
				return &exitError{code: ExitError, err: err}
			}
			if asJSON {
				enc := json.NewEncoder(e.stdout)
				enc.SetIndent("", "  ")
				if err := enc.Encode(rep); err != nil {
					return err
				}
			}
			if !rep.OK {
				return &exitError{code: ExitGate, err: fmt.Errorf("audit log does not verify: %v (%d records before it are sound)", rep.Problem, rep.Records)}
			}
			if !asJSON {
				fmt.Fprintf(e.stdout, "audit log verified: %d records, head %s\n", rep.Records, rep.Head)
				switch {
				case rep.Checkpoints == 0:
					fmt.Fprintln(e.stdout, "no signed checkpoints")
				case rep.KeyTrusted:
					fmt.Fprintf(e.stdout, "%d checkpoints signed by the trusted key, the last at record %d\n", rep.Checkpoints, rep.LastCheckpoint)
				default:
					fmt.Fprintf(e.stdout, "%d checkpoints verify against the key each carries (give --public-key to trust only yours), the last at record %d\n", rep.Checkpoints, rep.LastCheckpoint)
				}
			}
			return nil
		},
	}
	src.register(cmd)
	cmd.Flags().StringVar(&pubKey, "public-key", "", "Ed25519 key that must have signed every checkpoint: PEM PUBLIC KEY, the private key file, or 32 raw bytes (raw, hex or base64)")
	cmd.Flags().StringArrayVar(&anchors, "expect-head", nil, "SEQ:HASH of a record that must be in the log with that hash (repeatable)")
	cmd.Flags().BoolVar(&partial, "partial", false, "the log may start after record 1 (an export of a time range)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the report as JSON")
	return cmd
}

func newAuditExportCmd(e *env) *cobra.Command {
	var (
		src      auditSource
		from, to string
		output   string
	)
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Write the audit records of a time range as JSON lines",
		Long: `Write the records whose time is in [--from, --to) as JSON lines, one record
a line, exactly as they are hashed (the output verifies with 'vigil audit
verify --file F', with --partial unless it starts at record 1). Times are
RFC 3339 or a date (YYYY-MM-DD, UTC midnight); either bound may be left out.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			lo, err := parseWhen("from", from)
			if err != nil {
				return err
			}
			hi, err := parseWhen("to", to)
			if err != nil {
				return err
			}
			out := e.stdout
			var file *os.File
			if output != "" {
				if file, err = os.Create(output); err != nil {
					return err
				}
				defer file.Close()
				out = file
			}
			bw := bufio.NewWriter(out)
			write := func(r *audit.Record) error {
				b, err := audit.MarshalLine(r)
				if err != nil {
					return err
				}
				_, err = bw.Write(b)
				return err
			}
			if src.file != "" {
				err = exportFile(ctx, src.file, lo, hi, write)
			} else {
				st, _, oerr := src.sf.open(ctx, e.logger(), nil)
				if oerr != nil {
					return oerr
				}
				defer st.Close()
				err = st.ExportAudit(ctx, lo, hi, write)
			}
			if err != nil {
				return &exitError{code: ExitError, err: err}
			}
			if err := bw.Flush(); err != nil {
				return err
			}
			if file != nil {
				return file.Close()
			}
			return nil
		},
	}
	src.register(cmd)
	cmd.Flags().StringVar(&from, "from", "", "first time to include (RFC 3339 or YYYY-MM-DD)")
	cmd.Flags().StringVar(&to, "to", "", "time to stop before (RFC 3339 or YYYY-MM-DD)")
	cmd.Flags().StringVarP(&output, "output", "o", "", "write to FILE instead of standard output")
	return cmd
}

func exportFile(ctx context.Context, path string, lo, hi time.Time, fn func(*audit.Record) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return audit.ReadLog(ctx, f, func(r *audit.Record, _ int) error {
		if (!lo.IsZero() && r.Time.Before(lo)) || (!hi.IsZero() && !r.Time.Before(hi)) {
			return nil
		}
		return fn(r)
	})
}

func parseWhen(flag, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	return time.Time{}, usagef("--%s: %q is neither RFC 3339 nor YYYY-MM-DD", flag, s)
}

// scanAudit is the record `vigil scan --audit-log` appends: what was
// scanned, and the gate's decision with its inputs (the same gate.Claim
// a push carries to the server, docs/server.md).
type scanAudit struct {
	Target   scan.Target  `json:"target"`
	Image    string       `json:"image_digest,omitempty"`
	Tool     string       `json:"tool"`
	Scanners []string     `json:"scanners"`
	Summary  scan.Summary `json:"summary"`
	Gate     *gate.Claim  `json:"gate"`
}

type fileDigest = gate.FileDigest

// scanClaim is the gate's decision on a scan with its inputs: the
// thresholds, the files that decided (the config with its ignore list and
// gate settings, Rego policies, VEX documents, the secrets baseline) and
// the vulnerability database's fingerprint and age.
func scanClaim(f *scanFlags, target string, res *scan.Result, opts gate.Options, outcome gate.Outcome) (*gate.Claim, error) {
	c := &gate.Claim{Passed: !outcome.Failed, FailedFindings: outcome.Findings, Reasons: outcome.Reasons, Denies: outcome.Denies, Warnings: outcome.Warnings,
		Thresholds: gate.ThresholdsOf(opts)}
	if outcome.Failed {
		c.ExitCode = f.exitCode
	}
	var paths []string
	if p := engine.ConfigPath(f.configFile, target); p != "" {
		paths = append(paths, p)
	}
	paths = append(paths, f.policyDirs...)
	paths = append(paths, f.vexFiles...)
	if f.baseline != "" {
		paths = append(paths, f.baseline)
	}
	var err error
	if c.PolicyFiles, err = digests(paths); err != nil {
		return nil, err
	}
	if d := res.Database; d != nil {
		c.VulnDB = &gate.DBState{Source: d.Source, UpdatedAt: d.UpdatedAt, AgeDays: d.AgeDays, Stale: d.Stale}
		if db, err := vulndb.Open(d.Dir); err == nil {
			c.VulnDB.SHA256 = db.Status().Fingerprint()
			db.Close()
		}
	}
	return c, nil
}

// recordScan appends the scan's record to the audit log file and tells
// its head on stderr (to keep as an anchor).
func recordScan(e *env, f *scanFlags, res *scan.Result, claim *gate.Claim) error {
	rec := scanAudit{Target: res.Target, Tool: res.Tool.Name + " " + res.Tool.Version, Scanners: res.Scanners, Summary: res.Summary, Gate: claim}
	if res.Image != nil {
		rec.Image = res.Image.Digest
	}
	r, err := audit.AppendFile(f.auditLog, time.Now(), cliActor(), "scan", res.Target.Kind+":"+res.Target.Name, rec)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "audit: record %s appended to %s\n", r.Head(), f.auditLog)
	return nil
}

// digests hashes files, and every regular file under directories, sorted
// by path.
func digests(paths []string) ([]fileDigest, error) {
	out := []fileDigest{}
	for _, p := range paths {
		err := filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.Type().IsRegular() {
				return nil
			}
			sum, err := fileSHA256(path)
			if err != nil {
				return err
			}
			out = append(out, fileDigest{Path: filepath.ToSlash(path), SHA256: sum})
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("digest policy files: %w", err)
		}
	}
	slices.SortFunc(out, func(a, b fileDigest) int { return strings.Compare(a.Path, b.Path) })
	return out, nil
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
