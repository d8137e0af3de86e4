package match

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/severity"
	"github.com/vigil-sec/vigil/internal/vulndb/osv"
)

// fakeSource serves records from memory, indexed by (ecosystem, name) of
// every affected entry with NormalizeName, and counts queries.
type fakeSource struct {
	byKey   map[[2]string][]*osv.Vulnerability
	queries map[[2]string]int
	err     error
}

func newFakeSource(t testing.TB, vulns []*osv.Vulnerability) *fakeSource {
	t.Helper()
	s := &fakeSource{byKey: map[[2]string][]*osv.Vulnerability{}, queries: map[[2]string]int{}}
	for _, v := range vulns {
		seen := map[[2]string]bool{}
		for _, a := range v.Affected {
			k := [2]string{a.Package.Ecosystem, NormalizeName(a.Package.Ecosystem, a.Package.Name)}
			if !seen[k] {
				seen[k] = true
				s.byKey[k] = append(s.byKey[k], v)
			}
		}
	}
	return s
}

func (s *fakeSource) Query(_ context.Context, eco, name string) ([]*osv.Vulnerability, error) {
	k := [2]string{eco, name}
	s.queries[k]++
	if s.err != nil {
		return nil, s.err
	}
	return s.byKey[k], nil
}

func loadFixture(t testing.TB) []*osv.Vulnerability {
	t.Helper()
	b, err := os.ReadFile("testdata/advisories.json")
	if err != nil {
		t.Fatal(err)
	}
	var vulns []*osv.Vulnerability
	if err := json.Unmarshal(b, &vulns); err != nil {
		t.Fatalf("decode testdata/advisories.json: %v", err)
	}
	return vulns
}

// brief is the part of a finding most tests check.
type brief struct {
	ID       string
	Aliases  []string
	Severity severity.Level
	Source   string
	Fixed    string
}

func briefs(fs []Finding) []brief {
	var out []brief
	for _, f := range fs {
		out = append(out, brief{f.ID, f.Aliases, f.Severity, f.SeveritySource, f.FixedVersion})
	}
	return out
}

func pkg(eco, name, ver string) inventory.Package {
	return inventory.Package{Ecosystem: eco, Name: name, Version: ver, Locations: []inventory.Location{{Path: "lock"}}}
}

func TestFind(t *testing.T) {
	vulns := loadFixture(t)
	debSrc := pkg("Debian:11", "libssl1.1", "1.1.1n-0+deb11u3")
	debSrc.SourceName = "openssl"

	tests := []struct {
		name string
		pkg  inventory.Package
		want []brief
	}{
		{"semver fixed, affected", pkg("npm", "lodash", "4.17.20"),
			[]brief{{ID: "GHSA-semv-0001", Severity: severity.High, Source: SourceCVSSv3, Fixed: "4.17.21"}}},
		{"semver fixed version itself is not affected; withdrawn ignored", pkg("npm", "lodash", "4.17.21"), nil},
		{"last_affected is inclusive", pkg("npm", "la", "1.2.3"), []brief{{ID: "TEST-LAST-AFFECTED"}}},
		{"above last_affected", pkg("npm", "la", "1.2.4"), nil},
		{"below fixed", pkg("npm", "fx", "1.2.2"), []brief{{ID: "TEST-FIXED", Fixed: "1.2.3"}}},
		{"fixed is exclusive", pkg("npm", "fx", "1.2.3"), nil},
		{"below limit", pkg("npm", "lim", "1.5.0"), []brief{{ID: "TEST-LIMIT"}}},
		{"at limit", pkg("npm", "lim", "2.0.0"), nil},
		{"below introduced with limit", pkg("npm", "lim", "0.9.0"), nil},
		{"limit star is infinity", pkg("npm", "limstar", "99.0.0"), []brief{{ID: "TEST-LIMIT-STAR"}}},
		{"first of multiple ranges", pkg("npm", "multi", "1.1.0"), []brief{{ID: "TEST-MULTI", Fixed: "1.2.0"}}},
		{"between ranges", pkg("npm", "multi", "1.5.0"), nil},
		{"second range", pkg("npm", "multi", "2.1.0"), []brief{{ID: "TEST-MULTI", Fixed: "2.3.0"}}},
		{"second pair in one range", pkg("npm", "multi", "3.0.1"), []brief{{ID: "TEST-MULTI", Fixed: "3.0.5"}}},
		{"versions list, equal under PEP 440", pkg("PyPI", "listed", "1.1.0"), []brief{{ID: "PYSEC-VERS-1"}}},
		{"versions list, not listed", pkg("PyPI", "listed", "1.2"), nil},
		{"alias group across 3 records, lowest fix, max severity", pkg("PyPI", "grp", "1.9.5"),
			// Equal rank (neither has upstream ids, both are ecosystem
			// databases): the lower id is primary.
			[]brief{{ID: "OSV-2021-9", Aliases: []string{"CVE-2021-1111", "GHSA-grp0-0001", "PYSEC-2021-1"},
				Severity: severity.Critical, Source: SourceDatabase, Fixed: "2.0.0"}}},
		{"alias group and a separate issue", pkg("PyPI", "grp", "1.5"),
			[]brief{
				{ID: "OSV-2021-9", Aliases: []string{"CVE-2021-1111", "GHSA-grp0-0001", "PYSEC-2021-1"},
					Severity: severity.Critical, Source: SourceDatabase, Fixed: "2.0.0"},
				{ID: "PYSEC-2022-2", Aliases: []string{"CVE-2022-2222"}, Fixed: "1.9.1"},
			}},
		{"ecosystem suffix and upstream grouping; source package", debSrc,
			[]brief{{ID: "DLA-2000-1", Aliases: []string{"CVE-2020-1000", "CVE-2020-2000", "DSA-1000-1"}, Fixed: "1.1.1n-0+deb11u4"}}},
		{"suffix-less package does not match suffixed entries", pkg("Debian", "openssl", "1.0"),
			[]brief{{ID: "DSA-3000-1", Aliases: []string{"CVE-2020-3000"}}}},
		{"other release", pkg("Debian:12", "openssl", "1.0"), nil},
		{"PEP 503 name", pkg("PyPI", "Django_REST.framework", "2.0"), []brief{{ID: "PYSEC-NORM-1", Fixed: "3.0"}}},
		{"Go v prefix", pkg("Go", "example.test/mod", "v1.2.3"), []brief{{ID: "GO-2024-0001", Fixed: "1.2.4"}}},
		{"Debian epoch", pkg("Debian:12", "epoch", "1:2.0-1"),
			[]brief{{ID: "DSA-4000-1", Aliases: []string{"CVE-2020-4000"}, Fixed: "1:2.0-2"}}},
		{"unsorted events", pkg("npm", "unsorted", "1.2.0"), []brief{{ID: "TEST-UNSORTED", Fixed: "1.5.0"}}},
		{"unsorted events, below", pkg("npm", "unsorted", "0.9.0"), nil},
		{"before re-introduction", pkg("npm", "reintro", "0.5.0"), []brief{{ID: "TEST-REINTRODUCED", Fixed: "1.0.0"}}},
		{"between fix and re-introduction", pkg("npm", "reintro", "1.5.0"), nil},
		{"re-introduced, no fix", pkg("npm", "reintro", "2.5.0"), []brief{{ID: "TEST-REINTRODUCED"}}},
		{"GIT range ignored", pkg("npm", "gitonly", "1.0.0"), nil},
		{"GIT range with versions list", pkg("npm", "gitlisted", "1.0.0"), []brief{{ID: "OSV-GIT-2"}}},
		{"RubyGems numeric score", pkg("RubyGems", "rack", "2.2.3"),
			[]brief{{ID: "x_RUBYSEC-CVE-2020-5000", Aliases: []string{"CVE-2020-5000"}, Severity: severity.Critical, Source: SourceDatabaseScore, Fixed: "2.2.3.1"}}},
		{"Ubuntu priority", pkg("Ubuntu:22.04:LTS", "curl", "7.81.0-1ubuntu1.9"),
			[]brief{{ID: "USN-6000-1", Aliases: []string{"CVE-2023-6000"}, Severity: severity.Medium, Source: SourceUbuntu, Fixed: "7.81.0-1ubuntu1.10"}}},
		{"highest of v3, v4 and rating", pkg("npm", "both", "1.0.0"),
			[]brief{{ID: "GHSA-v4v3-0001", Severity: severity.Critical, Source: SourceCVSSv3, Fixed: "2.0.0"}}},
		{"unparsable range skipped, other range used", pkg("Debian:12", "badevent", "2.1"), []brief{{ID: "TEST-BADEVENT", Fixed: "2.5"}}},
		{"unparsable range skipped", pkg("Debian:12", "badevent", "1.0"), nil},
		{"unknown ecosystem", pkg("Nope", "lodash", "1.0"), nil},
		{"introduced and fixed at one version: empty; with last_affected: that version", pkg("npm", "tie", "1.0.0"),
			[]brief{{ID: "TEST-TIE-LAST"}}},
		{"below one of several limits", pkg("npm", "limits", "2.5.0"), []brief{{ID: "TEST-LIMITS"}}},
		{"at or above every limit", pkg("npm", "limits", "3.0.0"), nil},
		{"SEMVER range in a PyPI record compares as SemVer", pkg("PyPI", "semverpy", "1.0.0"), []brief{{ID: "PYSEC-SEMVER-1", Fixed: "1.0.1"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Find(t.Context(), []inventory.Package{tt.pkg}, newFakeSource(t, vulns))
			if err != nil {
				t.Fatalf("Find: %v", err)
			}
			if diff := cmp.Diff(tt.want, briefs(got)); diff != "" {
				t.Errorf("Find(%s %s %s) mismatch (-want +got):\n%s", tt.pkg.Ecosystem, tt.pkg.Name, tt.pkg.Version, diff)
			}
		})
	}
}

func TestFindFull(t *testing.T) {
	vulns := loadFixture(t)
	p := pkg("PyPI", "grp", "1.9.5")
	got, err := Find(t.Context(), []inventory.Package{p}, newFakeSource(t, vulns))
	if err != nil {
		t.Fatal(err)
	}
	want := []Finding{{
		ID:             "OSV-2021-9",
		Aliases:        []string{"CVE-2021-1111", "GHSA-grp0-0001", "PYSEC-2021-1"},
		Package:        p,
		Severity:       severity.Critical,
		SeveritySource: SourceDatabase,
		CVSS:           &severity.CVSS{Version: "3.1", Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", Score: 7.5},
		// OSV-2021-9 and PYSEC-2021-1 have no summary; GHSA's is used
		// (records are visited primary first, then by rank and id).
		Summary:      "grp smuggles requests",
		FixedVersion: "2.0.0",
		Published:    time.Date(2021, 4, 1, 0, 0, 0, 0, time.UTC),
		Modified:     time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC),
		References:   []string{"https://example.test/a", "https://example.test/b"},
	}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Find mismatch (-want +got):\n%s", diff)
	}

	// Summary falls back to the first line of details.
	got, err = Find(t.Context(), []inventory.Package{pkg("npm", "la", "1.0.0")}, newFakeSource(t, vulns))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Summary != "last_affected is inclusive." {
		t.Errorf("summary from details: got %+v", got)
	}
}

func TestFindOrderQueriesAndDedup(t *testing.T) {
	vulns := loadFixture(t)
	src := newFakeSource(t, vulns)
	a := pkg("npm", "lodash", "4.17.20")
	b := pkg("npm", "lodash", "4.17.20")
	b.Locations = []inventory.Location{{Path: "other/lock"}}
	c := pkg("npm", "lodash", "4.17.19")
	pkgs := []inventory.Package{
		pkg("npm", "fx", "1.0.0"), a, pkg("npm", "both", "1.0.0"), b, c, pkg("npm", "unsorted", "1.0.0"),
	}
	got, err := Find(t.Context(), pkgs, src)
	if err != nil {
		t.Fatal(err)
	}
	type row struct{ ID, Name, Version string }
	var rows []row
	for _, f := range got {
		rows = append(rows, row{f.ID, f.Package.Name, f.Package.Version})
	}
	want := []row{
		{"GHSA-v4v3-0001", "both", "1.0.0"},
		{"GHSA-semv-0001", "lodash", "4.17.19"},
		{"GHSA-semv-0001", "lodash", "4.17.20"},
		{"TEST-FIXED", "fx", "1.0.0"},
		{"TEST-UNSORTED", "unsorted", "1.0.0"},
	}
	if diff := cmp.Diff(want, rows); diff != "" {
		t.Errorf("order mismatch (-want +got):\n%s", diff)
	}
	if n := src.queries[[2]string{"npm", "lodash"}]; n != 1 {
		t.Errorf("lodash queried %d times, want 1", n)
	}
	wantLocs := []inventory.Location{{Path: "lock"}, {Path: "other/lock"}}
	if diff := cmp.Diff(wantLocs, got[2].Package.Locations); diff != "" {
		t.Errorf("merged locations mismatch (-want +got):\n%s", diff)
	}
}

func TestFindErrors(t *testing.T) {
	src := newFakeSource(t, nil)
	src.err = errors.New("db closed")
	_, err := Find(t.Context(), []inventory.Package{pkg("npm", "x", "1.0.0")}, src)
	if !errors.Is(err, src.err) {
		t.Errorf("Find error = %v, want wrapping %v", err, src.err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := Find(ctx, []inventory.Package{pkg("npm", "x", "1.0.0")}, newFakeSource(t, nil)); !errors.Is(err, context.Canceled) {
		t.Errorf("Find with cancelled ctx error = %v, want context.Canceled", err)
	}
}

func TestNormalizeName(t *testing.T) {
	tests := []struct{ eco, in, want string }{
		{"PyPI", "Django_REST.framework", "django-rest-framework"},
		{"PyPI", "a--b__c..d", "a-b-c-d"},
		{"PyPI", "-x-", "-x-"},
		{"PyPI", "friendly-bard", "friendly-bard"},
		{"npm", "Foo_Bar", "Foo_Bar"},
		{"Go", "github.com/A/b", "github.com/A/b"},
	}
	for _, tt := range tests {
		if got := NormalizeName(tt.eco, tt.in); got != tt.want {
			t.Errorf("NormalizeName(%q, %q) = %q, want %q", tt.eco, tt.in, got, tt.want)
		}
	}
}
