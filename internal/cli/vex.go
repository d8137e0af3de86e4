package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/vigil-sec/vigil/internal/vex"
)

func newVEXCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "vex",
		Short: "VEX documents from the Vigil server's triage decisions",
	}
	cmd.AddCommand(newVEXExportCmd(e))
	return cmd
}

func newVEXExportCmd(e *env) *cobra.Command {
	var srv, project, format, artifact, output string
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Write a project's triage decisions as OpenVEX 0.2.0 or CycloneDX 1.6 VEX",
		Long: `Write the triage decisions of a project on the Vigil server as a VEX document:
accepted and false_positive vulnerability findings whose reason gives a
justification are not_affected with it, findings marked fixed by a person are
fixed (docs/vex.md has the mapping). The document feeds 'vigil scan --vex'
and other tools. The token comes from VIGIL_TOKEN (reader role).

  vigil vex export --server https://vigil.example --project shop -o shop.vex.json
  vigil vex export --project shop --format cyclonedx --artifact sha256:...`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if srv == "" || project == "" {
				return usagef("vex export needs --server (or VIGIL_SERVER) and --project")
			}
			if format != vex.FormatOpenVEX && format != vex.FormatCycloneDX {
				return usagef("--format %q: want openvex or cyclonedx", format)
			}
			if os.Getenv("VIGIL_TOKEN") == "" {
				return usagef("vex export needs a token in VIGIL_TOKEN ('vigil token create --role reader --project %s' on the server)", project)
			}
			u, err := serverURL(srv, "/api/v1/projects/"+url.PathEscape(project)+"/vex")
			if err != nil {
				return err
			}
			q := url.Values{"format": {format}}
			if artifact != "" {
				q.Set("artifact", artifact)
			}
			u.RawQuery = q.Encode()
			doc, skipped, err := fetchVEX(cmd.Context(), u)
			if err != nil {
				return err
			}
			w := e.stdout
			if output != "" && output != "-" {
				fh, err := os.Create(output)
				if err != nil {
					return &exitError{code: ExitError, err: err}
				}
				defer fh.Close()
				w = fh
			}
			if _, err := w.Write(doc); err != nil {
				return &exitError{code: ExitError, err: err}
			}
			if skipped > 0 {
				fmt.Fprintf(e.stderr, "%d triage decision(s) left out: accepted without a justification, or a package without a purl\n", skipped)
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&srv, "server", os.Getenv("VIGIL_SERVER"), "Vigil server URL (or VIGIL_SERVER)")
	fl.StringVar(&project, "project", "", "project whose decisions to export")
	fl.StringVar(&format, "format", vex.FormatOpenVEX, "openvex or cyclonedx")
	fl.StringVar(&artifact, "artifact", "", "only this artifact (by digest)")
	fl.StringVarP(&output, "output", "o", "", "write to FILE (default: stdout)")
	return cmd
}

// fetchVEX gets an exported document; the server's answer is the
// document itself, not a JSON envelope.
func fetchVEX(ctx context.Context, u *url.URL) ([]byte, int, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, 0, err
	}
	req.Header.Set("Authorization", "Bearer "+os.Getenv("VIGIL_TOKEN"))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, 0, &exitError{code: ExitError, err: fmt.Errorf("GET %s://%s%s: %w", u.Scheme, u.Host, u.Path, unwrapURLError(err))}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, vex.MaxSize+1))
	if err != nil {
		return nil, 0, &exitError{code: ExitError, err: fmt.Errorf("GET %s: %w", u.Path, err)}
	}
	if resp.StatusCode != http.StatusOK {
		var p struct {
			Title  string `json:"title"`
			Detail string `json:"detail"`
		}
		msg := strings.TrimSpace(string(data))
		if json.Unmarshal(data, &p) == nil && (p.Detail != "" || p.Title != "") {
			msg = strings.TrimSpace(p.Title + ": " + p.Detail)
		}
		return nil, 0, &exitError{code: ExitError, err: fmt.Errorf("GET %s: server answered %s: %s", u.Path, resp.Status, msg)}
	}
	if len(data) > vex.MaxSize {
		return nil, 0, &exitError{code: ExitError, err: fmt.Errorf("GET %s: the document is larger than %d bytes", u.Path, vex.MaxSize)}
	}
	skipped, _ := strconv.Atoi(resp.Header.Get("Vigil-VEX-Skipped"))
	return data, skipped, nil
}
