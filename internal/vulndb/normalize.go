package vulndb

import (
	"strings"
)

// archiveOf maps an OSV ecosystem string to the archive (bucket folder) that
// holds it: the part before the first ':' ("Debian:12" -> "Debian").
func archiveOf(ecosystem string) string {
	if i := strings.IndexByte(ecosystem, ':'); i >= 0 {
		return ecosystem[:i]
	}
	return ecosystem
}

// NormalizeName returns the form of a package name used in the index. PyPI
// names are normalised as in PEP 503 (lower case, runs of '-', '_' and '.'
// become one '-'); names of every other ecosystem are kept as they are,
// because their registries treat case and punctuation as significant (Go,
// Maven, crates.io...) or the advisories already use the canonical form
// (Debian, Alpine source package names).
func NormalizeName(ecosystem, name string) string {
	if archiveOf(ecosystem) != "PyPI" {
		return name
	}
	var b strings.Builder
	b.Grow(len(name))
	sep := false
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c == '-' || c == '_' || c == '.':
			sep = true
			continue
		case 'A' <= c && c <= 'Z':
			c += 'a' - 'A'
		}
		if sep {
			b.WriteByte('-')
			sep = false
		}
		b.WriteByte(c)
	}
	if sep {
		b.WriteByte('-')
	}
	return b.String()
}

// indexPrefix is the index key prefix of every record of one package:
// "<ecosystem>\x00<normalised name>\x00". The ecosystem keeps its suffix.
func indexPrefix(ecosystem, name string) []byte {
	n := NormalizeName(ecosystem, name)
	k := make([]byte, 0, len(ecosystem)+len(n)+2)
	k = append(k, ecosystem...)
	k = append(k, 0)
	k = append(k, n...)
	return append(k, 0)
}
