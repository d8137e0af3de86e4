package purl

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/package-url/packageurl-go"
)

// ecosystems maps a purl type back to its OSV ecosystem (OS types are
// handled by osEcosystem).
var ecosystems = map[string]string{}

func init() {
	for eco, typ := range types {
		ecosystems[typ] = eco
	}
}

// Parsed is a purl read back into inventory terms.
type Parsed struct {
	Ecosystem string
	Name      string
	Version   string
	// Qualifiers of the purl (arch, distro, upstream ...).
	Qualifiers map[string]string
}

// Parse reads a purl into the OSV ecosystem, name and version Vigil uses.
// OS packages (deb, apk) get a release-qualified ecosystem from the distro
// qualifier when there is one ("Debian:12", "Alpine:v3.20").
func Parse(s string) (Parsed, error) {
	p, err := packageurl.FromString(s)
	if err != nil {
		return Parsed{}, fmt.Errorf("purl %q: %w", s, err)
	}
	q := p.Qualifiers.Map()
	out := Parsed{Version: p.Version, Qualifiers: q}
	switch p.Type {
	case packageurl.TypeMaven:
		// A Java archive known only by its artifact (no group) keeps the
		// bare name For wrote, not ":artifact".
		out.Name = p.Name
		if p.Namespace != "" {
			out.Name = p.Namespace + ":" + p.Name
		}
	case packageurl.TypeNPM, packageurl.TypeGolang, packageurl.TypeComposer:
		out.Name = p.Name
		if p.Namespace != "" {
			out.Name = p.Namespace + "/" + p.Name
		}
	default:
		out.Name = p.Name
	}
	if eco, ok := ecosystems[p.Type]; ok {
		out.Ecosystem = eco
		return out, nil
	}
	out.Ecosystem = osEcosystem(p.Type, p.Namespace, q["distro"])
	if out.Ecosystem == "" {
		return out, fmt.Errorf("purl %q: type %q has no OSV ecosystem", s, p.Type)
	}
	return out, nil
}

// osEcosystem maps deb/apk/rpm purls to OSV ecosystems.
func osEcosystem(typ, namespace, distro string) string {
	// distro is "debian-12", "bookworm", "alpine-3.20", "3.20.1", ...
	release := distro
	if i := strings.LastIndexByte(distro, '-'); i >= 0 {
		release = distro[i+1:]
	}
	switch typ {
	case packageurl.TypeDebian:
		switch strings.ToLower(namespace) {
		case "debian":
			if v, ok := debianCodenames[release]; ok {
				release = v
			}
			if major, _, ok := strings.Cut(release, "."); ok {
				if n, err := strconv.Atoi(major); err == nil && n >= 7 {
					release = major // 12.5 -> 12: from Debian 7 on, OSV uses the major only
				}
			}
			return withRelease("Debian", release)
		case "ubuntu":
			return withRelease("Ubuntu", release)
		}
	case packageurl.TypeApk:
		if release != "" {
			parts := strings.Split(strings.TrimPrefix(release, "v"), ".")
			if len(parts) >= 2 {
				return "Alpine:v" + parts[0] + "." + parts[1]
			}
		}
		return "Alpine"
	case packageurl.TypeRPM:
		switch strings.ToLower(namespace) {
		case "redhat":
			return "Red Hat"
		case "rocky", "rocky-linux":
			return withRelease("Rocky Linux", release)
		case "almalinux":
			return withRelease("AlmaLinux", release)
		case "opensuse", "suse":
			return "SUSE"
		}
	}
	return ""
}

func withRelease(eco, release string) string {
	if release == "" {
		return eco
	}
	return eco + ":" + release
}

var debianCodenames = map[string]string{
	"buzz": "1.1", "rex": "1.2", "bo": "1.3", "hamm": "2.0", "slink": "2.1", "potato": "2.2",
	"woody": "3.0", "sarge": "3.1", "etch": "4.0", "lenny": "5.0", "squeeze": "6.0",
	"wheezy": "7", "jessie": "8", "stretch": "9", "buster": "10", "bullseye": "11",
	"bookworm": "12", "trixie": "13", "forky": "14",
}

// Match reports whether got (a package's purl) matches want (an ignore,
// deny or VEX entry): same type, namespace and name, and the same version
// when want has one. Qualifiers and subpaths are ignored; names compare
// case-insensitively.
func Match(want, got string) bool {
	if want == "" || got == "" {
		return false
	}
	wb, wv := splitVersion(want)
	gb, gv := splitVersion(got)
	return strings.EqualFold(wb, gb) && (wv == "" || wv == gv)
}

func splitVersion(p string) (base, version string) {
	if i := strings.IndexAny(p, "?#"); i >= 0 {
		p = p[:i]
	}
	if at := strings.LastIndexByte(p, '@'); at > strings.LastIndexByte(p, '/') {
		return p[:at], p[at+1:]
	}
	return p, ""
}
