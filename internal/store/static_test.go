package store

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/vigil-sec/vigil/internal/severity"
)

// testReconcileStatic: static-analysis findings of one tool are
// reconciled without touching another tool's (KeyPrefix), with the same
// lifecycle as misconfigurations: a result that goes is fixed as
// not_reported, one that comes back re-opens, a person's decision stays.
func testReconcileStatic(t *testing.T, s *Store, c *clock, _ string) {
	ctx := t.Context()
	res, err := s.Ingest(ctx, Ingest{Project: "p", Actor: "ci", Artifact: Artifact{Kind: "source", Digest: "git:abc", Format: "sarif"}})
	if err != nil {
		t.Fatal(err)
	}
	art := res.Artifact.ID
	sa := func(tool, fp string, sev severity.Level) NewFinding {
		return NewFinding{Kind: KindStaticAnalysis, Key: "sarif|" + tool + "|" + fp, VulnerabilityID: "G101", Severity: sev, Summary: "rule " + fp, Detail: []byte(`{"fp":"` + fp + `"}`)}
	}
	up := func(tool string, fs ...NewFinding) ReconcileResult {
		t.Helper()
		r, err := s.Reconcile(ctx, Reconcile{ArtifactID: art, Kind: KindStaticAnalysis, KeyPrefix: "sarif|" + tool + "|", Actor: "ci", Findings: fs})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	state := func() map[string]string {
		t.Helper()
		fs, _, err := s.ListFindings(ctx, FindingFilter{ArtifactID: art, Kind: KindStaticAnalysis})
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		for _, f := range fs {
			m[f.Key] = f.State + "/" + f.Resolution
		}
		return m
	}
	if diff := cmp.Diff(ReconcileResult{Created: 2}, up("gosec", sa("gosec", "a", severity.High), sa("gosec", "b", severity.Medium))); diff != "" {
		t.Errorf("first gosec upload (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(ReconcileResult{Created: 1}, up("semgrep", sa("semgrep", "a", severity.Low))); diff != "" {
		t.Errorf("semgrep upload (-want +got):\n%s", diff)
	}
	c.Advance(time.Hour)
	// gosec no longer reports b: only gosec's b is resolved.
	if diff := cmp.Diff(ReconcileResult{Resolved: 1}, up("gosec", sa("gosec", "a", severity.High))); diff != "" {
		t.Errorf("second gosec upload (-want +got):\n%s", diff)
	}
	want := map[string]string{"sarif|gosec|a": "open/", "sarif|gosec|b": "fixed/" + ResolvedNotReported, "sarif|semgrep|a": "open/"}
	if diff := cmp.Diff(want, state()); diff != "" {
		t.Errorf("after gosec dropped b (-want +got):\n%s", diff)
	}
	// An empty upload of semgrep resolves semgrep's only, and b comes back.
	up("semgrep")
	if r := up("gosec", sa("gosec", "a", severity.High), sa("gosec", "b", severity.Medium)); r.Reopened != 1 {
		t.Errorf("b back: %+v, want 1 re-opened", r)
	}
	want = map[string]string{"sarif|gosec|a": "open/", "sarif|gosec|b": "open/", "sarif|semgrep|a": "fixed/" + ResolvedNotReported}
	if diff := cmp.Diff(want, state()); diff != "" {
		t.Errorf("after semgrep's empty upload (-want +got):\n%s", diff)
	}
	if _, err := s.Reconcile(ctx, Reconcile{ArtifactID: art, Kind: KindStaticAnalysis, KeyPrefix: "sarif|gosec|", Findings: []NewFinding{sa("semgrep", "x", severity.Low)}}); !errors.Is(err, ErrInvalid) {
		t.Errorf("a finding outside the prefix: %v, want ErrInvalid", err)
	}
}
