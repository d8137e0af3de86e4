package server

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/vigil-sec/vigil/internal/engine"
	"github.com/vigil-sec/vigil/internal/gate"
	"github.com/vigil-sec/vigil/internal/scan"
	"github.com/vigil-sec/vigil/internal/server/auth"
	"github.com/vigil-sec/vigil/internal/severity"
	"github.com/vigil-sec/vigil/internal/store"
	"github.com/vigil-sec/vigil/internal/vulndb"
)

// storeErr maps store errors to problem responses.
func storeErr(err error) error {
	switch {
	case errors.Is(err, store.ErrNotFound):
		return huma.Error404NotFound(err.Error())
	case errors.Is(err, store.ErrExists):
		return huma.Error409Conflict(err.Error())
	case errors.Is(err, store.ErrInvalid):
		return huma.Error422UnprocessableEntity(err.Error())
	case errors.Is(err, context.Canceled):
		return huma.NewError(499, "request cancelled")
	}
	return huma.Error500InternalServerError("internal error")
}

// PageParams are the paging query parameters of a list route. The type is
// exported because huma skips embedded fields of unexported types: with
// it unexported, limit and cursor were silently ignored.
type PageParams struct {
	Cursor string `query:"cursor" maxLength:"200" doc:"opaque cursor from the previous page's next_cursor"`
	Limit  int    `query:"limit" minimum:"0" maximum:"1000" doc:"page size (default 100)"`
}

func (p PageParams) page() store.Page { return store.Page{Cursor: p.Cursor, Limit: p.Limit} }

// List is a page of items.
type List[T any] struct {
	Body struct {
		Items      []T    `json:"items"`
		NextCursor string `json:"next_cursor"`
	}
}

func list[T any](items []T, next string) *List[T] {
	out := &List[T]{}
	if items == nil {
		items = []T{}
	}
	out.Body.Items, out.Body.NextCursor = items, next
	return out
}

// Item wraps one resource.
type Item[T any] struct {
	Body T
}

const projectPattern = `^[A-Za-z0-9][A-Za-z0-9._/-]{0,127}$`

func (s *Server) register() {
	s.registerProjects()
	s.registerArtifacts()
	s.registerDeployments()
	s.registerFindings()
	s.registerAdmin()
	s.registerAudit()
	s.registerMetrics()
	s.registerRemediation()
	s.registerSARIF()
	s.registerVEX()
	s.registerFreshness()
	s.registerNotify()
	s.registerRegistries()
	s.registerTrackers()
	s.registerCompliance()
}

func (s *Server) registerProjects() {
	add(s, Route{
		Op:   huma.Operation{OperationID: "list-projects", Method: http.MethodGet, Path: "/api/v1/projects", Summary: "List the projects the token may see", Tags: []string{"projects"}},
		Rule: Rule{Role: store.RoleReader, Scope: ScopeFilter},
	}, func(ctx context.Context, in *struct{ PageParams }) (*List[store.Project], error) {
		ps, next, err := s.store.ListProjects(ctx, principal(ctx).Scope(), in.page())
		if err != nil {
			return nil, storeErr(err)
		}
		return list(ps, next), nil
	})
	type projectBody struct {
		Name   string            `json:"name" pattern:"^[A-Za-z0-9][A-Za-z0-9._/-]{0,127}$"`
		Team   string            `json:"team,omitempty" maxLength:"200"`
		Labels map[string]string `json:"labels,omitempty" maxProperties:"64"`
	}
	add(s, Route{
		Op:          huma.Operation{OperationID: "create-project", Method: http.MethodPost, Path: "/api/v1/projects", Summary: "Create a project", Tags: []string{"projects"}, DefaultStatus: http.StatusCreated},
		Rule:        Rule{Role: store.RoleAdmin, Scope: ScopeGlobal},
		ExampleBody: `{"name":"matrix-new"}`,
	}, func(ctx context.Context, in *struct{ Body projectBody }) (*Item[store.Project], error) {
		p, err := s.store.CreateProject(ctx, store.Project{Name: in.Body.Name, Team: in.Body.Team, Labels: in.Body.Labels, CreatedBy: principal(ctx).Actor()})
		if err != nil {
			return nil, storeErr(err)
		}
		return &Item[store.Project]{Body: p}, nil
	})
	add(s, Route{
		Op:          huma.Operation{OperationID: "get-project", Method: http.MethodGet, Path: "/api/v1/projects/{project}", Summary: "Get a project", Tags: []string{"projects"}},
		Rule:        Rule{Role: store.RoleReader, Scope: ScopePath},
		ExamplePath: map[string]string{"project": "matrix"},
	}, func(ctx context.Context, in *struct {
		Project string `path:"project"`
	}) (*Item[store.Project], error) {
		p, err := s.store.GetProject(ctx, in.Project)
		if err != nil {
			return nil, storeErr(err)
		}
		return &Item[store.Project]{Body: p}, nil
	})
}

// IngestOutput is what a push returns.
type IngestOutput struct {
	Body struct {
		Artifact    store.Artifact `json:"artifact"`
		Created     bool           `json:"created"`
		NewFindings int            `json:"new_findings"`
		Findings    int            `json:"findings"`
		Skipped     int            `json:"skipped_components,omitempty"`
		Warnings    []string       `json:"warnings"`
	}
}

func (s *Server) registerArtifacts() {
	add(s, Route{
		Op: huma.Operation{OperationID: "push-artifact", Method: http.MethodPost, Path: "/api/v1/projects/{project}/artifacts", Tags: []string{"artifacts"},
			Summary:      "Push an artifact: a CycloneDX (JSON, XML) or SPDX (JSON, tag-value) SBOM or a Vigil JSON report, gzip or not",
			Description:  "The document kind is told by content. The same image digest, or the same inventory, twice is one artifact: the second push refreshes its metadata and changes no findings. The response comes once the artifact and its findings are durable.",
			MaxBodyBytes: s.opts.Limits.MaxBody, BodyReadTimeout: 60 * time.Second, DefaultStatus: http.StatusCreated},
		Rule:        Rule{Role: store.RoleWriter, Scope: ScopePath},
		ExamplePath: map[string]string{"project": "matrix"},
		ExampleBody: `{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,"components":[]}`,
	}, s.pushArtifact)
	add(s, Route{
		Op:          huma.Operation{OperationID: "list-artifacts", Method: http.MethodGet, Path: "/api/v1/projects/{project}/artifacts", Summary: "List a project's artifacts", Tags: []string{"artifacts"}},
		Rule:        Rule{Role: store.RoleReader, Scope: ScopePath},
		ExamplePath: map[string]string{"project": "matrix"},
	}, func(ctx context.Context, in *struct {
		Project string `path:"project"`
		PageParams
	}) (*List[store.Artifact], error) {
		as, next, err := s.store.ListArtifacts(ctx, store.ArtifactFilter{Scope: principal(ctx).Scope(), Project: in.Project, Page: in.page()})
		if err != nil {
			return nil, storeErr(err)
		}
		return list(as, next), nil
	})
	add(s, Route{
		Op:          huma.Operation{OperationID: "get-artifact", Method: http.MethodGet, Path: "/api/v1/artifacts/{id}", Summary: "Get an artifact with its layers", Tags: []string{"artifacts"}},
		Rule:        Rule{Role: store.RoleReader, Scope: ScopeResource},
		ExamplePath: map[string]string{"id": "@artifact"},
	}, func(ctx context.Context, in *struct {
		ID int64 `path:"id"`
	}) (*Item[store.Artifact], error) {
		a, err := s.artifact(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		return &Item[store.Artifact]{Body: a}, nil
	})
	add(s, Route{
		Op:          huma.Operation{OperationID: "list-artifact-packages", Method: http.MethodGet, Path: "/api/v1/artifacts/{id}/packages", Summary: "List an artifact's packages with their locations and layers", Tags: []string{"artifacts"}},
		Rule:        Rule{Role: store.RoleReader, Scope: ScopeResource},
		ExamplePath: map[string]string{"id": "@artifact"},
	}, func(ctx context.Context, in *struct {
		ID int64 `path:"id"`
		PageParams
	}) (*List[store.ArtifactPackage], error) {
		if _, err := s.artifact(ctx, in.ID); err != nil {
			return nil, err
		}
		ps, next, err := s.store.ArtifactPackages(ctx, in.ID, in.page())
		if err != nil {
			return nil, storeErr(err)
		}
		return list(ps, next), nil
	})
}

// artifact loads an artifact and checks the caller may see it.
func (s *Server) artifact(ctx context.Context, id int64) (store.Artifact, error) {
	a, err := s.store.GetArtifact(ctx, id)
	if err != nil {
		return a, storeErr(err)
	}
	return a, checkProject(ctx, a.Project)
}

type pushInput struct {
	Project   string `path:"project" pattern:"^[A-Za-z0-9][A-Za-z0-9._/-]{0,127}$"`
	Version   string `query:"version" maxLength:"200" doc:"version label of the artifact"`
	Name      string `query:"name" maxLength:"500" doc:"artifact name (default: from the document)"`
	VCSURL    string `query:"vcs_url" maxLength:"1000"`
	VCSCommit string `query:"vcs_commit" maxLength:"100"`
	Digest    string `query:"digest" maxLength:"200" doc:"image digest, when the document does not carry it"`
	Gate      string `header:"Vigil-Gate" doc:"the pushing CLI's gate decision: base64url JSON of a gate claim (docs/server.md); absent: not gated"`
	RawBody   []byte `contentType:"application/octet-stream"`
}

func (s *Server) pushArtifact(ctx context.Context, in *pushInput) (*IngestOutput, error) {
	select {
	case s.ingestSem <- struct{}{}:
		defer func() { <-s.ingestSem }()
	case <-ctx.Done():
		return nil, huma.NewError(499, "request cancelled")
	}
	var claim *gate.Claim
	if in.Gate != "" {
		c, err := gate.DecodeClaimHeader(in.Gate)
		if err != nil {
			return nil, huma.Error400BadRequest(err.Error())
		}
		claim = c
	}
	doc, err := readDocument(in.RawBody, s.opts.Limits)
	if err != nil {
		if errors.Is(err, errTooLarge) {
			return nil, huma.Error413RequestEntityTooLarge(err.Error())
		}
		return nil, huma.Error422UnprocessableEntity(err.Error())
	}
	res := doc.Report
	art := artifactOf(doc, in)
	var ing store.Ingest
	var warnings []string
	var r store.IngestResult
	for attempt := 1; ; attempt++ {
		ing, warnings, r, err = s.ingest(ctx, in.Project, art, res, claim)
		if !errors.Is(err, store.ErrStaleDatabase) || attempt == 3 {
			break
		}
		// Another server published a newer vulnerability database: follow
		// it and match again (once, whoever of the pushes gets here first).
		if st, serr := s.store.VulnDBState(ctx); serr == nil && st.Revision <= s.rev.Load() {
			continue
		}
		if _, serr := s.refreshDB(ctx, 0); serr != nil {
			s.log.Error("follow the vulnerability database for a push", "err", serr)
			return nil, huma.Error503ServiceUnavailable("the vulnerability database is out of date and could not be refreshed; retry")
		}
	}
	if err != nil {
		var he huma.StatusError
		if errors.As(err, &he) {
			return nil, he
		}
		s.log.Error("ingest", "project", in.Project, "err", err)
		if errors.Is(err, store.ErrStaleDatabase) {
			return nil, huma.Error503ServiceUnavailable("the vulnerability database changed while the push was matched; retry")
		}
		return nil, storeErr(err)
	}
	if r.Created {
		// Suppressions the pushing CLI applied (vigil.yaml, VEX, secrets
		// baseline) become the findings' states, so the server and
		// `vigil scan` count the same findings.
		if err := s.recordSuppressions(ctx, r.Artifact.ID, res); err != nil {
			s.log.Error("record pushed suppressions", "project", in.Project, "artifact_id", r.Artifact.ID, "err", err)
			return nil, storeErr(err)
		}
	}
	out := &IngestOutput{}
	out.Body.Artifact, out.Body.Created, out.Body.NewFindings = r.Artifact, r.Created, r.NewFindings
	out.Body.Findings, out.Body.Skipped = len(ing.Findings), doc.Skipped
	out.Body.Warnings = append(append([]string{}, res.Warnings...), warnings...)
	s.log.Info("artifact ingested", "project", in.Project, "artifact_id", r.Artifact.ID, "digest", r.Artifact.Digest, "created", r.Created, "packages", len(res.Packages), "findings", len(ing.Findings))
	return out, nil
}

// ingest matches a pushed inventory and stores it, with the vulnerability
// database revision it was matched with (store.ErrStaleDatabase when a
// newer one was published meanwhile). The ingest lock is held from the
// match to the commit: a database swap waits for it, so a re-match never
// misses a push matched with the older database.
// claim, when set, is the pushing CLI's gate decision: the ingest's audit
// record holds it beside the server's own (ingestGateOf).
func (s *Server) ingest(ctx context.Context, project string, art store.Artifact, res *scan.Result, claim *gate.Claim) (store.Ingest, []string, store.IngestResult, error) {
	s.ingestMu.RLock()
	defer s.ingestMu.RUnlock()
	rev := s.rev.Load()
	vulns, warnings, hashes, err := s.match.matchHashed(ctx, res.Packages)
	if err != nil {
		s.log.Error("match pushed inventory", "project", project, "err", err)
		return store.Ingest{}, nil, store.IngestResult{}, huma.Error503ServiceUnavailable(err.Error())
	}
	ing := store.Ingest{Project: project, Actor: principal(ctx).Actor(), Artifact: art, Packages: res.Packages, DBRevision: &rev, MatchHashes: hashes}
	ing.Findings, err = newFindings(res, vulns)
	if err != nil {
		return ing, nil, store.IngestResult{}, huma.Error500InternalServerError("encode findings")
	}
	if claim != nil {
		if ing.Gate, err = ingestGateOf(ctx, res, vulns, claim, s.now(), rev); err != nil {
			return ing, nil, store.IngestResult{}, err
		}
	}
	r, err := s.store.Ingest(ctx, ing)
	return ing, warnings, r, err
}

// recordSuppressions turns the suppressions a pushed report carries into
// finding states (engine.DecisionOf), each with its own history event.
// They are written after the ingest's commit: a crash in between leaves
// the findings open, never hidden.
func (s *Server) recordSuppressions(ctx context.Context, artifactID int64, res *scan.Result) error {
	sups := engine.Suppressions(res)
	if len(sups) == 0 {
		return nil
	}
	now := s.now()
	actor := "vigil.yaml (pushed by " + principal(ctx).Actor() + ")"
	cursor := ""
	for {
		fs, next, err := s.store.ListFindings(ctx, store.FindingFilter{ArtifactID: artifactID, Page: store.Page{Limit: 1000, Cursor: cursor}})
		if err != nil {
			return err
		}
		for _, f := range fs {
			sup, ok := sups[f.Key]
			if !ok || f.State != store.StateOpen {
				continue
			}
			d, ok := engine.DecisionOf(sup, now)
			if !ok {
				continue
			}
			if _, err := s.store.SetState(ctx, store.StateChange{FindingID: f.ID, To: d.State, Reason: d.Reason, Actor: actor, Until: d.Until}); err != nil {
				return err
			}
		}
		if next == "" {
			return nil
		}
		cursor = next
	}
}

// artifactOf describes the pushed artifact.
func artifactOf(doc *document, in *pushInput) store.Artifact {
	res := doc.Report
	a := store.Artifact{Kind: "sbom", Format: doc.Format, Name: res.Target.Name, Version: in.Version, VCSURL: in.VCSURL, VCSCommit: in.VCSCommit, ToolName: res.Tool.Name, ToolVersion: res.Tool.Version, Packages: len(res.Packages)}
	if res.Target.Kind == "dir" || in.VCSCommit != "" {
		a.Kind = "source"
	}
	if img := res.Image; img != nil {
		a.Kind = "image"
		a.Name = img.Reference
		a.Digest = img.Digest
		meta := &store.ImageMeta{Reference: img.Reference, Created: img.Created, CreatedFrom: img.CreatedFrom, BaseImage: img.BaseName, BaseDigest: img.BaseDigest}
		if res.OS != nil {
			meta.OS, meta.OSVersion, meta.OSEOL, meta.OSEOLDate = res.OS.ID, res.OS.Version, res.OS.EOL, res.OS.EOLDate
		}
		for _, l := range img.Layers {
			meta.Layers = append(meta.Layers, store.LayerMeta{Digest: l.Digest, CreatedBy: l.CreatedBy, Packages: l.Packages})
		}
		a.Image = meta
	}
	if in.Digest != "" {
		a.Digest = in.Digest
		if a.Kind == "sbom" && strings.HasPrefix(in.Digest, "sha256:") {
			a.Kind = "image"
		}
	}
	if a.Digest == "" {
		a.Digest = inventoryDigest(res)
	}
	if in.Name != "" {
		a.Name = in.Name
	}
	if a.Name == "" {
		a.Name = a.Digest
	}
	return a
}

// newFindings turns the server's match and the report's misconfigurations
// and secrets into findings.
func newFindings(res *scan.Result, vulns []scan.Vulnerability) ([]store.NewFinding, error) {
	byKey := map[string]int{}
	for i := range res.Packages {
		p := &res.Packages[i]
		byKey[p.Ecosystem+"\x00"+p.Name+"\x00"+p.Version+"\x00"+p.PURL] = i
	}
	out := make([]store.NewFinding, 0, len(vulns)+len(res.Misconfigurations)+len(res.Secrets))
	for _, v := range vulns {
		detail, err := json.Marshal(v)
		if err != nil {
			return nil, err
		}
		nf := store.NewFinding{Kind: store.KindVulnerability, Key: engine.VulnKey(v), VulnerabilityID: v.ID, Aliases: v.Aliases, Severity: v.Severity, Summary: v.Summary, FixedVersion: v.FixedVersion, Detail: detail}
		if i, ok := byKey[v.Package.Ecosystem+"\x00"+v.Package.Name+"\x00"+v.Package.Version+"\x00"+v.Package.PURL]; ok {
			nf.Package = &res.Packages[i]
		}
		out = append(out, nf)
	}
	for _, m := range res.Misconfigurations {
		detail, err := json.Marshal(m)
		if err != nil {
			return nil, err
		}
		out = append(out, store.NewFinding{Kind: store.KindMisconfiguration, Key: engine.MisconfigKey(m), VulnerabilityID: m.CheckID, Severity: m.Severity, Summary: m.Title, Detail: detail})
	}
	for _, sec := range res.Secrets {
		detail, err := json.Marshal(sec)
		if err != nil {
			return nil, err
		}
		out = append(out, store.NewFinding{Kind: store.KindSecret, Key: engine.SecretKey(sec), VulnerabilityID: sec.RuleID, Severity: sec.Severity, Summary: sec.Title, Detail: detail})
	}
	return out, nil
}

func (s *Server) registerDeployments() {
	type deployBody struct {
		Artifact    string    `json:"artifact" minLength:"1" maxLength:"200" doc:"digest of an artifact of the project"`
		Environment string    `json:"environment" pattern:"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"`
		Service     string    `json:"service,omitempty" maxLength:"200" doc:"default: the project name"`
		Cluster     string    `json:"cluster,omitempty" maxLength:"200"`
		Namespace   string    `json:"namespace,omitempty" maxLength:"200"`
		At          time.Time `json:"at,omitzero" doc:"when it started running (default: now)"`
	}
	type deployOut struct {
		Body store.DeployResult
	}
	add(s, Route{
		Op:          huma.Operation{OperationID: "create-deployment", Method: http.MethodPost, Path: "/api/v1/projects/{project}/deployments", Summary: "Record that an artifact runs in an environment", Tags: []string{"deployments"}, DefaultStatus: http.StatusCreated},
		Rule:        Rule{Role: store.RoleWriter, Scope: ScopePath},
		ExamplePath: map[string]string{"project": "matrix"},
		ExampleBody: `{"artifact":"@digest","environment":"staging"}`,
	}, func(ctx context.Context, in *struct {
		Project string `path:"project"`
		Body    deployBody
	}) (*deployOut, error) {
		r, err := s.store.Deploy(ctx, store.Deploy{Project: in.Project, Digest: in.Body.Artifact, Environment: in.Body.Environment, Service: in.Body.Service, Cluster: in.Body.Cluster, Namespace: in.Body.Namespace, At: in.Body.At, Actor: principal(ctx).Actor()})
		if err != nil {
			return nil, storeErr(err)
		}
		return &deployOut{Body: r}, nil
	})
	add(s, Route{
		Op:   huma.Operation{OperationID: "list-deployments", Method: http.MethodGet, Path: "/api/v1/deployments", Summary: "List deployments", Tags: []string{"deployments"}},
		Rule: Rule{Role: store.RoleReader, Scope: ScopeFilter},
	}, func(ctx context.Context, in *struct {
		Project     string `query:"project" maxLength:"128"`
		Environment string `query:"environment" maxLength:"64"`
		Active      bool   `query:"active" doc:"only what runs now"`
		PageParams
	}) (*List[store.Deployment], error) {
		ds, next, err := s.store.ListDeployments(ctx, store.DeploymentFilter{Scope: principal(ctx).Scope(), Project: in.Project, Environment: in.Environment, ActiveOnly: in.Active, Page: in.page()})
		if err != nil {
			return nil, storeErr(err)
		}
		return list(ds, next), nil
	})
}

// FindingDTO is a finding as the API shows it.
type FindingDTO struct {
	store.FindingView
	Project  string          `json:"project"`
	Severity string          `json:"severity"`
	Detail   json.RawMessage `json:"detail,omitempty"`
	History  []store.Event   `json:"history,omitempty"`
	// KEV and EPSS are exploitation data, matched when read (exploit.go).
	KEV  *scan.KEV  `json:"kev,omitempty"`
	EPSS *scan.EPSS `json:"epss,omitempty"`
}

func findingDTO(v store.FindingView, withDetail bool) FindingDTO {
	d := FindingDTO{FindingView: v, Project: v.Project, Severity: v.Severity.String()}
	if d.Aliases == nil {
		d.Aliases = []string{}
	}
	if d.Environments == nil {
		d.Environments = []string{}
	}
	if withDetail && len(v.Detail) > 0 {
		d.Detail = v.Detail
	}
	return d
}

// FindingsPage is a page of findings, as List[FindingDTO] but with the
// items encoded once per cached page.
type FindingsPage struct {
	Body findingsBody
}

type findingsBody struct {
	Items      encodedFindings `json:"items"`
	NextCursor string          `json:"next_cursor"`
}

// RawJSON is the body, encoded without a reflection pass over the items
// (see rawJSON in server.go).
func (b findingsBody) RawJSON() ([]byte, error) {
	cur, err := json.Marshal(b.NextCursor)
	if err != nil {
		return nil, err
	}
	items := b.Items.raw
	if items == nil {
		items = []byte("[]")
	}
	out := make([]byte, 0, len(items)+len(cur)+32)
	out = append(out, `{"items":`...)
	out = append(out, items...)
	out = append(out, `,"next_cursor":`...)
	out = append(out, cur...)
	return append(out, "}\n"...), nil
}

// encodedFindings is a JSON array of FindingDTO, already encoded. Its
// schema is that of []FindingDTO.
type encodedFindings struct{ raw []byte }

// MarshalJSON returns the encoded array.
func (e encodedFindings) MarshalJSON() ([]byte, error) {
	if e.raw == nil {
		return []byte("[]"), nil
	}
	return e.raw, nil
}

// Schema documents encodedFindings as the array it is.
func (encodedFindings) Schema(r huma.Registry) *huma.Schema {
	return r.Schema(reflect.TypeFor[[]FindingDTO](), true, "")
}

type findingsQuery struct {
	Project       string    `query:"project" maxLength:"128"`
	Environment   string    `query:"environment" maxLength:"64"`
	Artifact      int64     `query:"artifact" doc:"artifact id"`
	Kind          string    `query:"kind" enum:"vulnerability,misconfiguration,secret,static_analysis,"`
	State         []string  `query:"state" maxItems:"4" doc:"open, fixed, accepted, false_positive (comma separated)"`
	Severity      []string  `query:"severity" maxItems:"5" doc:"exact severities, comma separated"`
	MinSeverity   string    `query:"min_severity" doc:"at or above: low, medium, high, critical"`
	Ecosystem     string    `query:"ecosystem" maxLength:"100"`
	PURL          string    `query:"purl" maxLength:"1000"`
	Package       string    `query:"package" maxLength:"1000" doc:"a package name, exactly, in any ecosystem and version"`
	VulnID        string    `query:"vulnerability" maxLength:"200" doc:"a vulnerability id or any alias"`
	Fixable       string    `query:"fixable" enum:"true,false," doc:"only findings that have (true) or lack (false) a fixed version"`
	FirstSeenFrom time.Time `query:"first_seen_from"`
	FirstSeenTo   time.Time `query:"first_seen_to"`
	PageParams
}

func (q *findingsQuery) filter(ctx context.Context) (store.FindingFilter, error) {
	f := store.FindingFilter{Scope: principal(ctx).Scope(), Project: q.Project, Environment: q.Environment, ArtifactID: q.Artifact, Kind: q.Kind, Ecosystem: q.Ecosystem, PURL: q.PURL, Package: q.Package, VulnID: q.VulnID, FirstSeenFrom: q.FirstSeenFrom, FirstSeenTo: q.FirstSeenTo, Page: q.page()}
	for _, st := range splitCSV(q.State) {
		switch st {
		case store.StateOpen, store.StateFixed, store.StateAccepted, store.StateFalsePositive:
			f.States = append(f.States, st)
		default:
			return f, huma.Error422UnprocessableEntity(fmt.Sprintf("state: unknown state %q (want open, fixed, accepted or false_positive)", st))
		}
	}
	for _, sv := range splitCSV(q.Severity) {
		l, err := severity.Parse(sv)
		if err != nil {
			return f, huma.Error422UnprocessableEntity(fmt.Sprintf("severity: %v", err))
		}
		f.Severities = append(f.Severities, l)
	}
	if q.MinSeverity != "" {
		l, err := severity.Parse(q.MinSeverity)
		if err != nil {
			return f, huma.Error422UnprocessableEntity(fmt.Sprintf("min_severity: %v", err))
		}
		f.MinSeverity = l
	}
	if q.Fixable != "" {
		b := q.Fixable == "true"
		f.Fixable = &b
	}
	return f, nil
}

func splitCSV(vs []string) []string {
	var out []string
	for _, v := range vs {
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, strings.ToLower(p))
			}
		}
	}
	return out
}

func (s *Server) registerFindings() {
	add(s, Route{
		Op:   huma.Operation{OperationID: "list-findings", Method: http.MethodGet, Path: "/api/v1/findings", Summary: "List findings", Tags: []string{"findings"}},
		Rule: Rule{Role: store.RoleReader, Scope: ScopeFilter},
	}, func(ctx context.Context, in *findingsQuery) (*FindingsPage, error) {
		f, err := in.filter(ctx)
		if err != nil {
			return nil, err
		}
		type page struct {
			items encodedFindings
			next  string
		}
		pg, err := through(ctx, s.reads, cacheKey("list-findings"+s.exploit.tag(), principal(ctx), *in), func(p page) int { return 256 + len(p.items.raw) }, func() (page, error) {
			vs, next, err := s.store.ListFindings(ctx, f)
			if err != nil {
				return page{}, err
			}
			out := make([]FindingDTO, 0, len(vs))
			for _, v := range vs {
				d := findingDTO(v, false)
				s.exploit.enrich(&d)
				out = append(out, d)
			}
			// Encoded once: a cached page is served without encoding its
			// items again.
			var buf bytes.Buffer
			enc := json.NewEncoder(&buf)
			enc.SetEscapeHTML(false) // as the API's JSON format
			if err := enc.Encode(out); err != nil {
				return page{}, err
			}
			return page{encodedFindings{raw: bytes.TrimSuffix(buf.Bytes(), []byte("\n"))}, next}, nil
		})
		if err != nil {
			return nil, storeErr(err)
		}
		res := &FindingsPage{}
		res.Body.Items, res.Body.NextCursor = pg.items, pg.next
		return res, nil
	})
	add(s, Route{
		Op:          huma.Operation{OperationID: "get-finding", Method: http.MethodGet, Path: "/api/v1/findings/{id}", Summary: "Get a finding with its advisory detail and full history", Tags: []string{"findings"}},
		Rule:        Rule{Role: store.RoleReader, Scope: ScopeResource},
		ExamplePath: map[string]string{"id": "@finding"},
	}, func(ctx context.Context, in *struct {
		ID int64 `path:"id"`
	}) (*Item[FindingDTO], error) {
		v, err := s.store.GetFinding(ctx, in.ID)
		if err != nil {
			return nil, storeErr(err)
		}
		if err := checkProject(ctx, v.Project); err != nil {
			return nil, err
		}
		d := findingDTO(v, true)
		s.exploit.enrich(&d)
		if d.History, err = s.store.History(ctx, in.ID); err != nil {
			return nil, storeErr(err)
		}
		return &Item[FindingDTO]{Body: d}, nil
	})
	type patchBody struct {
		State   string    `json:"state" enum:"open,accepted,false_positive,fixed"`
		Reason  string    `json:"reason" minLength:"1" maxLength:"2000"`
		Expires time.Time `json:"expires,omitzero" doc:"required for accepted: when the acceptance ends and the finding re-opens"`
	}
	add(s, Route{
		Op:          huma.Operation{OperationID: "update-finding", Method: http.MethodPatch, Path: "/api/v1/findings/{id}", Summary: "Triage a finding: accept (with reason and expiry), mark a false positive, re-open", Tags: []string{"findings"}},
		Rule:        Rule{Role: store.RoleWriter, Scope: ScopeResource},
		ExamplePath: map[string]string{"id": "@finding"},
		ExampleBody: `{"state":"false_positive","reason":"matrix test"}`,
	}, func(ctx context.Context, in *struct {
		ID   int64 `path:"id"`
		Body patchBody
	}) (*Item[FindingDTO], error) {
		v, err := s.store.GetFinding(ctx, in.ID)
		if err != nil {
			return nil, storeErr(err)
		}
		if err := checkProject(ctx, v.Project); err != nil {
			return nil, err
		}
		if in.Body.State == store.StateAccepted && in.Body.Expires.IsZero() {
			return nil, huma.Error422UnprocessableEntity("an acceptance needs an expiry (expires)")
		}
		if _, err := s.store.SetState(ctx, store.StateChange{FindingID: in.ID, To: in.Body.State, Reason: in.Body.Reason, Actor: principal(ctx).Actor(), Until: in.Body.Expires}); err != nil {
			return nil, storeErr(err)
		}
		if v, err = s.store.GetFinding(ctx, in.ID); err != nil {
			return nil, storeErr(err)
		}
		d := findingDTO(v, false)
		s.exploit.enrich(&d)
		return &Item[FindingDTO]{Body: d}, nil
	})
	add(s, Route{
		Op:   huma.Operation{OperationID: "get-summary", Method: http.MethodGet, Path: "/api/v1/summary", Summary: "Open findings by severity and environment, and the oldest open findings", Tags: []string{"findings"}},
		Rule: Rule{Role: store.RoleReader, Scope: ScopeFilter},
	}, func(ctx context.Context, _ *struct{}) (*Item[store.Summary], error) {
		sum, err := through(ctx, s.reads, cacheKey("get-summary", principal(ctx), nil), func(sum store.Summary) int { return 2048 + 1536*len(sum.Oldest) + 256*len(sum.Worst) }, func() (store.Summary, error) {
			return s.store.Summary(ctx, principal(ctx).Scope())
		})
		if err != nil {
			return nil, storeErr(err)
		}
		return &Item[store.Summary]{Body: sum}, nil
	})
	add(s, Route{
		Op:   huma.Operation{OperationID: "list-events", Method: http.MethodGet, Path: "/api/v1/events", Summary: "The change log after a sequence number", Tags: []string{"events"}},
		Rule: Rule{Role: store.RoleReader, Scope: ScopeFilter},
	}, func(ctx context.Context, in *struct {
		After  int64 `query:"after" minimum:"0"`
		Limit  int   `query:"limit" minimum:"0" maximum:"1000"`
		Latest bool  `query:"latest" doc:"the newest limit events (still oldest first); after is ignored"`
	}) (*List[store.Event], error) {
		var es []store.Event
		var err error
		if in.Latest {
			es, err = s.store.LatestEvents(ctx, principal(ctx).Scope(), in.Limit)
		} else {
			es, err = s.store.Events(ctx, principal(ctx).Scope(), in.After, in.Limit)
		}
		if err != nil {
			return nil, storeErr(err)
		}
		next := ""
		if len(es) > 0 {
			next = fmt.Sprint(es[len(es)-1].Seq)
		}
		return list(es, next), nil
	})
}

// RefreshResult says what a refresh did.
type RefreshResult struct {
	Ecosystems map[string]string `json:"ecosystems"`
	// Changes is the change feed of the refresh: per ecosystem the ids of
	// the advisories added, modified and withdrawn.
	Changes   []AdvisoryChanges `json:"changes"`
	Packages  int               `json:"packages" doc:"distinct stored packages the change could affect, each matched once"`
	Unchanged int               `json:"unchanged" doc:"of the packages, those in (ecosystem, name) groups whose matches are what their findings were last reconciled with: no artifact of theirs is read"`
	Artifacts int               `json:"artifacts" doc:"artifacts holding a package that matches now or had a finding, whose findings of those packages were compared"`
	store.ReconcileResult
	// Revision is the vulnerability database revision the findings follow
	// now; Published is set when this refresh published it.
	Revision  int64  `json:"revision"`
	Published bool   `json:"published,omitempty"`
	Jobs      int    `json:"jobs,omitempty" doc:"jobs the refresh and its re-match ran as"`
	Duration  string `json:"duration"`
}

// AdvisoryChanges is what one refresh changed in one ecosystem.
type AdvisoryChanges struct {
	Ecosystem string   `json:"ecosystem"`
	Full      bool     `json:"full,omitempty" doc:"a first import: every advisory is new and none is listed"`
	Added     []string `json:"added"`
	Modified  []string `json:"modified"`
	Withdrawn []string `json:"withdrawn"`
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// updateDB updates this server's vulnerability database and brings the
// store's revision along (root: the job tree it runs in, 0 for none):
//   - when the findings already follow this database's content (its
//     fingerprint is the published one), it adopts that revision;
//   - when the update changed the database, or this server's first look
//     finds the store following other content (a crash between a swap and
//     its publication, or the first start after an upgrade), it publishes
//     a new revision with a re-match plan, in one transaction;
//   - otherwise (nothing changed here, the store follows another
//     server's newer content) it adopts the store's revision.
func (s *Server) updateDB(ctx context.Context, root int64) (RefreshResult, error) {
	s.refreshMu.Lock()
	defer s.refreshMu.Unlock()
	start := time.Now()
	out := RefreshResult{Ecosystems: map[string]string{}}
	out.Changes = []AdvisoryChanges{}
	rep, cs, err := s.match.refresh(ctx, &s.ingestMu)
	if xerr := s.exploit.refresh(ctx); xerr != nil {
		s.log.Warn("refresh exploitation data", "err", xerr)
	}
	if rep != nil {
		for _, e := range rep.Ecosystems {
			out.Ecosystems[e.Name] = string(e.Status)
			if e.Status == vulndb.StatusNew || e.Status == vulndb.StatusUpdated {
				out.Changes = append(out.Changes, AdvisoryChanges{Ecosystem: e.Name, Full: e.Full,
					Added: nonNil(e.AddedIDs), Modified: nonNil(e.ModifiedIDs), Withdrawn: nonNil(e.RemovedIDs)})
			}
		}
	}
	// A change swapped in by an earlier refresh whose publication failed
	// is published with this one: the database in use has it, the
	// findings do not.
	cs = cs.merge(s.unpublished)
	s.unpublished = changeSet{}
	if err != nil {
		s.unpublished = cs
		return out, err
	}
	st, err := s.store.VulnDBState(ctx)
	if err != nil {
		s.unpublished = cs
		return out, err
	}
	fp := s.match.fingerprint()
	first := !s.synced.Load()
	switch {
	case st.Revision > 0 && fp == st.Fingerprint:
		s.rev.Store(st.Revision)
	case first || !cs.empty():
		if first {
			cs.all = true
		}
		plan := planPayload{All: cs.all, Keys: cs.keys, Ecosystems: cs.ecosystems, IDs: cs.ids}
		for id := range cs.withdrawn {
			plan.Withdrawn = append(plan.Withdrawn, id)
		}
		slices.Sort(plan.Withdrawn)
		rev, err := s.store.PublishVulnDB(ctx, fp, s.jobs.owner, func(rev int64) ([]store.JobSpec, error) {
			plan.Revision = rev
			b, err := json.Marshal(plan)
			return []store.JobSpec{{Kind: jobRematchPlan, Payload: b, Root: root}}, err
		})
		if err != nil {
			s.unpublished = cs
			return out, err
		}
		s.rev.Store(rev)
		out.Published = true
		s.jobs.nudge()
	default:
		s.rev.Store(st.Revision)
	}
	s.synced.Store(true)
	out.Revision = s.rev.Load()
	out.Duration = time.Since(start).Round(time.Millisecond).String()
	s.log.Info("vulnerability database refreshed", "revision", out.Revision, "published", out.Published, "changed", len(out.Changes), "duration", out.Duration)
	return out, nil
}

// refresh runs a refresh job now and waits until the re-match it caused
// is committed, on whichever server takes its jobs.
func (s *Server) refresh(ctx context.Context) (RefreshResult, error) {
	start := time.Now()
	if !s.match.ready() {
		// This server has no database yet (its start-up refresh): load its
		// own copy first, whichever server runs the job.
		if r, err := s.refreshDB(ctx, 0); err != nil {
			return r, err
		}
	}
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	id, err := s.enqueueRefresh(ctx, "refresh:manual:"+hex.EncodeToString(b), 1)
	if err != nil {
		return RefreshResult{}, err
	}
	tree, err := s.waitTree(ctx, id)
	if err != nil {
		return RefreshResult{}, err
	}
	var out RefreshResult
	root := tree[0]
	if root.State != store.JobDone {
		return out, fmt.Errorf("%s", root.LastError)
	}
	if err := json.Unmarshal(root.Result, &out); err != nil {
		return out, fmt.Errorf("refresh result: %w", err)
	}
	if err := addRematches(&out, tree[1:]); err != nil {
		return out, err
	}
	out.Jobs = len(tree)
	// A refresh that found the change already taken by another (a
	// scheduled one, or another server's) still answers only once that
	// re-match is committed too.
	if !out.Published {
		roots, err := s.store.PendingRoots(ctx, []string{jobRematchPlan, jobRematch})
		if err != nil {
			return out, err
		}
		for _, r := range roots {
			other, err := s.waitTree(ctx, r)
			if err != nil {
				return out, err
			}
			if err := addRematches(&out, other); err != nil {
				return out, err
			}
		}
	}
	out.Duration = time.Since(start).Round(time.Millisecond).String()
	return out, nil
}

// rematchAll queues a re-match plan of every stored package at the
// revision in use and waits until its batches are committed, on
// whichever server takes them. Groups whose matches did not change are
// evaluated and skipped (RefreshResult.Unchanged), unless force: then
// every artifact holding a package that matches or has a finding is
// reconciled (a repair, after verify-findings found differences).
func (s *Server) rematchAll(ctx context.Context, force bool) (RefreshResult, error) {
	start := time.Now()
	rev := s.rev.Load()
	if !s.match.ready() || rev == 0 {
		return RefreshResult{}, errors.New("no vulnerability database in use yet: wait for the start-up refresh")
	}
	plan, err := json.Marshal(planPayload{Revision: rev, All: true, Force: force})
	if err != nil {
		return RefreshResult{}, err
	}
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	id, _, err := s.store.EnqueueJob(ctx, store.JobSpec{Kind: jobRematchPlan, Key: "rematch:manual:" + hex.EncodeToString(b), Payload: plan})
	if err != nil {
		return RefreshResult{}, err
	}
	s.jobs.nudge()
	tree, err := s.waitTree(ctx, id)
	if err != nil {
		return RefreshResult{}, err
	}
	out := RefreshResult{Ecosystems: map[string]string{}, Changes: []AdvisoryChanges{}, Revision: rev, Jobs: len(tree)}
	if err := addRematches(&out, tree); err != nil {
		return out, err
	}
	out.Duration = time.Since(start).Round(time.Millisecond).String()
	return out, nil
}

// addRematches adds the counts of a job tree's finished re-match batches.
func addRematches(out *RefreshResult, jobs []store.Job) error {
	for _, j := range jobs {
		if j.Kind == jobRefresh {
			continue
		}
		if j.State != store.JobDone {
			return fmt.Errorf("%s job %d failed: %s", j.Kind, j.ID, j.LastError)
		}
		if j.Kind != jobRematch {
			continue
		}
		var r rematchResult
		if err := json.Unmarshal(j.Result, &r); err != nil {
			return fmt.Errorf("rematch result: %w", err)
		}
		out.ReconcileResult.Add(r.ReconcileResult)
		out.Packages += r.Packages
		out.Unchanged += r.Skipped
		out.Artifacts += r.Artifacts
	}
	return nil
}

func (s *Server) registerAdmin() {
	add(s, Route{
		Op:   huma.Operation{OperationID: "refresh", Method: http.MethodPost, Path: "/api/v1/admin/refresh", Summary: "Refresh the vulnerability database now; returns when the re-match it caused is committed", Tags: []string{"admin"}},
		Rule: Rule{Role: store.RoleAdmin, Scope: ScopeGlobal},
	}, func(ctx context.Context, _ *struct{}) (*Item[RefreshResult], error) {
		r, err := s.refresh(ctx)
		if err != nil {
			s.log.Error("refresh", "err", err)
			return nil, huma.Error502BadGateway(err.Error())
		}
		return &Item[RefreshResult]{Body: r}, nil
	})
	add(s, Route{
		Op:   huma.Operation{OperationID: "rematch", Method: http.MethodPost, Path: "/api/v1/admin/rematch", Summary: "Re-match every stored package against the vulnerability database in use (after an upgrade of Vigil's matching, or to check); returns when the findings are reconciled", Tags: []string{"admin"}},
		Rule: Rule{Role: store.RoleAdmin, Scope: ScopeGlobal},
	}, func(ctx context.Context, in *struct {
		Force bool `query:"force" doc:"Reconcile every artifact whose packages match or have findings, even the ones whose matches did not change since they were last reconciled (a repair after verify-findings reported differences)"`
	}) (*Item[RefreshResult], error) {
		r, err := s.rematchAll(ctx, in.Force)
		if err != nil {
			s.log.Error("rematch", "err", err)
			return nil, huma.Error503ServiceUnavailable(err.Error())
		}
		return &Item[RefreshResult]{Body: r}, nil
	})
	add(s, Route{
		Op:   huma.Operation{OperationID: "list-tokens", Method: http.MethodGet, Path: "/api/v1/tokens", Summary: "List API tokens (never their secrets)", Tags: []string{"admin"}},
		Rule: Rule{Role: store.RoleAdmin, Scope: ScopeGlobal},
	}, func(ctx context.Context, _ *struct{}) (*List[store.Token], error) {
		ts, err := s.store.ListTokens(ctx)
		if err != nil {
			return nil, storeErr(err)
		}
		return list(ts, ""), nil
	})
	type tokenBody struct {
		Name     string   `json:"name" minLength:"1" maxLength:"200"`
		Role     string   `json:"role" enum:"admin,writer,reader,metrics"`
		Projects []string `json:"projects,omitempty" maxItems:"100"`
		Expires  string   `json:"expires,omitempty" doc:"lifetime, e.g. 90d or 12h"`
	}
	type tokenOut struct {
		Body struct {
			store.Token
			Secret string `json:"token" doc:"shown once; the server keeps only its hash"`
		}
	}
	add(s, Route{
		Op:          huma.Operation{OperationID: "create-token", Method: http.MethodPost, Path: "/api/v1/tokens", Summary: "Create an API token", Tags: []string{"admin"}, DefaultStatus: http.StatusCreated},
		Rule:        Rule{Role: store.RoleAdmin, Scope: ScopeGlobal},
		ExampleBody: `{"name":"matrix","role":"reader"}`,
	}, func(ctx context.Context, in *struct{ Body tokenBody }) (*tokenOut, error) {
		t, secret, err := IssueToken(ctx, s.store, principal(ctx).Actor(), in.Body.Name, in.Body.Role, in.Body.Projects, in.Body.Expires, s.now())
		if err != nil {
			if errors.Is(err, store.ErrInvalid) {
				return nil, huma.Error422UnprocessableEntity(err.Error())
			}
			return nil, storeErr(err)
		}
		out := &tokenOut{}
		out.Body.Token, out.Body.Secret = t, secret
		return out, nil
	})
	add(s, Route{
		Op:          huma.Operation{OperationID: "revoke-token", Method: http.MethodDelete, Path: "/api/v1/tokens/{id}", Summary: "Revoke an API token", Tags: []string{"admin"}},
		Rule:        Rule{Role: store.RoleAdmin, Scope: ScopeGlobal},
		ExamplePath: map[string]string{"id": "@spare-token"},
	}, func(ctx context.Context, in *struct {
		ID int64 `path:"id"`
	}) (*struct{}, error) {
		if err := s.store.RevokeToken(ctx, in.ID, principal(ctx).Actor()); err != nil {
			return nil, storeErr(err)
		}
		return nil, nil
	})
	if s.opts.TestClock {
		type clockOut struct {
			Body struct {
				Now time.Time `json:"now"`
			}
		}
		add(s, Route{
			Op:          huma.Operation{OperationID: "advance-clock", Method: http.MethodPost, Path: "/api/v1/admin/clock", Summary: "Move the test clock forward (only with --test-clock) and run the expiry sweep", Tags: []string{"admin"}},
			Rule:        Rule{Role: store.RoleAdmin, Scope: ScopeGlobal},
			ExampleBody: `{"advance":"1s"}`,
		}, func(ctx context.Context, in *struct {
			Body struct {
				Advance string `json:"advance" doc:"a Go duration, e.g. 2m or 48h"`
			}
		}) (*clockOut, error) {
			d, err := time.ParseDuration(in.Body.Advance)
			if err != nil || d < 0 {
				return nil, huma.Error422UnprocessableEntity("advance: want a positive Go duration such as 2m")
			}
			out := &clockOut{}
			out.Body.Now = s.clock.Advance(d)
			s.expire(ctx)
			return out, nil
		})
	}
}

// IssueToken creates a token and returns it with its secret (shown once);
// actor is who creates it (the audit record's actor). The CLI's `vigil
// token create` and the API share it.
func IssueToken(ctx context.Context, st store.API, actor, name, role string, projects []string, expires string, now time.Time) (store.Token, string, error) {
	role, err := auth.ParseRole(role)
	if err != nil {
		return store.Token{}, "", fmt.Errorf("%w: %v", store.ErrInvalid, err)
	}
	t := store.Token{Name: name, Role: role, Projects: projects, CreatedAt: now, CreatedBy: actor}
	if expires != "" {
		d, err := ParseLifetime(expires)
		if err != nil {
			return store.Token{}, "", fmt.Errorf("%w: expires: %v", store.ErrInvalid, err)
		}
		t.ExpiresAt = now.Add(d)
	}
	secret, hash, err := auth.Generate()
	if err != nil {
		return store.Token{}, "", err
	}
	t.Hash = hash
	t, err = st.CreateToken(ctx, t)
	return t, secret, err
}

// ParseLifetime reads "90d", "12h", "30m".
func ParseLifetime(s string) (time.Duration, error) {
	if n, ok := strings.CutSuffix(s, "d"); ok {
		var days int
		if _, err := fmt.Sscanf(n, "%d", &days); err != nil || days <= 0 || days > 3650 {
			return 0, fmt.Errorf("%q: want a number of days between 1 and 3650", s)
		}
		return time.Duration(days) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%q: want a lifetime such as 90d or 12h", s)
	}
	return d, nil
}
