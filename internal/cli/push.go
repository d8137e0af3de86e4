package cli

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
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

	"github.com/vigil-sec/vigil/internal/gate"
)

// pushFlags send a scan's report or an SBOM to a Vigil server.
type pushFlags struct {
	server  string
	project string
	version string
}

func (f *pushFlags) register(fl *pflag.FlagSet) {
	fl.StringVar(&f.server, "push", "", "push the result to the Vigil server at URL (token from VIGIL_TOKEN); needs --project")
	fl.StringVar(&f.project, "project", "", "project to push to")
	fl.StringVar(&f.version, "artifact-version", "", "version label of the pushed artifact")
}

func (f *pushFlags) check() error {
	return f.checkWith(false)
}

// checkWith checks the flags; gating says --server URL is set, which uses
// --project as well.
func (f *pushFlags) checkWith(gating bool) error {
	if f.server == "" {
		if f.version != "" || (f.project != "" && !gating) {
			return usagef("--project and --artifact-version go with --push URL")
		}
		return nil
	}
	if f.project == "" {
		return usagef("--push needs --project")
	}
	if _, err := serverURL(f.server, ""); err != nil {
		return err
	}
	if os.Getenv("VIGIL_TOKEN") == "" {
		return usagef("--push needs a token in VIGIL_TOKEN ('vigil token create --role writer --project %s' on the server)", f.project)
	}
	return nil
}

func serverURL(base, path string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimRight(base, "/") + path)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, usagef("server URL %q: want http(s)://host[:port]", base)
	}
	return u, nil
}

// apiCall sends one request to the server and decodes the JSON answer into
// out; a non-2xx answer becomes an error with the server's problem detail.
func apiCall(ctx context.Context, method string, u *url.URL, contentType string, body io.Reader, gz bool, out any) error {
	return apiCallToken(ctx, os.Getenv("VIGIL_TOKEN"), method, u, contentType, body, gz, out)
}

// apiCallToken is apiCall with an explicit token.
func apiCallToken(ctx context.Context, token, method string, u *url.URL, contentType string, body io.Reader, gz bool, out any) error {
	return apiCallHeader(ctx, token, method, u, contentType, body, gz, nil, out)
}

// apiCallHeader is apiCallToken with extra request headers.
func apiCallHeader(ctx context.Context, token, method string, u *url.URL, contentType string, body io.Reader, gz bool, hdr http.Header, out any) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return err
	}
	for k, v := range hdr {
		req.Header[http.CanonicalHeaderKey(k)] = v
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", "application/json")
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if gz {
		req.Header.Set("Content-Encoding", "gzip")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return &exitError{code: ExitError, err: fmt.Errorf("%s %s://%s%s: %w", method, u.Scheme, u.Host, u.Path, unwrapURLError(err))}
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if resp.StatusCode/100 != 2 {
		var p struct {
			Title  string `json:"title"`
			Detail string `json:"detail"`
		}
		msg := strings.TrimSpace(string(data))
		if json.Unmarshal(data, &p) == nil && (p.Detail != "" || p.Title != "") {
			msg = strings.TrimSpace(p.Title + ": " + p.Detail)
		}
		return &exitError{code: ExitError, err: fmt.Errorf("%s %s: server answered %s: %s", method, u.Path, resp.Status, msg)}
	}
	if out != nil && len(data) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			return &exitError{code: ExitError, err: fmt.Errorf("%s %s: read answer: %w", method, u.Path, err)}
		}
	}
	return nil
}

func unwrapURLError(err error) error {
	if ue, ok := err.(*url.Error); ok {
		return ue.Err
	}
	return err
}

// push sends a document (a Vigil JSON report or an SBOM), gzip'd, with
// no gate decision (the server records the ingest as not gated).
func (f *pushFlags) push(ctx context.Context, e *env, write func(io.Writer) error) error {
	body, err := gzipBody(write)
	if err != nil {
		return err
	}
	return f.send(ctx, e, body, nil)
}

func gzipBody(write func(io.Writer) error) ([]byte, error) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if err := write(zw); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// send pushes a gzip'd document; claim, when set, is the gate's decision
// on it, sent in the Vigil-Gate header (base64url JSON, docs/server.md)
// for the server's ingest record.
func (f *pushFlags) send(ctx context.Context, e *env, body []byte, claim *gate.Claim) error {
	var hdr http.Header
	if claim != nil {
		b, err := json.Marshal(claim)
		if err != nil {
			return err
		}
		if len(b) > gate.MaxClaimSize {
			return &exitError{code: ExitError, err: fmt.Errorf("push: the gate decision is %d bytes of JSON, more than the %d the server takes (fewer policy files or reasons)", len(b), gate.MaxClaimSize)}
		}
		hdr = http.Header{gate.ClaimHeader: {base64.RawURLEncoding.EncodeToString(b)}}
	}
	u, err := serverURL(f.server, "/api/v1/projects/"+url.PathEscape(f.project)+"/artifacts")
	if err != nil {
		return err
	}
	if f.version != "" {
		u.RawQuery = url.Values{"version": {f.version}}.Encode()
	}
	var out struct {
		Artifact struct {
			ID     int64  `json:"id"`
			Digest string `json:"digest"`
		} `json:"artifact"`
		Created     bool `json:"created"`
		NewFindings int  `json:"new_findings"`
		Findings    int  `json:"findings"`
	}
	if err := apiCallHeader(ctx, os.Getenv("VIGIL_TOKEN"), http.MethodPost, u, "application/octet-stream", bytes.NewReader(body), true, hdr, &out); err != nil {
		return err
	}
	state := "new artifact"
	if !out.Created {
		state = "known artifact, metadata refreshed"
	}
	fmt.Fprintf(e.stderr, "pushed to %s: project %s, artifact %d (%s, %s), %d findings (%d new)\n", f.server, f.project, out.Artifact.ID, out.Artifact.Digest, state, out.Findings, out.NewFindings)
	return nil
}

func newDeployCmd(e *env) *cobra.Command {
	var srv, project, envName, artifact, service, cluster, namespace string
	cmd := &cobra.Command{
		Use:   "deploy",
		Short: "Tell the Vigil server that an artifact now runs in an environment",
		Long: `Record a deployment on the server: artifact DIGEST (as pushed) runs in
--env (and --service, --cluster, --namespace) from now on. It replaces what
ran in the same place before; findings the new artifact no longer has are
resolved, and their history says so. The token comes from VIGIL_TOKEN.

  vigil deploy --server https://vigil.example --project shop --env prod --artifact sha256:...`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if srv == "" || project == "" || envName == "" || artifact == "" {
				return usagef("deploy needs --server, --project, --env and --artifact")
			}
			u, err := serverURL(srv, "/api/v1/projects/"+url.PathEscape(project)+"/deployments")
			if err != nil {
				return err
			}
			body, _ := json.Marshal(map[string]string{"artifact": artifact, "environment": envName, "service": service, "cluster": cluster, "namespace": namespace})
			var out struct {
				Deployment struct {
					ID int64 `json:"id"`
				} `json:"deployment"`
				Resolved []json.RawMessage `json:"resolved"`
			}
			if err := apiCall(cmd.Context(), http.MethodPost, u, "application/json", bytes.NewReader(body), false, &out); err != nil {
				return err
			}
			fmt.Fprintf(e.stderr, "deployed %s to %s (deployment %d); %d findings resolved by the upgrade\n", artifact, envName, out.Deployment.ID, len(out.Resolved))
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&srv, "server", os.Getenv("VIGIL_SERVER"), "Vigil server URL (or VIGIL_SERVER)")
	fl.StringVar(&project, "project", "", "project of the artifact")
	fl.StringVar(&envName, "env", "", "environment, e.g. prod")
	fl.StringVar(&artifact, "artifact", "", "digest of the pushed artifact")
	fl.StringVar(&service, "service", "", "service within the environment (default: the project)")
	fl.StringVar(&cluster, "cluster", "", "cluster")
	fl.StringVar(&namespace, "namespace", "", "namespace")
	return cmd
}
