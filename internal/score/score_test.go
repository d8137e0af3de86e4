package score

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/vigil-sec/vigil/internal/severity"
)

func TestComputeExamples(t *testing.T) {
	tests := []struct {
		name      string
		in        Input
		wantScore int
		wantGrade string
	}{
		{"clean", Input{}, 100, "A"},
		{"one low", Input{Findings: []Finding{{Kind: KindVulnerability, Severity: severity.Low}}}, 99, "A"},
		// 30*(1-e^-0.4) + 15*(1-e^-1) + 15*(1-e^-2) = 9.89 + 9.48 + 12.97
		{"one critical, fixable, in KEV, EPSS 1", Input{Findings: []Finding{{Kind: KindVulnerability, Severity: severity.Critical, Fixable: true, KEV: true, EPSS: 1}}}, 68, "D"},
		{"a secret past its SLA", Input{Findings: []Finding{{Kind: KindSecret, Severity: severity.High, SLABreached: true}}}, 93, "A"},
		{"old image only", Input{OldestImageDays: 120}, 97, "A"},
		{"image within grace", Input{OldestImageDays: 30}, 100, "A"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Compute(tt.in)
			if got.Score != tt.wantScore || got.Grade != tt.wantGrade {
				t.Errorf("Compute = %d %s, want %d %s (%+v)", got.Score, got.Grade, tt.wantScore, tt.wantGrade, got.Components)
			}
			sum := 0.0
			for _, c := range got.Components {
				if c.Penalty < 0 || c.Penalty > c.Weight {
					t.Errorf("component %s penalty %v outside [0, %v]", c.Name, c.Penalty, c.Weight)
				}
				sum += c.Weight
			}
			if sum != 100 {
				t.Errorf("weights sum to %v, want 100", sum)
			}
		})
	}
}

func TestExploitNeutralWithoutData(t *testing.T) {
	f := Finding{Kind: KindVulnerability, Severity: severity.High}
	got := Compute(Input{Findings: []Finding{f}})
	for _, c := range got.Components {
		if c.Name == "exploitation" && (c.Value != 0 || c.Penalty != 0 || c.Count != 0) {
			t.Errorf("exploitation without data = %+v, want neutral", c)
		}
	}
}

func randomFinding(r *rand.Rand) Finding {
	kinds := []string{KindVulnerability, KindMisconfiguration, KindSecret}
	f := Finding{Kind: kinds[r.IntN(3)], Severity: severity.Level(r.IntN(5)), Fixable: r.IntN(2) == 0, KEV: r.IntN(4) == 0, SLABreached: r.IntN(3) == 0}
	if r.IntN(2) == 0 {
		f.EPSS = r.Float64()
	}
	return f
}

// worsen returns f made worse in one respect (or f itself when it cannot
// be).
func worsen(r *rand.Rand, f Finding) Finding {
	switch r.IntN(5) {
	case 0:
		// Higher weight: unknown counts as high, so only move up the
		// weight order.
		if Weight(f.Severity) < Weight(severity.Critical) {
			f.Severity = severity.Critical
		}
	case 1:
		f.Fixable = true
	case 2:
		f.KEV = true
	case 3:
		f.EPSS = f.EPSS + (1-f.EPSS)*r.Float64()
	case 4:
		f.SLABreached = true
	}
	return f
}

// TestMonotonic is the property: adding a finding, making one worse, or
// an older image never raises the score.
func TestMonotonic(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 5000 {
		var in Input
		for range r.IntN(40) {
			in.Findings = append(in.Findings, randomFinding(r))
		}
		in.OldestImageDays = r.Float64() * 400
		before := Compute(in)
		worse := Input{Findings: append([]Finding(nil), in.Findings...), OldestImageDays: in.OldestImageDays}
		switch r.IntN(3) {
		case 0:
			worse.Findings = append(worse.Findings, randomFinding(r))
		case 1:
			if len(worse.Findings) > 0 {
				j := r.IntN(len(worse.Findings))
				worse.Findings[j] = worsen(r, worse.Findings[j])
			}
		case 2:
			worse.OldestImageDays += r.Float64() * 100
		}
		after := Compute(worse)
		if after.Score > before.Score {
			t.Fatalf("case %d: score rose from %d to %d\nbefore %+v\nafter %+v", i, before.Score, after.Score, in, worse)
		}
		for k := range after.Components {
			if after.Components[k].Penalty < before.Components[k].Penalty {
				t.Fatalf("case %d: component %s penalty fell from %v to %v", i, after.Components[k].Name, before.Components[k].Penalty, after.Components[k].Penalty)
			}
		}
	}
}

func TestScoreBounds(t *testing.T) {
	var in Input
	for range 10000 {
		in.Findings = append(in.Findings, Finding{Kind: KindVulnerability, Severity: severity.Critical, Fixable: true, KEV: true, EPSS: 1, SLABreached: true},
			Finding{Kind: KindSecret, Severity: severity.Critical}, Finding{Kind: KindMisconfiguration, Severity: severity.Critical})
	}
	in.OldestImageDays = math.MaxFloat64
	if got := Compute(in); got.Score != 0 || got.Grade != "F" {
		t.Errorf("worst case = %d %s, want 0 F", got.Score, got.Grade)
	}
	if got := Compute(Input{OldestImageDays: math.NaN()}); got.Score != 100 {
		t.Errorf("NaN image age = %d, want 100", got.Score)
	}
}

func TestExploit(t *testing.T) {
	tests := []struct {
		detail   string
		wantKEV  bool
		wantEPSS float64
	}{
		{``, false, 0},
		{`{"id":"CVE-1"}`, false, 0},
		{`{"kev":true,"epss":0.42}`, true, 0.42},
		{`{"kev":"yes","epss":"0.5"}`, true, 0.5},
		{`{"kev":{"date_added":"2026-01-01"},"epss":{"score":0.9,"percentile":0.99}}`, true, 0.9},
		{`{"kev":false,"epss":{"epss":0.1}}`, false, 0.1},
		{`{"kev":null,"epss":null}`, false, 0},
		{`{"kev":{},"epss":7}`, false, 0},
		{`{"kev":1,"epss":-0.1}`, true, 0},
		{`{"kev":"maybe","epss":"NaN"}`, false, 0},
		{`{"kev":true`, false, 0},
		{`{"epss":{"score":{"score":0.5}}}`, false, 0},
	}
	for _, tt := range tests {
		kev, epss := Exploit([]byte(tt.detail))
		if kev != tt.wantKEV || epss != tt.wantEPSS {
			t.Errorf("Exploit(%s) = %v %v, want %v %v", tt.detail, kev, epss, tt.wantKEV, tt.wantEPSS)
		}
	}
}
