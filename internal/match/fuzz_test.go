package match

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/vulndb/osv"
)

var fuzzEcosystems = []string{"npm", "Go", "PyPI", "RubyGems", "Maven", "Packagist", "Debian:12", "Alpine:v3.20", "Red Hat", "NuGet", "crates.io"}

// FuzzEvaluate evaluates one range of arbitrary events against an
// arbitrary installed version in every scheme: it must not panic, and a
// version reported affected with a fix must be below that fix.
func FuzzEvaluate(f *testing.F) {
	f.Add(uint8(0), "1.2.0", "0", "1.5.0", "", "", "1.2.0")
	f.Add(uint8(2), "1.0a1", "1.0.dev0", "", "1.0", "", "")
	f.Add(uint8(6), "1:2.0-1", "0", "1:2.0-2", "", "*", "")
	f.Add(uint8(7), "1.0_rc1-r0", "1.0_alpha", "1.0-r1", "", "2.0", "")
	f.Add(uint8(8), "1.0~rc1^git1", "0", "1.0", "", "", "1.0~rc1")
	f.Fuzz(func(t *testing.T, eco uint8, inst, intro, fixed, lastAffected, limit, listed string) {
		e := fuzzEcosystems[int(eco)%len(fuzzEcosystems)]
		a := &osv.Affected{
			Package: osv.Package{Ecosystem: e, Name: "p"},
			Ranges: []osv.Range{
				{Type: osv.RangeEcosystem, Events: []osv.Event{{Fixed: fixed}, {Introduced: intro}, {LastAffected: lastAffected}, {Limit: limit}}},
				{Type: osv.RangeSemver, Events: []osv.Event{{Introduced: intro}, {Fixed: fixed}}},
			},
			Versions: []string{listed},
		}
		in := newInstalled(e, inst)
		vd := evaluate(nil, in, a)
		if !vd.affected && len(vd.fixes) > 0 {
			t.Errorf("unaffected but fixes %v", vd.fixes)
		}
	})
}

// FuzzFind runs Find over arbitrary OSV JSON: it must not panic.
func FuzzFind(f *testing.F) {
	if b, err := os.ReadFile("testdata/advisories.json"); err == nil {
		f.Add(b)
	}
	f.Add([]byte(`[{"id":"X","affected":[{"package":{"ecosystem":"npm","name":"p"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"}]}]}]}]`))
	pkgs := []inventory.Package{
		{Ecosystem: "npm", Name: "p", Version: "1.0.0"},
		{Ecosystem: "npm", Name: "lodash", Version: "4.17.20"},
		{Ecosystem: "PyPI", Name: "grp", Version: "1.9"},
		{Ecosystem: "Debian:11", Name: "openssl", Version: "1.1.1n-0+deb11u3"},
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var vulns []*osv.Vulnerability
		if json.Unmarshal(data, &vulns) != nil {
			return
		}
		if _, err := Find(t.Context(), pkgs, newFakeSource(t, vulns)); err != nil {
			t.Fatalf("Find: %v", err)
		}
	})
}
