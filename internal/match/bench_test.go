package match

import (
	"fmt"
	"testing"

	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/vulndb/osv"
)

// benchFixture builds n packages over a few ecosystems and about 500
// advisories for a quarter of them, each with two or three ranges,
// aliases and a CVSS vector. It is deterministic.
func benchFixture(n int) ([]inventory.Package, []*osv.Vulnerability) {
	ecos := []struct{ eco, ver, intro, fixed string }{
		{"npm", "1.%d.3", "1.%d.0", "1.%d.5"},
		{"PyPI", "2.%d.1", "2.%d.0", "2.%d.2"},
		{"Go", "v0.%d.1", "0.%d.0", "0.%d.2"},
		{"Debian:12", "1:2.%d-1+deb12u1", "0", "1:2.%d-1+deb12u2"},
		{"Maven", "3.%d.0", "3.%d.0-alpha1", "3.%d.1"},
		{"RubyGems", "5.%d.0", "5.%d.0.a", "5.%d.0.1"},
	}
	var pkgs []inventory.Package
	var vulns []*osv.Vulnerability
	for i := range n {
		e := ecos[i%len(ecos)]
		name := fmt.Sprintf("pkg-%d", i)
		pkgs = append(pkgs, inventory.Package{Ecosystem: e.eco, Name: name, Version: fmt.Sprintf(e.ver, i%50), Locations: []inventory.Location{{Path: "lock"}}})
		if i%13 != 0 && i%3 != 0 || len(vulns) >= 500 {
			continue
		}
		for k := range 2 {
			intro := e.intro
			if intro != "0" {
				intro = fmt.Sprintf(intro, i%50)
			}
			// osv.dev expands ranges into versions lists; real lists hold
			// tens to hundreds of versions.
			listed := make([]string, 0, 100)
			for m := range 100 {
				listed = append(listed, fmt.Sprintf(e.ver, 100+m))
			}
			vulns = append(vulns, &osv.Vulnerability{
				ID:       fmt.Sprintf("TEST-%d-%d", i, k),
				Aliases:  []string{fmt.Sprintf("CVE-2024-%d", i)},
				Severity: []osv.Severity{{Type: osv.SeverityCVSSv3, Score: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N"}},
				Affected: []osv.Affected{{
					Package:  osv.Package{Ecosystem: e.eco, Name: name},
					Versions: listed,
					Ranges: []osv.Range{
						{Type: osv.RangeEcosystem, Events: []osv.Event{{Introduced: "0"}, {Fixed: "0.0.1"}}},
						{Type: osv.RangeEcosystem, Events: []osv.Event{{Introduced: intro}, {Fixed: fmt.Sprintf(e.fixed, i%50)}}},
					},
				}},
			})
		}
	}
	return pkgs, vulns
}

func BenchmarkFind(b *testing.B) {
	for _, n := range []int{100, 1600} {
		pkgs, vulns := benchFixture(n)
		b.Run(fmt.Sprintf("packages=%d/advisories=%d", n, len(vulns)), func(b *testing.B) {
			src := newFakeSource(b, vulns)
			b.ReportAllocs()
			var found int
			for b.Loop() {
				fs, err := Find(b.Context(), pkgs, src)
				if err != nil {
					b.Fatal(err)
				}
				found = len(fs)
			}
			b.ReportMetric(float64(found), "findings")
		})
	}
}
