package server

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/danielgtaylor/huma/v2"
	"github.com/vigil-sec/vigil/internal/store"
	"github.com/vigil-sec/vigil/internal/vex"
)

// maxVEXDecisions bounds one export.
const maxVEXDecisions = 100_000

// VEXOutput is an exported VEX document.
type VEXOutput struct {
	ContentType string `header:"Content-Type"`
	// Skipped counts the triage decisions the document cannot carry (an
	// acceptance without a justification, a package without a purl).
	Skipped int `header:"Vigil-VEX-Skipped" doc:"triage decisions left out: an acceptance without a justification, a package without a purl"`
	Body    []byte
}

func (s *Server) registerVEX() {
	add(s, Route{
		Op: huma.Operation{OperationID: "export-vex", Method: http.MethodGet, Path: "/api/v1/projects/{project}/vex", Tags: []string{"findings"},
			Summary: "Export the project's triage decisions as VEX (OpenVEX 0.2.0 or CycloneDX 1.6)",
			Description: "Accepted and false_positive vulnerability findings whose reason gives a justification are not_affected with it (docs/vex.md maps reasons to both formats' enums); a false positive without one is not_affected with the reason as impact statement (CycloneDX: false_positive); " +
				"findings a person marked fixed are fixed (resolved). Packages are named by purl, inside their image (by digest) when the finding is on one.",
			Responses: map[string]*huma.Response{"200": {Description: "the VEX document", Content: map[string]*huma.MediaType{
				"application/json": {Schema: &huma.Schema{Type: "object", Description: "an OpenVEX 0.2.0 or CycloneDX 1.6 document"}},
			}}}},
		Rule:        Rule{Role: store.RoleReader, Scope: ScopePath},
		ExamplePath: map[string]string{"project": "matrix"},
	}, s.exportVEX)
}

func (s *Server) exportVEX(ctx context.Context, in *struct {
	Project  string `path:"project"`
	Format   string `query:"format" enum:"openvex,cyclonedx," doc:"openvex (default) or cyclonedx"`
	Artifact string `query:"artifact" maxLength:"200" doc:"only this artifact (by digest)"`
}) (*VEXOutput, error) {
	if _, err := s.store.GetProject(ctx, in.Project); err != nil {
		return nil, storeErr(err)
	}
	f := store.FindingFilter{Project: in.Project, Kind: store.KindVulnerability, States: []string{store.StateAccepted, store.StateFalsePositive, store.StateFixed}, Page: store.Page{Limit: 1000}}
	if in.Artifact != "" {
		a, err := s.store.FindArtifact(ctx, in.Project, in.Artifact)
		if err != nil {
			return nil, storeErr(err)
		}
		f.ArtifactID = a.ID
	}
	var ds []vex.Decision
	for {
		fs, next, err := s.store.ListFindings(ctx, f)
		if err != nil {
			return nil, storeErr(err)
		}
		for _, v := range fs {
			// Only decisions: a fix the matcher or a deployment concluded
			// says nothing of the package version the artifact holds.
			if v.State == store.StateFixed && v.Resolution != "" {
				continue
			}
			d := vex.Decision{VulnID: v.VulnerabilityID, Aliases: v.Aliases, State: v.State, Reason: v.Reason, At: v.UpdatedAt, Until: v.AcceptedUntil}
			if v.Package != nil {
				d.PURL, d.Name, d.Version = v.Package.PURL, v.Package.Name, v.Package.Version
			}
			if v.Artifact.Kind == "image" && strings.HasPrefix(v.Artifact.Digest, "sha256:") {
				d.Image = &vex.Image{Name: v.Artifact.Name, Digest: v.Artifact.Digest}
			}
			ds = append(ds, d)
		}
		if len(ds) > maxVEXDecisions {
			return nil, huma.Error422UnprocessableEntity("more than 100000 triage decisions: export one artifact at a time (?artifact=DIGEST)")
		}
		if next == "" {
			break
		}
		f.Cursor = next
	}
	format := in.Format
	if format == "" {
		format = vex.FormatOpenVEX
	}
	doc, skipped, err := vex.Export(ds, format, vex.ExportOptions{Author: "Vigil project " + in.Project, Timestamp: s.now(), ToolVersion: s.opts.Version})
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return nil, huma.NewError(499, "request cancelled")
		}
		return nil, huma.Error500InternalServerError("encode VEX")
	}
	ct := "application/json"
	if format == vex.FormatCycloneDX {
		ct = "application/vnd.cyclonedx+json; version=1.6"
	}
	return &VEXOutput{ContentType: ct, Skipped: len(skipped), Body: doc}, nil
}
