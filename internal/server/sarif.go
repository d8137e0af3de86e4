package server

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/vigil-sec/vigil/internal/engine"
	"github.com/vigil-sec/vigil/internal/sarif"
	"github.com/vigil-sec/vigil/internal/scan"
	"github.com/vigil-sec/vigil/internal/store"
)

// SARIFToolResult is what one tool's upload changed.
type SARIFToolResult struct {
	Tool     string `json:"tool"`
	Version  string `json:"version,omitempty"`
	Findings int    `json:"findings" doc:"results of the tool in this upload"`
	store.ReconcileResult
	Suppressed int `json:"suppressed" doc:"findings this upload's suppressions accepted or marked false positive"`
}

// SARIFOutput is the answer to a SARIF upload.
type SARIFOutput struct {
	Body struct {
		Artifact store.Artifact    `json:"artifact"`
		Created  bool              `json:"created" doc:"the artifact was created by this upload"`
		Tools    []SARIFToolResult `json:"tools"`
	}
}

type sarifInput struct {
	Project   string `path:"project" pattern:"^[A-Za-z0-9][A-Za-z0-9._/-]{0,127}$"`
	Ref       string `path:"ref" minLength:"1" maxLength:"200" doc:"the artifact's digest: an image digest pushed before, or a source revision (e.g. git:COMMIT); an unknown one creates a source artifact"`
	Name      string `query:"name" maxLength:"500" doc:"name of an artifact this upload creates (default: the ref)"`
	VCSURL    string `query:"vcs_url" maxLength:"1000"`
	VCSCommit string `query:"vcs_commit" maxLength:"100"`
	RawBody   []byte `contentType:"application/octet-stream"`
}

func (s *Server) registerSARIF() {
	add(s, Route{
		Op: huma.Operation{OperationID: "upload-sarif", Method: http.MethodPost, Path: "/api/v1/projects/{project}/artifacts/{ref}/sarif", Tags: []string{"artifacts"},
			Summary: "Upload static-analysis results (SARIF 2.1.0, gzip or not) of an artifact",
			Description: "Each result becomes a static_analysis finding of the artifact, identified by its partialFingerprints, else by rule, file and snippet, so a result that moves lines is the same finding. " +
				"The findings of each tool in the document (run.tool.driver.name) are replaced by this upload's: a result that is no longer reported is fixed (not_reported); other tools' findings are left alone. " +
				"Results with a suppression in force become accepted (a vigil.yaml entry, until its expiry) or false_positive.",
			MaxBodyBytes: s.opts.Limits.MaxBody, BodyReadTimeout: 60 * time.Second},
		Rule:        Rule{Role: store.RoleWriter, Scope: ScopePath},
		ExamplePath: map[string]string{"project": "matrix", "ref": "git:matrix"},
		ExampleBody: `{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"matrix"}},"results":[]}]}`,
	}, s.uploadSARIF)
}

func (s *Server) uploadSARIF(ctx context.Context, in *sarifInput) (*SARIFOutput, error) {
	select {
	case s.ingestSem <- struct{}{}:
		defer func() { <-s.ingestSem }()
	case <-ctx.Done():
		return nil, huma.NewError(499, "request cancelled")
	}
	rep, err := readSARIF(in.RawBody)
	if err != nil {
		if errors.Is(err, sarif.ErrTooLarge) {
			return nil, huma.Error413RequestEntityTooLarge(err.Error())
		}
		return nil, huma.Error422UnprocessableEntity(err.Error())
	}
	actor := principal(ctx).Actor()
	out := &SARIFOutput{}
	art, err := s.store.FindArtifact(ctx, in.Project, in.Ref)
	switch {
	case errors.Is(err, store.ErrNotFound):
		name := in.Name
		if name == "" {
			name = in.Ref
		}
		r, err := s.store.Ingest(ctx, store.Ingest{Project: in.Project, Actor: actor, Artifact: store.Artifact{
			Kind: "source", Format: "sarif", Digest: in.Ref, Name: name, VCSURL: in.VCSURL, VCSCommit: in.VCSCommit}})
		if err != nil {
			return nil, storeErr(err)
		}
		art, out.Body.Created = r.Artifact, r.Created
	case err != nil:
		return nil, storeErr(err)
	}
	versions := map[string]string{}
	for _, run := range rep.Runs {
		if versions[run.Tool] == "" {
			versions[run.Tool] = run.ToolVersion
		}
	}
	for _, tool := range rep.Tools() {
		fs := rep.Findings(tool)
		nfs := make([]store.NewFinding, 0, len(fs))
		sups := map[string]scan.Suppression{}
		for i := range fs {
			f := &fs[i]
			detail, err := json.Marshal(f)
			if err != nil {
				return nil, huma.Error500InternalServerError("encode findings")
			}
			nfs = append(nfs, store.NewFinding{Kind: store.KindStaticAnalysis, Key: f.Key(), VulnerabilityID: f.RuleID, Severity: f.Severity, Summary: f.Title, Detail: detail})
			if sup, ok := suppressionOf(f); ok {
				sups[f.Key()] = sup
			}
		}
		r, err := s.store.Reconcile(ctx, store.Reconcile{ArtifactID: art.ID, Kind: store.KindStaticAnalysis, KeyPrefix: sarif.KeyPrefix(tool), Findings: nfs, Actor: actor})
		if err != nil {
			s.log.Error("reconcile SARIF", "project", in.Project, "artifact_id", art.ID, "tool", tool, "err", err)
			return nil, storeErr(err)
		}
		n, err := s.recordSARIFSuppressions(ctx, art.ID, sups, actor)
		if err != nil {
			s.log.Error("record SARIF suppressions", "project", in.Project, "artifact_id", art.ID, "tool", tool, "err", err)
			return nil, storeErr(err)
		}
		out.Body.Tools = append(out.Body.Tools, SARIFToolResult{Tool: tool, Version: versions[tool], Findings: len(fs), ReconcileResult: r, Suppressed: n})
	}
	if out.Body.Tools == nil {
		out.Body.Tools = []SARIFToolResult{}
	}
	out.Body.Artifact = art
	s.log.Info("sarif ingested", "project", in.Project, "artifact_id", art.ID, "digest", art.Digest, "tools", len(out.Body.Tools))
	return out, nil
}

// readSARIF decodes an uploaded body, gzip'd (told by its magic) or not.
func readSARIF(body []byte) (*sarif.Report, error) {
	if len(body) >= 2 && body[0] == 0x1f && body[1] == 0x8b {
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			return nil, fmt.Errorf("request body: gzip: %w", err)
		}
		defer zr.Close()
		data, err := io.ReadAll(io.LimitReader(zr, sarif.MaxSize+1))
		if err != nil {
			return nil, fmt.Errorf("request body: gzip: %w", err)
		}
		body = data
	}
	return sarif.ParseBytes(body, "request body")
}

// suppressionOf maps a result's suppression in force to the one the
// engine knows: a vigil.yaml entry (added by `vigil ingest sarif`) is a
// config suppression with its expiry; any other (a `// nosec` comment, a
// suppression file of the tool) says the result does not apply.
func suppressionOf(f *sarif.Finding) (scan.Suppression, bool) {
	if len(f.Suppressions) == 0 {
		return scan.Suppression{}, false
	}
	for _, sp := range f.Suppressions {
		if sp.Vigil {
			return scan.Suppression{Kind: "config", Reason: sp.Justification, Expires: sp.Expires}, true
		}
	}
	sp := f.Suppressions[0]
	kind := "sarif"
	if sp.Kind != "" {
		kind += " " + sp.Kind
	}
	return scan.Suppression{Kind: kind, Reason: sp.Justification}, true
}

// recordSARIFSuppressions turns the suppressions of an upload into the
// states of its open findings (engine.DecisionOf, as for a pushed
// report), each with its history event and audit record.
func (s *Server) recordSARIFSuppressions(ctx context.Context, artifactID int64, sups map[string]scan.Suppression, actor string) (int, error) {
	if len(sups) == 0 {
		return 0, nil
	}
	now := s.now()
	n := 0
	cursor := ""
	for {
		fs, next, err := s.store.ListFindings(ctx, store.FindingFilter{ArtifactID: artifactID, Kind: store.KindStaticAnalysis, States: []string{store.StateOpen}, Page: store.Page{Limit: 1000, Cursor: cursor}})
		if err != nil {
			return n, err
		}
		for _, f := range fs {
			sup, ok := sups[f.Key]
			if !ok {
				continue
			}
			d, ok := engine.DecisionOf(sup, now)
			if !ok {
				continue
			}
			by := "sarif (uploaded by " + actor + ")"
			if sup.Kind == "config" {
				by = "vigil.yaml (uploaded by " + actor + ")"
			}
			if _, err := s.store.SetState(ctx, store.StateChange{FindingID: f.ID, To: d.State, Reason: d.Reason, Actor: by, Until: d.Until}); err != nil {
				return n, err
			}
			n++
		}
		if next == "" {
			return n, nil
		}
		cursor = next
	}
}
