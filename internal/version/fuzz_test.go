package version

import (
	"testing"

	"github.com/google/osv-scalibr/semantic"
	modsemver "golang.org/x/mod/semver"
)

// FuzzCompare checks, for every scheme, that parsing and comparing never
// panic and that comparison is reflexive and antisymmetric.
func FuzzCompare(f *testing.F) {
	for _, tt := range conformanceTables {
		for _, chain := range tt.chains {
			for i := 1; i < len(chain); i++ {
				f.Add(chain[i-1], chain[i])
			}
		}
	}
	f.Add("1.0.0-a.-1", "1.0.0-a.1")
	f.Add("1:", "~")
	f.Fuzz(func(t *testing.T, a, b string) {
		for _, s := range Schemes() {
			va, err := s.Parse(a)
			if err != nil {
				continue
			}
			if c, err := va.Compare(a); err != nil || c != 0 {
				t.Errorf("%s: Compare(%q, itself) = %d, %v", s.Name(), a, c, err)
			}
			vb, err := s.Parse(b)
			if err != nil {
				continue
			}
			ab, err1 := va.Compare(b)
			ba, err2 := vb.Compare(a)
			if err1 != nil || err2 != nil {
				t.Fatalf("%s: compare %q %q: %v %v", s.Name(), a, b, err1, err2)
			}
			if ab != -ba {
				t.Errorf("%s: Compare(%q, %q) = %d but Compare(%q, %q) = %d", s.Name(), a, b, ab, b, a, ba)
			}
		}
	})
}

// FuzzGoSemver compares the Go scheme with golang.org/x/mod/semver (the
// go command's own comparison) on every input both accept.
func FuzzGoSemver(f *testing.F) {
	for _, chain := range conformanceTables[2].chains {
		for i := 1; i < len(chain); i++ {
			f.Add(chain[i-1], chain[i])
		}
	}
	f.Add("v1.0.0-rc.1", "v1.0.0-rc.01")
	f.Fuzz(func(t *testing.T, a, b string) {
		if !modsemver.IsValid(a) || !modsemver.IsValid(b) {
			return
		}
		// x/mod/semver accepts shorthands ("v1", "v1.2") that module
		// versions never use; compare only full versions.
		if modsemver.Canonical(a) != a && modsemver.Canonical(a)+modsemver.Build(a) != a {
			return
		}
		if modsemver.Canonical(b) != b && modsemver.Canonical(b)+modsemver.Build(b) != b {
			return
		}
		got, err := Compare("Go", a, b)
		if err != nil {
			t.Fatalf("Compare(Go, %q, %q): %v", a, b, err)
		}
		if want := modsemver.Compare(a, b); got != want {
			t.Errorf("Compare(Go, %q, %q) = %d, x/mod/semver says %d", a, b, got, want)
		}
	})
}

// FuzzDebianSemantic compares our dpkg comparison with osv-scalibr's
// DebianVersion on printable ASCII input both accept. (semantic weighs NUL
// like "z"; dpkg, working on C strings, never sees one.)
func FuzzDebianSemantic(f *testing.F) {
	for _, chain := range conformanceTables[8].chains {
		for i := 1; i < len(chain); i++ {
			f.Add(chain[i-1], chain[i])
		}
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		for _, s := range []string{a, b} {
			for i := 0; i < len(s); i++ {
				if s[i] < 0x20 || s[i] > 0x7e {
					return
				}
			}
		}
		sa, err1 := semantic.ParseDebianVersion(a)
		_, err2 := semantic.ParseDebianVersion(b)
		if err1 != nil || err2 != nil {
			return
		}
		want, err := sa.CompareStr(b)
		if err != nil {
			return
		}
		got, err := Compare("Debian", a, b)
		if err != nil {
			return // empty or over MaxLen
		}
		if got != want {
			t.Errorf("Compare(Debian, %q, %q) = %d, semantic says %d", a, b, got, want)
		}
	})
}
