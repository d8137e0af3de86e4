package report

import (
	"bytes"
	"encoding/xml"
	"strings"
	"testing"
	"time"

	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/scan"
	"github.com/vigil-sec/vigil/internal/severity"
	"github.com/vigil-sec/vigil/internal/testutil"
)

// fixture is a result with one finding of each kind, plus a suppressed one.
func fixture() *scan.Result {
	r := &scan.Result{
		SchemaVersion: scan.SchemaVersion,
		Tool:          scan.Tool{Name: "vigil", Version: "test"},
		CreatedAt:     time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC),
		Target:        scan.Target{Kind: "dir", Name: "app"},
		Scanners:      []string{"vuln", "misconfig", "secret"},
		Database:      &scan.DBInfo{Dir: "/db", Source: "http://127.0.0.1/osv", UpdatedAt: time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC), AgeDays: 31, Stale: true},
		Packages: []inventory.Package{{Name: "demo-merge", Version: "1.0.0", Ecosystem: "npm", PURL: "pkg:npm/demo-merge@1.0.0",
			Locations: []inventory.Location{{Path: "web/package-lock.json", Line: 12}}, Relationship: inventory.RelDirect, Extractor: "npm/packagelock"}},
		Vulnerabilities: []scan.Vulnerability{{
			ID: "VGL-TEST-0001", Aliases: []string{"CVE-2099-0001", "GHSA-aaaa-bbbb-cccc"},
			Package:   scan.PackageRef{Name: "demo-merge", Version: "1.0.0", Ecosystem: "npm", PURL: "pkg:npm/demo-merge@1.0.0"},
			Locations: []scan.Location{{Path: "web/package-lock.json", Line: 12}},
			Severity:  severity.Critical, SeveritySource: "cvss_v3",
			CVSS:    &scan.CVSS{Version: "3.1", Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", Score: 9.8},
			Summary: "Prototype pollution | in <merge>", FixedVersion: "1.2.3",
			Published: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), References: []string{"https://example.com/VGL-TEST-0001"},
		}, {
			ID: "VGL-TEST-0003", Aliases: []string{}, Package: scan.PackageRef{Name: "demo-parse", Version: "3.0.0", Ecosystem: "npm"},
			Locations: []scan.Location{{Path: "web/package-lock.json", Line: 30}}, Severity: severity.Low, Summary: "ReDoS",
			Suppressed: &scan.Suppression{Kind: "config", Reason: "not reachable", Expires: "2026-12-31"},
		}},
		Misconfigurations: []scan.Misconfiguration{{
			CheckID: "VGL-K8S-001", Title: "Container runs privileged", Description: "Privileged containers can do anything the host can.",
			Severity: severity.High, Message: "Container 'web' of Deployment 'web' runs privileged", Resource: "Deployment/default/web",
			Location: scan.Location{Path: "deploy/web.yaml", Line: 21}, Remediation: "Set privileged to false.",
			References: []string{"https://kubernetes.io/docs/concepts/security/pod-security-standards/"}, Controls: map[string]string{"pss": "baseline"},
		}},
		Secrets: []scan.Secret{{
			RuleID: "aws-access-key-id", Title: "AWS access key ID", Severity: severity.High,
			Location: scan.Location{Path: "config/dev.env", Line: 3, Column: 19}, EndColumn: 39,
			Match: "AKIA…", Fingerprint: "sha256:0123456789abcdef",
		}},
		Issues:   []inventory.Issue{{Path: "api/poetry.lock", Line: 7, Extractor: "pypi/poetrylock", Message: "expected '='"}},
		Warnings: []string{"the vulnerability database is 31 days old: run 'vigil db update'"},
	}
	r.Summarise()
	return r
}

func render(t *testing.T, format string, opts Options) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, format, fixture(), opts); err != nil {
		t.Fatalf("Write(%s): %v", format, err)
	}
	return buf.Bytes()
}

func TestGolden(t *testing.T) {
	for _, format := range []string{"table", "json", "sarif", "junit", "markdown"} {
		t.Run(format, func(t *testing.T) {
			testutil.Golden(t, "testdata/report."+format+".golden", render(t, format, Options{}))
		})
	}
}

func TestJSONValidatesAgainstSchema(t *testing.T) {
	testutil.Validate(t, testutil.SchemaVigil, render(t, "json", Options{}))
}

func TestSARIFValidatesAgainstSchema(t *testing.T) {
	testutil.Validate(t, testutil.SchemaSARIF210, render(t, "sarif", Options{}))
}

func TestJUnitIsWellFormed(t *testing.T) {
	var doc junitSuites
	if err := xml.Unmarshal(render(t, "junit", Options{}), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Tests != 4 || doc.Failures != 3 {
		t.Errorf("tests=%d failures=%d, want 4 and 3 (one suppressed finding is skipped)", doc.Tests, doc.Failures)
	}
}

func TestTableHidesSuppressedAndFilters(t *testing.T) {
	out := string(render(t, "table", Options{}))
	if strings.Contains(out, "VGL-TEST-0003") {
		t.Error("suppressed finding shown in the table by default")
	}
	if !strings.Contains(out, "VGL-TEST-0001 (+2)") || !strings.Contains(out, "1.0.0 -> 1.2.3") {
		t.Errorf("table lacks the vulnerability row:\n%s", out)
	}
	out = string(render(t, "table", Options{ShowSuppressed: true}))
	if !strings.Contains(out, "suppressed (config): not reachable") {
		t.Errorf("--show-suppressed does not show the reason:\n%s", out)
	}
	out = string(render(t, "table", Options{MinSeverity: severity.Critical}))
	if strings.Contains(out, "VGL-K8S-001") {
		t.Error("HIGH finding shown with MinSeverity critical")
	}
	if strings.Contains(out, "\x1b[") {
		t.Error("colour codes without Color")
	}
	if out := string(render(t, "table", Options{Color: true})); !strings.Contains(out, "\x1b[1;31mCRITICAL") {
		t.Error("no colour with Color")
	}
}

func TestTemplate(t *testing.T) {
	out := render(t, "template", Options{Template: `{{range .Vulnerabilities}}{{.ID}} {{.Package.Name}}{{"\n"}}{{end}}`})
	if got, want := string(out), "VGL-TEST-0001 demo-merge\nVGL-TEST-0003 demo-parse\n"; got != want {
		t.Errorf("template output = %q, want %q", got, want)
	}
	var buf bytes.Buffer
	if err := Write(&buf, "template", fixture(), Options{}); err == nil {
		t.Error("template without text did not fail")
	}
}

func TestUnknownFormat(t *testing.T) {
	var buf bytes.Buffer
	err := Write(&buf, "yaml", fixture(), Options{})
	if err == nil || !strings.Contains(err.Error(), "unknown format") {
		t.Errorf("err = %v, want unknown format", err)
	}
}

// exploitFixture enriches the fixture: VGL-TEST-0001 is KEV-listed and
// scored, and a third vulnerability has a higher EPSS score but no KEV
// entry.
func exploitFixture() *scan.Result {
	r := fixture()
	r.Exploitation = &scan.Exploitation{KEVCatalogVersion: "2026.11.30", KEVEntries: 3, EPSSScoreDate: "2026-12-01", EPSSScores: 4}
	r.Vulnerabilities[0].KEV = &scan.KEV{CVE: "CVE-2099-0001", DateAdded: "2026-10-01", DueDate: "2026-10-22", KnownRansomwareCampaignUse: "Known"}
	r.Vulnerabilities[0].EPSS = &scan.EPSS{CVE: "CVE-2099-0001", Score: 0.2, Percentile: 0.9}
	r.Vulnerabilities = append(r.Vulnerabilities,
		scan.Vulnerability{ID: "VGL-TEST-0009", Aliases: []string{"CVE-2099-0004"}, Package: scan.PackageRef{Name: "a-lib", Version: "1", Ecosystem: "npm"},
			Locations: []scan.Location{{Path: "api/package-lock.json"}}, Severity: severity.Low, Summary: "likely exploited",
			EPSS: &scan.EPSS{CVE: "CVE-2099-0004", Score: 0.61, Percentile: 0.98}},
		scan.Vulnerability{ID: "VGL-TEST-0010", Aliases: []string{}, Package: scan.PackageRef{Name: "b-lib", Version: "1", Ecosystem: "npm"},
			Locations: []scan.Location{{Path: "api/package-lock.json"}}, Severity: severity.High, Summary: "not scored"})
	r.Summarise()
	return r
}

func TestExploitJSONValidatesAgainstSchema(t *testing.T) {
	var buf bytes.Buffer
	if err := Write(&buf, "json", exploitFixture(), Options{}); err != nil {
		t.Fatal(err)
	}
	testutil.Validate(t, testutil.SchemaVigil, buf.Bytes())
	for _, want := range []string{`"date_added": "2026-10-01"`, `"known_ransomware_campaign_use": "Known"`, `"score": 0.61`, `"kev_catalog_version": "2026.11.30"`} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("JSON lacks %s", want)
		}
	}
}

func TestTableSortExploitability(t *testing.T) {
	var buf bytes.Buffer
	if err := Write(&buf, "table", exploitFixture(), Options{Sort: SortExploitability}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	// KEV first (even with a lower EPSS score), then EPSS desc, then the
	// unscored HIGH; the suppressed LOW stays hidden.
	order := []string{"VGL-TEST-0001", "VGL-TEST-0009", "VGL-TEST-0010"}
	last := -1
	for _, id := range order {
		i := strings.Index(out, id)
		if i < 0 || i < last {
			t.Fatalf("want %v in this order:\n%s", order, out)
		}
		last = i
	}
	for _, want := range []string{"EXPLOIT", "KEV 2026-10-01 ransomware, EPSS 0.200", "EPSS 0.610", "most exploitable first"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "VGL-TEST-0003") {
		t.Errorf("suppressed finding shown:\n%s", out)
	}
	// Without the sort, the rows stay grouped by file, severity first.
	buf.Reset()
	if err := Write(&buf, "table", exploitFixture(), Options{}); err != nil {
		t.Fatal(err)
	}
	if d := buf.String(); strings.Index(d, "VGL-TEST-0010") > strings.Index(d, "VGL-TEST-0009") {
		t.Errorf("default order changed:\n%s", d)
	}
}
