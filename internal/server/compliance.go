package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/vigil-sec/vigil/internal/audit"
	"github.com/vigil-sec/vigil/internal/compliance"
	"github.com/vigil-sec/vigil/internal/scan"
	"github.com/vigil-sec/vigil/internal/store"
)

// ComplianceReport gathers the evidence of project over [from, to) for the
// controls of fw: the scans pushed (ingest audit records), the open
// findings against the SLA and what was remediated (the remediation
// metrics, the same figures as GET /api/v1/metrics/remediation), every
// acceptance (finding.state audit records to accepted: approver, reason,
// expiry) and the failed IaC checks with their control ids. Each figure
// names the audit records behind it; the report carries the audit log's
// head at the time.
func (s *Server) ComplianceReport(ctx context.Context, fw *compliance.Framework, project string, sc store.Scope, from, to time.Time) (*compliance.EvidenceReport, error) {
	if !from.Before(to) {
		return nil, fmt.Errorf("from must be before to")
	}
	head, err := s.store.AuditHead(ctx)
	if err != nil {
		return nil, err
	}
	r := &compliance.EvidenceReport{Framework: fw.ID, FrameworkTitle: fw.Title, Project: project, From: from.UTC(), To: to.UTC(),
		GeneratedAt: s.now().UTC(), AuditHead: compliance.AuditRef{Seq: head.Seq, Hash: head.Hash},
		Scans: []compliance.ScanEvidence{}, Acceptances: []compliance.AcceptanceEvidence{}, IaC: []compliance.IaCEvidence{}}
	for _, c := range fw.Controls {
		r.Controls = append(r.Controls, compliance.ControlEvidence{ID: c.ID, Title: c.Title, Description: c.Description, Evidence: c.Evidence})
	}
	// The project's artifacts, to attribute records that name only those.
	arts := map[int64]bool{}
	for page := (store.Page{Limit: 500}); ; {
		as, next, err := s.store.ListArtifacts(ctx, store.ArtifactFilter{Scope: sc, Project: project, Page: page})
		if err != nil {
			return nil, err
		}
		for _, a := range as {
			arts[a.ID] = true
		}
		if next == "" {
			break
		}
		page.Cursor = next
	}
	ingestOf := map[int64]compliance.AuditRef{} // artifact -> its latest ingest up to `to`
	var changed []compliance.AuditRef
	err = s.store.ExportAudit(ctx, time.Time{}, to, func(rec *audit.Record) error {
		ref := compliance.AuditRef{Seq: rec.Seq, Hash: rec.Hash}
		in := !rec.Time.Before(from) && rec.Time.Before(to)
		var p struct {
			Project    string  `json:"project"`
			ArtifactID int64   `json:"artifact_id"`
			Artifacts  []int64 `json:"artifacts"`
			Digest     string  `json:"digest"`
			Kind       string  `json:"kind"`
			Name       string  `json:"name"`
			Tool       string  `json:"tool"`
			Packages   int     `json:"packages"`
			Findings   int     `json:"findings"`
			VulnID     string  `json:"vulnerability_id"`
			To         string  `json:"to"`
			Reason     string  `json:"reason"`
			Approver   string  `json:"approver"`
			Until      time.Time
			Gate       *IngestGate `json:"gate"`
			Changes    []struct {
				FindingID int64  `json:"finding_id"`
				To        string `json:"to"`
				Reason    string `json:"reason"`
			} `json:"state_changes"`
		}
		switch rec.Kind {
		case store.AuditIngest, store.AuditFindingState, store.AuditReconcile, store.AuditDeploy:
		default:
			return nil
		}
		if err := json.Unmarshal(rec.Payload, &p); err != nil {
			return fmt.Errorf("audit record %d: %w", rec.Seq, err)
		}
		var until struct {
			Until time.Time `json:"until"`
		}
		_ = json.Unmarshal(rec.Payload, &until)
		ours := p.Project == project || arts[p.ArtifactID]
		for _, a := range p.Artifacts {
			ours = ours || arts[a]
		}
		if !ours {
			return nil
		}
		switch rec.Kind {
		case store.AuditIngest:
			ingestOf[p.ArtifactID] = ref
			if in {
				r.Scans = append(r.Scans, compliance.ScanEvidence{Time: rec.Time, Actor: rec.Actor, ArtifactID: p.ArtifactID, Kind: p.Kind, Name: p.Name,
					Digest: p.Digest, Tool: p.Tool, Packages: p.Packages, Findings: p.Findings, Gate: scanGate(p.Gate), Audit: ref})
			}
		case store.AuditReconcile, store.AuditDeploy:
			for _, c := range p.Changes {
				if in && c.To == store.StateFixed {
					r.Remediation.Fixes = append(r.Remediation.Fixes, compliance.FixEvidence{Time: rec.Time, FindingID: c.FindingID, By: rec.Kind, Reason: c.Reason, Audit: ref})
				}
			}
		case store.AuditFindingState:
			if in && p.To == store.StateFixed {
				id, _ := strconv.ParseInt(strings.TrimPrefix(rec.Subject, "finding:"), 10, 64)
				r.Remediation.Fixes = append(r.Remediation.Fixes, compliance.FixEvidence{Time: rec.Time, FindingID: id, VulnerabilityID: p.VulnID,
					ArtifactID: p.ArtifactID, By: rec.Kind, Reason: p.Reason, Audit: ref})
			}
			if in && p.To == store.StateAccepted {
				id, _ := strconv.ParseInt(strings.TrimPrefix(rec.Subject, "finding:"), 10, 64)
				approver := p.Approver
				if approver == "" {
					approver = rec.Actor
				}
				r.Acceptances = append(r.Acceptances, compliance.AcceptanceEvidence{Time: rec.Time, FindingID: id, VulnerabilityID: p.VulnID,
					Approver: approver, Reason: p.Reason, Until: until.Until, Audit: ref})
			}
		}
		if in {
			changed = append(changed, ref)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	rem, err := s.Remediation(ctx, store.MetricsFilter{Scope: sc, Project: project}, from, to, 0)
	if err != nil {
		return nil, err
	}
	t := rem.Totals
	r.Open = compliance.OpenEvidence{Open: t.Open, Breached: t.Breached, DueSoon: t.DueSoon, MeanOpenAgeDays: t.MeanOpenAge, BySeverity: []compliance.SeverityCount{}, Audit: []compliance.AuditRef{}}
	for _, g := range rem.BySeverity {
		r.Open.BySeverity = append(r.Open.BySeverity, compliance.SeverityCount{Key: g.Key, Open: g.Open, Breached: g.Breached})
	}
	fixes := r.Remediation.Fixes
	if fixes == nil {
		fixes = []compliance.FixEvidence{}
	}
	// Records of a re-match or deployment name only the finding.
	for i := range fixes {
		if fx := &fixes[i]; fx.VulnerabilityID == "" || fx.ArtifactID == 0 {
			f, err := s.store.GetFinding(ctx, fx.FindingID)
			if err != nil {
				return nil, fmt.Errorf("finding %d fixed by audit record %d: %w", fx.FindingID, fx.Audit.Seq, err)
			}
			fx.VulnerabilityID, fx.ArtifactID = f.VulnerabilityID, f.ArtifactID
		}
	}
	r.Remediation = compliance.RemediationEvidence{Remediated: t.Remediated, RemediatedLate: t.RemediatedLate, MTTRDays: t.MTTRDays, Fixes: fixes, Audit: nonNilRefs(changed)}
	counts := compliance.ScanCounts{Total: len(r.Scans)}
	for _, sc := range r.Scans {
		switch g := sc.Gate; {
		case g == nil:
			counts.Ungated++
		default:
			counts.Gated++
			if !g.Passed {
				counts.Failed++
			}
			if !g.ServerPassed {
				counts.ServerFailed++
			}
		}
	}
	for i := range r.Controls {
		if slices.Contains(r.Controls[i].Evidence, compliance.EvidenceScans) {
			c := counts
			r.Controls[i].Scans = &c
		}
	}
	// Open findings and failed checks link to the ingest of their artifact.
	openArts := map[int64]bool{}
	for _, kind := range []string{store.KindVulnerability, store.KindMisconfiguration} {
		for page := (store.Page{Limit: 500}); ; {
			fs, next, err := s.store.ListFindings(ctx, store.FindingFilter{Scope: sc, Project: project, Kind: kind, States: []string{store.StateOpen, store.StateAccepted}, Page: page})
			if err != nil {
				return nil, err
			}
			for _, f := range fs {
				if f.State == store.StateOpen {
					openArts[f.ArtifactID] = true
				}
				if kind != store.KindMisconfiguration {
					continue
				}
				var m scan.Misconfiguration
				_ = json.Unmarshal(f.Detail, &m) // detail is what the ingest stored
				if len(f.Detail) == 0 {
					if full, err := s.store.GetFinding(ctx, f.ID); err == nil {
						_ = json.Unmarshal(full.Detail, &m)
					}
				}
				r.IaC = append(r.IaC, compliance.IaCEvidence{CheckID: f.VulnerabilityID, Title: f.Summary, Severity: f.Severity.String(), State: f.State,
					ArtifactID: f.ArtifactID, Controls: m.Controls, Audit: ingestOf[f.ArtifactID]})
			}
			if next == "" {
				break
			}
			page.Cursor = next
		}
	}
	ids := make([]int64, 0, len(openArts))
	for id := range openArts {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		if ref, ok := ingestOf[id]; ok {
			r.Open.Audit = append(r.Open.Audit, ref)
		}
	}
	return r, nil
}

// scanGate is the report's view of an ingest record's gate.
func scanGate(g *IngestGate) *compliance.ScanGate {
	if g == nil || g.Client == nil {
		return nil
	}
	c := g.Client
	out := &compliance.ScanGate{Passed: c.Passed, ExitCode: c.ExitCode, FailedFindings: c.FailedFindings, FailOn: c.Thresholds.FailOn,
		PolicyFiles: []compliance.PolicyFile{}, VulnDBAgeDays: -1, ServerPassed: g.Server.Passed, ServerFailedFindings: g.Server.FailedFindings}
	for _, f := range c.PolicyFiles {
		out.PolicyFiles = append(out.PolicyFiles, compliance.PolicyFile{Path: f.Path, SHA256: f.SHA256})
	}
	if d := c.VulnDB; d != nil {
		out.VulnDBSHA256, out.VulnDBAgeDays = d.SHA256, d.AgeDays
	}
	return out
}

func nonNilRefs(r []compliance.AuditRef) []compliance.AuditRef {
	if r == nil {
		return []compliance.AuditRef{}
	}
	return r
}

func (s *Server) registerCompliance() {
	add(s, Route{
		Op: huma.Operation{OperationID: "get-compliance-report", Method: http.MethodGet, Path: "/api/v1/projects/{project}/compliance/{framework}", Tags: []string{"compliance"},
			Summary:     "Compliance evidence of a project for a framework's controls over a period",
			Description: "Scans, open findings against the SLA, remediation and MTTR, acceptances and IaC checks, each linked to the audit records behind it; with the audit log's head. See docs/compliance.md."},
		Rule:        Rule{Role: store.RoleReader, Scope: ScopePath},
		ExamplePath: map[string]string{"project": "matrix", "framework": "pci-dss-4.0"},
	}, func(ctx context.Context, in *struct {
		Project   string    `path:"project" maxLength:"128"`
		Framework string    `path:"framework" maxLength:"64"`
		From      time.Time `query:"from" doc:"start of the period (default: 90 days before to)"`
		To        time.Time `query:"to" doc:"end of the period, exclusive (default: now)"`
	}) (*Item[compliance.EvidenceReport], error) {
		fws, err := compliance.Load(s.opts.ComplianceDir)
		if err != nil {
			return nil, err
		}
		fw, ok := fws[in.Framework]
		if !ok {
			known := make([]string, 0, len(fws))
			for id := range fws {
				known = append(known, id)
			}
			slices.Sort(known)
			return nil, huma.Error404NotFound(fmt.Sprintf("no framework %q (known: %s)", in.Framework, strings.Join(known, ", ")))
		}
		if _, err := s.store.GetProject(ctx, in.Project); err != nil {
			return nil, storeErr(err)
		}
		to, from := in.To, in.From
		if to.IsZero() {
			to = s.now()
		}
		if from.IsZero() {
			from = to.Add(-defaultWindow)
		}
		if !from.Before(to) {
			return nil, huma.Error422UnprocessableEntity("from must be before to")
		}
		rep, err := s.ComplianceReport(ctx, fw, in.Project, principal(ctx).Scope(), from, to)
		if err != nil {
			return nil, storeErr(err)
		}
		return &Item[compliance.EvidenceReport]{Body: *rep}, nil
	})
}
