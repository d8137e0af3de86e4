package scan

import (
	"context"
	"strings"
	"testing"

	"github.com/vigil-sec/vigil/internal/vulndb/osv"
)

type fakeSource map[string][]*osv.Vulnerability

func (f fakeSource) Query(_ context.Context, eco, name string) ([]*osv.Vulnerability, error) {
	return f[eco+"/"+name], nil
}

func TestCoverageWarnsAboutMissingRelease(t *testing.T) {
	rec := func(eco string) *osv.Vulnerability {
		return &osv.Vulnerability{ID: "X", Affected: []osv.Affected{{Package: osv.Package{Ecosystem: eco, Name: "openssl"}}}}
	}
	src := fakeSource{
		// Only a Debian 11 advisory (a bare-archive query may return it).
		"Debian:12/openssl": {rec("Debian:11")},
		"Alpine:v3.11/musl": {rec("Alpine:v3.11")},
	}
	c := newCoverage(src)
	for _, q := range [][2]string{{"Debian:12", "openssl"}, {"Debian:12", "bash"}, {"Alpine:v3.11", "musl"}, {"npm", "x"}} {
		if _, err := c.Query(t.Context(), q[0], q[1]); err != nil {
			t.Fatal(err)
		}
	}
	got := c.warnings(map[string]int{"Debian:12": 88, "Alpine:v3.11": 15, "npm": 40})
	if len(got) != 1 || !strings.Contains(got[0], "no advisories for Debian:12") {
		t.Errorf("warnings = %q, want one for Debian:12 only", got)
	}
	// A handful of packages is no evidence either way.
	if got := c.warnings(map[string]int{"Debian:12": 3}); len(got) != 0 {
		t.Errorf("warnings for 3 packages = %q, want none", got)
	}
}
