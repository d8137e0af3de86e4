package cli

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/vigil-sec/vigil/internal/engine"
	"github.com/vigil-sec/vigil/internal/sarif"
)

func newIngestCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "ingest",
		Short: "Send other tools' results to the Vigil server",
	}
	cmd.AddCommand(newIngestSARIFCmd(e))
	return cmd
}

type ingestSARIFFlags struct {
	server, project, artifact, name, vcsURL, vcsCommit string
	root, config, failOn                               string
	exitCode                                           int
}

func newIngestSARIFCmd(e *env) *cobra.Command {
	var f ingestSARIFFlags
	cmd := &cobra.Command{
		Use:   "sarif FILE",
		Short: "Upload a static analyser's SARIF 2.1.0 results as findings of an artifact",
		Long: `Upload the SARIF 2.1.0 output of any static analyser (gosec, Semgrep,
CodeQL, ...) to the Vigil server as static_analysis findings of an artifact of
the project: --artifact is its digest (an image pushed before, or a source
revision such as git:COMMIT, created when unknown). The token comes from
VIGIL_TOKEN (writer role).

Before the upload, paths under --source-root (default: the current directory)
are made relative to it, results without a snippet get the text of their lines
from the files there (so a result that moves lines stays the same finding),
and the vigil.yaml ignore list (--config, else vigil.yaml in --source-root)
marks what it covers: an entry's id is a rule id or a finding's fingerprint.
The server replaces the findings of each tool in the file by this upload's:
a result no longer reported is fixed, other tools' findings stay.

  gosec -fmt sarif -out gosec.sarif ./...
  vigil ingest sarif gosec.sarif --server https://vigil.example --project shop --artifact git:$(git rev-parse HEAD) --fail-on high`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runIngestSARIF(cmd, e, &f, args[0])
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.server, "server", os.Getenv("VIGIL_SERVER"), "Vigil server URL (or VIGIL_SERVER)")
	fl.StringVar(&f.project, "project", "", "project of the artifact")
	fl.StringVar(&f.artifact, "artifact", "", "digest of the artifact: an image digest, or a source revision such as git:COMMIT")
	fl.StringVar(&f.name, "name", "", "name of the artifact when the upload creates it (default: --artifact)")
	fl.StringVar(&f.vcsURL, "vcs-url", "", "repository URL of an artifact the upload creates")
	fl.StringVar(&f.vcsCommit, "vcs-commit", "", "commit of an artifact the upload creates")
	fl.StringVar(&f.root, "source-root", ".", "checkout the analyser ran in")
	fl.StringVar(&f.config, "config", "", "vigil.yaml to apply (default: vigil.yaml or .vigil.yaml in --source-root)")
	fl.StringVar(&f.failOn, "fail-on", "", "exit with --exit-code when a result at or above this severity is not suppressed: low, medium, high, critical")
	fl.IntVar(&f.exitCode, "exit-code", ExitGate, "exit code when the gate fails")
	return cmd
}

func runIngestSARIF(cmd *cobra.Command, e *env, f *ingestSARIFFlags, file string) error {
	if f.server == "" || f.project == "" || f.artifact == "" {
		return usagef("ingest sarif needs --server, --project and --artifact")
	}
	failOn, err := parseLevel("fail-on", f.failOn)
	if err != nil {
		return err
	}
	if os.Getenv("VIGIL_TOKEN") == "" {
		return usagef("ingest sarif needs a token in VIGIL_TOKEN ('vigil token create --role writer --project %s' on the server)", f.project)
	}
	u, err := serverURL(f.server, "/api/v1/projects/"+url.PathEscape(f.project)+"/artifacts/"+url.PathEscape(f.artifact)+"/sarif")
	if err != nil {
		return err
	}
	data, err := readLimited(file, sarif.MaxSize)
	if err != nil {
		return &exitError{code: ExitError, err: err}
	}
	data, rep, err := sarif.Prepare(data, file, sarif.PrepareOptions{Root: f.root})
	if err != nil {
		return &exitError{code: ExitError, err: err}
	}
	cfg, err := engine.LoadConfig(f.config, f.root)
	if err != nil {
		return &exitError{code: ExitError, err: err}
	}
	now := time.Now()
	pol := engine.Policy{Config: cfg, FailOn: failOn}
	res, refs := engine.StaticAnalysis(rep)
	pol.Suppress(res, now)
	for _, w := range res.Warnings {
		fmt.Fprintf(e.stderr, "warning: %s\n", w)
	}
	marks := map[string]*sarif.Suppression{}
	for i, s := range res.Secrets {
		if s.Suppressed != nil && s.Suppressed.Kind == "config" {
			marks[refs[i]] = &sarif.Suppression{Kind: "external", Justification: s.Suppressed.Reason, Vigil: true, Expires: s.Suppressed.Expires}
		}
	}
	if len(marks) > 0 {
		if data, _, err = sarif.Prepare(data, file, sarif.PrepareOptions{Suppress: func(sf *sarif.Finding) *sarif.Suppression { return marks[sf.Ref] }}); err != nil {
			return &exitError{code: ExitError, err: err}
		}
	}
	outcome, err := pol.Gate(cmd.Context(), res, time.Now)
	if err != nil {
		return &exitError{code: ExitError, err: err}
	}
	q := url.Values{}
	for k, v := range map[string]string{"name": f.name, "vcs_url": f.vcsURL, "vcs_commit": f.vcsCommit} {
		if v != "" {
			q.Set(k, v)
		}
	}
	u.RawQuery = q.Encode()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(data); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	var out struct {
		Artifact struct {
			ID     int64  `json:"id"`
			Digest string `json:"digest"`
		} `json:"artifact"`
		Created bool `json:"created"`
		Tools   []struct {
			Tool       string `json:"tool"`
			Findings   int    `json:"findings"`
			Created    int    `json:"created"`
			Resolved   int    `json:"resolved"`
			Reopened   int    `json:"reopened"`
			Suppressed int    `json:"suppressed"`
		} `json:"tools"`
	}
	if err := apiCall(cmd.Context(), http.MethodPost, u, "application/octet-stream", &buf, false, &out); err != nil {
		return err
	}
	for _, t := range out.Tools {
		fmt.Fprintf(e.stderr, "uploaded %s results to %s: project %s, artifact %d (%s): %d findings, %d new, %d resolved, %d re-opened, %d suppressed\n",
			t.Tool, f.server, f.project, out.Artifact.ID, out.Artifact.Digest, t.Findings, t.Created, t.Resolved, t.Reopened, t.Suppressed)
	}
	if outcome.Failed {
		return &exitError{code: f.exitCode, err: fmt.Errorf("gate failed: %s", strings.Join(outcome.Reasons, "; "))}
	}
	return nil
}

// readLimited reads a file of at most limit bytes.
func readLimited(file string, limit int64) ([]byte, error) {
	fh, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	data, err := io.ReadAll(io.LimitReader(fh, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", file, err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s: larger than %d bytes", file, limit)
	}
	return data, nil
}
