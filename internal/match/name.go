package match

import (
	"strings"

	"github.com/vigil-sec/vigil/internal/inventory"
)

// NormalizeName returns the form of a package name used to match it with
// advisories: PyPI names are normalised per PEP 503 (lower case, and each
// run of "-", "_" and "." becomes one "-"); other ecosystems' names are
// compared exactly. A Source should index names the same way.
func NormalizeName(ecosystem, name string) string {
	base, _, _ := strings.Cut(ecosystem, ":")
	if base != "PyPI" {
		return name
	}
	var b strings.Builder
	b.Grow(len(name))
	run := false
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c == '-' || c == '_' || c == '.' {
			if !run {
				b.WriteByte('-')
			}
			run = true
			continue
		}
		run = false
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		b.WriteByte(c)
	}
	return b.String()
}

// QueryKey is the key a package is looked up by in a Source, in a form
// shared by stored packages and advisories: the ecosystem without its
// release suffix ("Debian" for "Debian:12"), a tab, and the normalised
// name. An advisory's affected package and an installed package can only
// match when their keys are equal, which is what lets a re-match after a
// database change look only at the packages whose key a changed advisory
// names (the release suffix is dropped, so the set is a superset).
func QueryKey(ecosystem, name string) string {
	base, _, _ := strings.Cut(ecosystem, ":")
	return base + "\t" + NormalizeName(ecosystem, name)
}

// PackageQueryKey is the QueryKey that Find looks a package up by: its
// source package's name when it has one (OS advisories are keyed by
// source package), else its own.
func PackageQueryKey(p *inventory.Package) string {
	name, _ := matchNameVersion(p)
	return QueryKey(p.Ecosystem, name)
}
