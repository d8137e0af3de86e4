package vex

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/vigil-sec/vigil/internal/scan"
	"github.com/vigil-sec/vigil/internal/testutil"
)

func TestJustify(t *testing.T) {
	tests := []struct {
		reason string
		want   Justification
		ok     bool
	}{
		{"vulnerable_code_not_in_execute_path", Justification{"vulnerable_code_not_in_execute_path", "code_not_reachable"}, true},
		{"vex: not_affected: vulnerable_code_not_present (impact)", Justification{"vulnerable_code_not_present", "code_not_present"}, true},
		{"Component not present in the image", Justification{"component_not_present", "code_not_present"}, true},
		{"code-not-reachable", Justification{"vulnerable_code_not_in_execute_path", "code_not_reachable"}, true},
		{"protected_by_compiler: -fstack-protector", Justification{"inline_mitigations_already_exist", "protected_by_compiler"}, true},
		{"requires_configuration we never set", Justification{"vulnerable_code_cannot_be_controlled_by_adversary", "requires_configuration"}, true},
		{"requires_dependency", Justification{"component_not_present", "requires_dependency"}, true},
		{"the parser is never called with user input", Justification{"vulnerable_code_not_in_execute_path", "code_not_reachable"}, true},
		{"Not reachable from main", Justification{"vulnerable_code_not_in_execute_path", "code_not_reachable"}, true},
		{"mitigated by the WAF", Justification{"inline_mitigations_already_exist", "protected_by_mitigating_control"}, true},
		{"feature not used", Justification{"vulnerable_code_not_present", "code_not_present"}, true},
		{"not exploitable here", Justification{"vulnerable_code_cannot_be_controlled_by_adversary", "requires_environment"}, true},
		{"upgrade planned in PLAT-1234", Justification{}, false},
		{"reachable, accepted for now", Justification{}, false},
	}
	for _, tt := range tests {
		got, ok := Justify(tt.reason)
		if ok != tt.ok || got != tt.want {
			t.Errorf("Justify(%q) = %+v, %v; want %+v, %v", tt.reason, got, ok, tt.want, tt.ok)
		}
	}
}

func decisions() []Decision {
	at := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	img := &Image{Name: "registry.local/shop/api:1.4", Digest: "sha256:ab120000000000000000000000000000000000000000000000000000000000ab"}
	return []Decision{
		{VulnID: "GHSA-aaaa", Aliases: []string{"CVE-2099-0001"}, PURL: "pkg:npm/lodash@4.17.15", Name: "lodash", Version: "4.17.15", State: "false_positive", Reason: "vulnerable_code_not_in_execute_path: template() is never used", At: at},
		{VulnID: "GHSA-bbbb", PURL: "pkg:npm/minimist@1.2.0", Name: "minimist", Version: "1.2.0", State: "accepted", Reason: "not reachable from the CLI", At: at, Until: at.AddDate(0, 3, 0)},
		{VulnID: "GHSA-cccc", PURL: "pkg:golang/golang.org/x/net@v0.1.0", Name: "golang.org/x/net", Version: "v0.1.0", Image: img, State: "fixed", Reason: "patched in our fork", At: at},
		{VulnID: "GHSA-dddd", PURL: "pkg:npm/qs@6.0.0", Name: "qs", Version: "6.0.0", State: "false_positive", Reason: "the scanner got the version wrong", At: at},
		{VulnID: "GHSA-eeee", PURL: "pkg:npm/ms@0.7.0", Name: "ms", Version: "0.7.0", State: "accepted", Reason: "upgrade planned", At: at},
		{VulnID: "GHSA-ffff", Name: "libfoo", Version: "1", State: "fixed", Reason: "fixed", At: at},
	}
}

// TestExportRoundTrip: both formats validate against their schemas, and
// reading them back suppresses exactly the exported decisions.
func TestExportRoundTrip(t *testing.T) {
	o := ExportOptions{Author: "test", Timestamp: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), ToolVersion: "1.0"}
	for _, tt := range []struct{ format, schema string }{{FormatOpenVEX, testutil.SchemaOpenVEX}, {FormatCycloneDX, testutil.SchemaCycloneDX16}} {
		t.Run(tt.format, func(t *testing.T) {
			doc, skipped, err := Export(decisions(), tt.format, o)
			if err != nil {
				t.Fatal(err)
			}
			testutil.Validate(t, tt.schema, doc)
			if len(skipped) != 2 {
				t.Errorf("skipped %q, want the acceptance without a justification and the package without a purl", skipped)
			}
			again, _, _ := Export(decisions(), tt.format, o)
			if string(again) != string(doc) {
				t.Error("the same decisions exported twice differ")
			}
			if !strings.Contains(string(doc), "not reachable from the CLI (accepted until 2027-02-02)") {
				t.Error("the acceptance's expiry is not in the statement")
			}
			stmts, err := Parse(doc, "export.json")
			if err != nil {
				t.Fatal(err)
			}
			r := &scan.Result{}
			for _, d := range decisions() {
				r.Vulnerabilities = append(r.Vulnerabilities, scan.Vulnerability{ID: d.VulnID, Aliases: d.Aliases, Package: scan.PackageRef{Name: d.Name, Version: d.Version, PURL: d.PURL}})
			}
			// And another version of a decided package, never decided.
			r.Vulnerabilities = append(r.Vulnerabilities, scan.Vulnerability{ID: "GHSA-aaaa", Package: scan.PackageRef{Name: "lodash", Version: "4.17.21", PURL: "pkg:npm/lodash@4.17.21"}})
			Apply(r, stmts)
			var got []string
			for _, v := range r.Vulnerabilities {
				if v.Suppressed != nil {
					got = append(got, v.ID+" "+v.Package.PURL)
				}
			}
			slices.Sort(got)
			want := []string{"GHSA-aaaa pkg:npm/lodash@4.17.15", "GHSA-bbbb pkg:npm/minimist@1.2.0", "GHSA-cccc pkg:golang/golang.org/x/net@v0.1.0", "GHSA-dddd pkg:npm/qs@6.0.0"}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("suppressed by the exported VEX (-want +got):\n%s", diff)
			}
		})
	}
}

func TestImagePURL(t *testing.T) {
	for in, want := range map[Image]string{
		{Name: "registry.local/shop/api:1.4", Digest: "sha256:abc"}: "pkg:oci/api@sha256%3Aabc",
		{Name: "Alpine@sha256:abc", Digest: "sha256:abc"}:           "pkg:oci/alpine@sha256%3Aabc",
		{Name: "", Digest: "sha256:abc"}:                            "pkg:oci/image@sha256%3Aabc",
	} {
		if got := ImagePURL(in); got != want {
			t.Errorf("ImagePURL(%+v) = %q, want %q", in, got, want)
		}
	}
}
