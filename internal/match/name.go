package match

import "strings"

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
