package suppress

import (
	"strings"
	"testing"
	"time"

	"github.com/vigil-sec/vigil/internal/config"
	"github.com/vigil-sec/vigil/internal/scan"
	"github.com/vigil-sec/vigil/internal/severity"
)

func day(s string) config.Date {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return config.Date{Time: t}
}

func result() *scan.Result {
	return &scan.Result{
		Vulnerabilities: []scan.Vulnerability{
			{ID: "GHSA-1", Aliases: []string{"CVE-1"}, Severity: severity.High,
				Package:   scan.PackageRef{Name: "lodash", Version: "4.17.4", PURL: "pkg:npm/lodash@4.17.4"},
				Locations: []scan.Location{{Path: "services/api/package-lock.json"}}},
			{ID: "GHSA-1", Aliases: []string{"CVE-1"}, Severity: severity.High,
				Package:   scan.PackageRef{Name: "lodash", Version: "4.17.4", PURL: "pkg:npm/lodash@4.17.4"},
				Locations: []scan.Location{{Path: "web/package-lock.json"}}},
		},
		Misconfigurations: []scan.Misconfiguration{{CheckID: "VGL-DF-001", Severity: severity.Medium, Location: scan.Location{Path: "Dockerfile"}}},
		Secrets:           []scan.Secret{{RuleID: "github-pat", Fingerprint: "sha256:abc", Severity: severity.High, Location: scan.Location{Path: "a.go"}}},
	}
}

func TestApply(t *testing.T) {
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	ignores := []config.Ignore{
		{ID: "CVE-1", Package: "pkg:npm/lodash", Path: "services/api/**", Reason: "not reachable", Expires: day("2026-12-31"), Line: 2},
		{ID: "VGL-DF-001", Reason: "base image", Expires: day("2026-06-01"), Line: 8},
		{ID: "sha256:abc", Reason: "test key", Expires: day("2026-05-31"), Line: 12},
		{ID: "GHSA-unused", Reason: "r", Expires: day("2027-01-01"), Line: 16},
	}
	r := result()
	warnings := Apply(r, ignores, "vigil.yaml", now)

	if s := r.Vulnerabilities[0].Suppressed; s == nil || s.Reason != "not reachable" || s.Kind != "config" {
		t.Errorf("alias + purl without version + glob: not suppressed: %+v", s)
	}
	if r.Vulnerabilities[1].Suppressed != nil {
		t.Error("path glob ignored: web/ finding suppressed")
	}
	if r.Misconfigurations[0].Suppressed == nil {
		t.Error("entry expiring today should still suppress")
	}
	if r.Secrets[0].Suppressed != nil {
		t.Error("expired entry still suppresses")
	}
	joined := strings.Join(warnings, "\n")
	for _, want := range []string{`vigil.yaml:12: ignore entry "sha256:abc" expired on 2026-05-31`, `vigil.yaml:16: ignore entry "GHSA-unused" matched no finding`} {
		if !strings.Contains(joined, want) {
			t.Errorf("warnings lack %q:\n%s", want, joined)
		}
	}
	if r.Summary.Suppressed != 2 || r.Summary.Vulnerabilities.Total != 1 || r.Summary.Secrets.Total != 1 {
		t.Errorf("summary = %+v", r.Summary)
	}
}
