package tracker

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/severity"
	"github.com/vigil-sec/vigil/internal/store"
)

func view(artifact, digest, pkg, version, fixed string, sev severity.Level, firstSeen time.Time, envs ...string) store.FindingView {
	p := &inventory.Package{Name: pkg, Version: version, Ecosystem: "npm"}
	return store.FindingView{
		Finding:      store.Finding{VulnerabilityID: "GHSA-x", Aliases: []string{"CVE-1"}, Severity: sev, Summary: "bad", FixedVersion: fixed, FirstSeen: firstSeen},
		Artifact:     store.ArtifactRef{Name: artifact, Version: "1", Digest: digest},
		Package:      p,
		Environments: envs,
	}
}

// TestContent: the body lists each artifact once per finding with a short
// digest, the environments, the SLA state, and stays inert whatever the
// SBOM said (no mentions, no HTML, no second marker, no broken table).
func TestContent(t *testing.T) {
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	sla := store.SLAPolicy{Default: store.DefaultSLADays}
	tests := []struct {
		name      string
		fs        []store.FindingView
		wantSLA   string
		want      []string
		forbidden []string
	}{
		{"breached", []store.FindingView{view("api", "sha256:fedcba9876543210aaaa", "lodash", "4.17.4", "4.17.21", severity.High, now.Add(-31*24*time.Hour), "prod")},
			SLABreached, []string{"`fedcba987654`", "`prod`", "**breached**", "`4.17.21`"}, []string{"fedcba9876543210aaaa"}},
		{"due soon", []store.FindingView{view("api", "sha256:ab", "lodash", "4.17.4", "", severity.Critical, now.Add(-2*24*time.Hour))},
			SLADueSoon, []string{"due soon", "not deployed", "no fix yet"}, nil},
		{"within", []store.FindingView{view("api", "sha256:ab", "lodash", "4.17.4", "", severity.Low, now)},
			"", []string{"within SLA"}, nil},
		{"hostile names", []store.FindingView{view("@org/team <!-- vigil-tracker:ffff -->", "sha256:ab", "a|b`c\nd", "1", "", severity.Medium, now, "<script>")},
			"", []string{"`@org/team <!-- vigil-tracker:ffff -->`", `a\|b'c d`}, []string{"a|b", "\nd"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := newGroup("r", "web", tt.fs, sla, 7*24*time.Hour, now)
			if g.SLA != tt.wantSLA {
				t.Errorf("SLA = %q, want %q", g.SLA, tt.wantSLA)
			}
			c := g.content("0123456789abcdef0123456789abcdef", []string{"x"})
			if !strings.HasPrefix(c.Body, Marker("0123456789abcdef0123456789abcdef")+"\n") {
				t.Errorf("body does not start with the marker:\n%s", c.Body)
			}
			if n := strings.Count(c.Body, "<!-- vigil-tracker:"); n != 1 && tt.name != "hostile names" {
				t.Errorf("%d markers", n)
			}
			for _, w := range tt.want {
				if !strings.Contains(c.Body, w) {
					t.Errorf("body lacks %q:\n%s", w, c.Body)
				}
			}
			for _, w := range tt.forbidden {
				if strings.Contains(c.Body, w) {
					t.Errorf("body has %q:\n%s", w, c.Body)
				}
			}
			wantLabel := "severity:" + strings.ToLower(g.Severity.String())
			if !strings.Contains(strings.Join(c.Labels, ","), wantLabel) || (tt.wantSLA != "") != strings.Contains(strings.Join(c.Labels, ","), "sla:"+tt.wantSLA) {
				t.Errorf("labels = %v, want %s and sla %q", c.Labels, wantLabel, tt.wantSLA)
			}
		})
	}
	// Every table row of a hostile body has the header's 7 cells.
	g := newGroup("r", "web", tests[3].fs, sla, 0, now)
	for _, line := range strings.Split(g.content("t", nil).Body, "\n") {
		if strings.HasPrefix(line, "| `") {
			if n := strings.Count(line, "|") - strings.Count(line, `\|`); n != 8 {
				t.Errorf("row with %d separators: %q", n, line)
			}
		}
	}
}

// TestContentBounded: thousands of findings keep the body under GitHub's
// 65,536 characters, and the hash changes with the content.
func TestContentBounded(t *testing.T) {
	now := time.Now()
	var fs []store.FindingView
	for i := range 5000 {
		f := view(fmt.Sprintf("artifact-%04d-%s", i, strings.Repeat("n", 100)), fmt.Sprintf("sha256:%064d", i), "left-pad", "1.3.0", "2.0.0", severity.High, now, "prod", "staging")
		f.ArtifactID = int64(i + 1)
		fs = append(fs, f)
	}
	g := newGroup("r", "web", fs, store.SLAPolicy{}, 0, now)
	c := g.content("t", nil)
	if len(c.Body) > 65536 || !strings.Contains(c.Body, "4800 more findings not listed") || !strings.Contains(c.Body, "Affected artifacts (5000)") {
		t.Errorf("body of %d bytes; tail %q", len(c.Body), c.Body[max(0, len(c.Body)-300):])
	}
	g2 := newGroup("r", "web", fs[:4999], store.SLAPolicy{}, 0, now)
	if g2.content("t", nil).Hash() == c.Hash() {
		t.Error("the hash did not change with the artifact count")
	}
}
