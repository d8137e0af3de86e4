package gate

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/vigil-sec/vigil/internal/scan"
	"github.com/vigil-sec/vigil/internal/severity"
)

// TestOutcomeFindings: each finding that fails the gate is counted once,
// whichever rules it fails.
func TestOutcomeFindings(t *testing.T) {
	r := &scan.Result{
		Exploitation: &scan.Exploitation{KEVEntries: 1, EPSSScores: 1},
		Vulnerabilities: []scan.Vulnerability{
			{ID: "A", Severity: severity.Critical, KEV: &scan.KEV{CVE: "CVE-1"}}, // FailOn and KEV: once
			{ID: "B", Severity: severity.Low, EPSS: &scan.EPSS{Score: 0.9}},      // EPSS only
			{ID: "C", Severity: severity.Unknown},                                // unscored
			{ID: "D", Severity: severity.High, Suppressed: &scan.Suppression{Kind: "config"}},
			{ID: "E", Severity: severity.Low},
		},
		Misconfigurations: []scan.Misconfiguration{{CheckID: "K", Severity: severity.High}, {CheckID: "L", Severity: severity.Low}},
		Secrets:           []scan.Secret{{RuleID: "S", Severity: severity.Critical}},
	}
	out, err := Evaluate(t.Context(), r, Options{FailOn: severity.High, FailOnKEV: true, MinEPSS: 0.5})
	if err != nil {
		t.Fatal(err)
	}
	if !out.Failed || out.Findings != 5 { // A, B, C, K, S
		t.Errorf("Evaluate = %+v, want 5 failed findings", out)
	}
	st := &ServerState{Project: "p", Now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Images: []ServerImage{}, Findings: []ServerFinding{
		{ID: 1, Kind: "vulnerability", Severity: "HIGH", Artifact: "a"},
		{ID: 2, Kind: "vulnerability", Severity: "LOW", Artifact: "a", SLABreached: true},
		{ID: 3, Kind: "vulnerability", Severity: "HIGH", Artifact: "a", SLABreached: true},
		{ID: 4, Kind: "secret", Severity: "LOW", Artifact: "a"},
	}}
	if out, err := EvaluateServer(context.Background(), st, Options{FailOn: severity.High}); err != nil || out.Findings != 3 {
		t.Errorf("EvaluateServer = %+v, want 3 failed findings (1, 2, 3)", out)
	}
}

const goodClaim = `{"passed":false,"exit_code":1,"failed_findings":2,"reasons":["2 finding(s) at or above HIGH"],"thresholds":{"fail_on":"HIGH","max_image_age_days":30,"min_epss":0.5},"policy_files":[{"path":"vigil.yaml","sha256":"` +
	"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" + `"}],"vulndb":{"sha256":"` + "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" + `","updated_at":"2026-11-30T10:00:00Z","age_days":3}}`

func TestParseClaim(t *testing.T) {
	c, err := DecodeClaimHeader(base64.RawURLEncoding.EncodeToString([]byte(goodClaim)))
	if err != nil {
		t.Fatal(err)
	}
	want := &Claim{Passed: false, ExitCode: 1, FailedFindings: 2, Reasons: []string{"2 finding(s) at or above HIGH"},
		Thresholds:  Thresholds{FailOn: "HIGH", MinEPSS: 0.5, MaxImageAgeDays: 30},
		PolicyFiles: []FileDigest{{Path: "vigil.yaml", SHA256: "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"}},
		VulnDB:      &DBState{SHA256: "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", UpdatedAt: time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC), AgeDays: 3}}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("claim %+v\nwant  %+v", c, want)
	}
	// The round trip is exact: what the CLI marshals the server reads.
	b, _ := json.Marshal(c)
	if string(b) != goodClaim {
		t.Errorf("marshal: %s\nwant     %s", b, goodClaim)
	}
	if o := c.Thresholds.Options(nil); o.FailOn != severity.High || o.MinEPSS != 0.5 || o.MaxImageAge != 30*24*time.Hour {
		t.Errorf("options %+v", o)
	}
	bad := map[string]string{
		"unknown field":     strings.Replace(goodClaim, `"passed":false`, `"passed":false,"x":1`, 1),
		"missing vulndb":    strings.Replace(goodClaim, `,"vulndb":{`, `,"vulndb_":{`, 1),
		"bad level":         strings.Replace(goodClaim, `"fail_on":"HIGH"`, `"fail_on":"SEVERE"`, 1),
		"epss above 1":      strings.Replace(goodClaim, `"min_epss":0.5`, `"min_epss":1.5`, 1),
		"negative exit":     strings.Replace(goodClaim, `"exit_code":1`, `"exit_code":-1`, 1),
		"failed, no reason": strings.Replace(goodClaim, `"reasons":["2 finding(s) at or above HIGH"],`, ``, 1),
		"passed, failures":  strings.Replace(goodClaim, `"passed":false`, `"passed":true`, 1),
		"bad time":          strings.Replace(goodClaim, `2026-11-30T10:00:00Z`, `yesterday`, 1),
		"too large":         strings.Replace(goodClaim, `"2 finding(s) at or above HIGH"`, `"`+strings.Repeat("x", MaxClaimSize)+`"`, 1),
		"not an object":     `[]`,
	}
	for name, doc := range bad {
		if _, err := ParseClaim([]byte(doc)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := DecodeClaimHeader("not base64!"); err == nil {
		t.Error("bad base64 accepted")
	}
}

// FuzzParseClaim: any header value is decoded without panicking, and a
// claim that parses survives a round trip.
func FuzzParseClaim(f *testing.F) {
	f.Add([]byte(goodClaim))
	f.Add([]byte(`{"passed":true,"exit_code":0,"failed_findings":0,"thresholds":{},"policy_files":[],"vulndb":null}`))
	f.Add([]byte(`{"passed":true}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := ParseClaim(b)
		if err != nil {
			return
		}
		again, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ParseClaim(again); err != nil {
			t.Fatalf("round trip of %s: %v", b, err)
		}
	})
}
