// Package purl builds package URLs (https://github.com/package-url/purl-spec)
// for inventory packages from their OSV ecosystem, name and version.
package purl

import (
	"strings"

	"github.com/package-url/packageurl-go"
)

// types maps an OSV ecosystem to its purl type.
var types = map[string]string{
	"Go":        packageurl.TypeGolang,
	"npm":       packageurl.TypeNPM,
	"PyPI":      packageurl.TypePyPi,
	"crates.io": packageurl.TypeCargo,
	"RubyGems":  packageurl.TypeGem,
	"Packagist": packageurl.TypeComposer,
	"Maven":     packageurl.TypeMaven,
	"NuGet":     packageurl.TypeNuget,
	"Pub":       packageurl.TypePub,
	"Hex":       packageurl.TypeHex,
}

// For returns the purl of a package, or "" when the ecosystem has no purl
// type or name is empty. Names are split into namespace and name the way
// each type expects ("@scope/x" for npm, "group:artifact" for Maven, the
// module path's last element for Go); PyPI names are normalised per PEP 503.
func For(ecosystem, name, version string) string {
	typ, ok := types[ecosystem]
	if !ok || name == "" {
		return ""
	}
	var ns string
	switch typ {
	case packageurl.TypeNPM, packageurl.TypeGolang, packageurl.TypeComposer:
		if i := strings.LastIndexByte(name, '/'); i > 0 {
			ns, name = name[:i], name[i+1:]
		}
	case packageurl.TypeMaven:
		if i := strings.IndexByte(name, ':'); i > 0 {
			ns, name = name[:i], name[i+1:]
		}
	case packageurl.TypePyPi:
		name = NormalizePyPI(name)
	}
	if typ == packageurl.TypeNPM || typ == packageurl.TypeComposer {
		ns, name = strings.ToLower(ns), strings.ToLower(name)
	}
	if s, ok := fast(typ, ns, name, version); ok {
		return s
	}
	return packageurl.NewPackageURL(typ, ns, name, version, nil, "").ToString()
}

// fast builds the purl in one allocation when no part needs escaping
// (the common case: lockfiles hold thousands of plain names), giving the
// same string as packageurl-go.
func fast(typ, ns, name, version string) (string, bool) {
	scoped := strings.HasPrefix(ns, "@")
	if !plain(strings.TrimPrefix(ns, "@"), true) || !plain(name, false) || !plain(version, false) || name == "" {
		return "", false
	}
	var b strings.Builder
	b.Grow(len("pkg:") + len(typ) + len(ns) + len(name) + len(version) + 6)
	b.WriteString("pkg:")
	b.WriteString(typ)
	b.WriteByte('/')
	if ns != "" {
		if scoped {
			b.WriteString("%40")
			ns = ns[1:]
		}
		b.WriteString(ns)
		b.WriteByte('/')
	}
	b.WriteString(name)
	if version != "" {
		b.WriteByte('@')
		b.WriteString(version)
	}
	return b.String(), true
}

// plain reports whether s has only RFC 3986 unreserved characters (and
// "/" between non-empty segments when slash is true).
func plain(s string, slash bool) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9',
			c == '-', c == '.', c == '_', c == '~':
		case c == '/' && slash && i > 0 && i < len(s)-1 && s[i-1] != '/':
		default:
			return false
		}
	}
	return true
}

// NormalizePyPI normalises a Python project name per PEP 503: lower case,
// with each run of '-', '_' and '.' replaced by one '-'.
func NormalizePyPI(name string) string {
	var b strings.Builder
	b.Grow(len(name))
	sep := false
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c == '-' || c == '_' || c == '.' {
			if !sep {
				b.WriteByte('-')
			}
			sep = true
			continue
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		sep = false
		b.WriteByte(c)
	}
	return b.String()
}
