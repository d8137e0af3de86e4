package config

import (
	"strings"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	src := `ignore:
  - id: GHSA-jf85-cpcp-j695
    package: pkg:npm/lodash
    path: services/api/**
    reason: not reachable, upgrade planned in PLAT-1234
    expires: 2026-12-31
gate:
  fail_on: high
  only_fixable: true
  min_advisory_age: 7d
  deny_licenses: [AGPL-3.0-only]
  deny_packages: [pkg:npm/event-stream]
`
	c, err := Parse(strings.NewReader(src), "vigil.yaml")
	if err != nil {
		t.Fatal(err)
	}
	ig := c.Ignore[0]
	if ig.ID != "GHSA-jf85-cpcp-j695" || ig.Line != 2 || ig.Expires.Format(time.DateOnly) != "2026-12-31" {
		t.Errorf("ignore = %+v", ig)
	}
	if c.Gate.MinAdvisoryAge.Duration != 7*24*time.Hour || !c.Gate.OnlyFixable || c.Gate.FailOn != "high" {
		t.Errorf("gate = %+v", c.Gate)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{"unknown key", "ignore: []\nfail_on: high\n", "field fail_on not found"},
		{"no expiry", "ignore:\n  - id: X\n    reason: r\n", "line 2: ignore[0] (X): expires is required"},
		{"bad date", "ignore:\n  - id: X\n    reason: r\n    expires: tomorrow\n", "want a date"},
		{"no reason", "ignore:\n  - id: X\n    expires: 2030-01-01\n", "reason is required"},
		{"bad purl", "ignore:\n  - id: X\n    reason: r\n    expires: 2030-01-01\n    package: lodash\n", "not a purl"},
		{"bad glob", "ignore:\n  - id: X\n    reason: r\n    expires: 2030-01-01\n    path: 'a/[b'\n", "not a valid glob"},
		{"bad severity", "gate:\n  fail_on: severe\n", "unknown severity"},
		{"bad duration", "gate:\n  min_advisory_age: soon\n", "want e.g. 72h"},
		{"not yaml", "ignore: [\n", "vigil.yaml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(strings.NewReader(tt.src), "vigil.yaml")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestParseEmpty(t *testing.T) {
	c, err := Parse(strings.NewReader(""), "vigil.yaml")
	if err != nil || len(c.Ignore) != 0 {
		t.Errorf("Parse(empty) = %+v, %v", c, err)
	}
}

func FuzzParse(f *testing.F) {
	f.Add("ignore:\n  - id: X\n    reason: r\n    expires: 2030-01-01\n")
	f.Add("gate:\n  fail_on: high\n  min_advisory_age: 3d\n")
	f.Add("a: &a [*a, *a]\n")
	f.Fuzz(func(t *testing.T, s string) {
		_, _ = Parse(strings.NewReader(s), "vigil.yaml")
	})
}

func TestGateFreshnessKeys(t *testing.T) {
	c, err := Parse(strings.NewReader("gate:\n  max_image_age_days: 30\n  ignore_sla_breach: true\n"), "vigil.yaml")
	if err != nil || c.Gate.MaxImageAgeDays != 30 || !c.Gate.IgnoreSLABreach {
		t.Fatalf("Parse = %+v, %v", c, err)
	}
	if _, err := Parse(strings.NewReader("gate:\n  max_image_age_days: -3\n"), "vigil.yaml"); err == nil || !strings.Contains(err.Error(), "gate.max_image_age_days") {
		t.Errorf("negative max_image_age_days: %v", err)
	}
}
