// Package version compares package versions under the rules of each
// ecosystem's own version scheme (SemVer, Go modules, PEP 440, RubyGems,
// Maven, Composer, dpkg, apk, RPM, ...), looked up by OSV ecosystem name.
//
// The comparison logic is github.com/google/osv-scalibr/semantic (what
// OSV-Scanner uses) behind a small interface, with fix-ups where it departs
// from an ecosystem's specification; see docs/decisions/version-schemes.md.
package version

import (
	"fmt"
	"strings"
)

// MaxLen is the longest version string accepted, in bytes. Real versions
// are far shorter; the cap bounds the work hostile input can cause.
const MaxLen = 256

// Version is one parsed version.
type Version interface {
	// Compare compares the version with another version string of the same
	// scheme: -1 if the receiver sorts before other, 0 if equal, +1 after.
	// It fails when other is not a valid version of the scheme.
	Compare(other string) (int, error)
	// String returns the version as it was given.
	String() string
}

// Scheme parses the versions of one version scheme.
type Scheme interface {
	// Name is the scheme's stable name ("semver", "pep440", "debian", ...).
	Name() string
	// Parse parses s. It fails for the empty string, strings longer than
	// MaxLen and strings the scheme rejects; errors wrap ErrInvalid.
	Parse(s string) (Version, error)
}

// ForEcosystem returns the scheme for an OSV ecosystem name. A release
// suffix is ignored ("Debian:12" is Debian). Unknown ecosystems give an
// error wrapping ErrUnknownEcosystem.
func ForEcosystem(eco string) (Scheme, error) {
	base, _, _ := strings.Cut(eco, ":")
	if s, ok := byEcosystem[base]; ok {
		return s, nil
	}
	return nil, fmt.Errorf("%w %q", ErrUnknownEcosystem, eco)
}

// Compare compares two versions of an OSV ecosystem: -1, 0 or +1.
func Compare(eco, a, b string) (int, error) {
	s, err := ForEcosystem(eco)
	if err != nil {
		return 0, err
	}
	v, err := s.Parse(a)
	if err != nil {
		return 0, err
	}
	return v.Compare(b)
}

// Schemes returns every scheme, sorted by name.
func Schemes() []Scheme {
	return []Scheme{Alpine, Cran, Debian, Go, Hackage, Maven, NuGet, Packagist, PEP440, Pub, RPM, RubyGems, SemVer}
}

// byEcosystem maps an OSV ecosystem (without release suffix) to its
// scheme. The names are the OSV schema's ecosystem list.
var byEcosystem = map[string]Scheme{
	"npm":                          SemVer,
	"crates.io":                    SemVer,
	"Hex":                          SemVer,
	"SwiftURL":                     SemVer,
	"Bitnami":                      SemVer,
	"ConanCenter":                  SemVer,
	"GHC":                          SemVer,
	"Julia":                        SemVer,
	"Bioconductor":                 SemVer,
	"Docker Hardened Images":       SemVer,
	"Go":                           Go,
	"NuGet":                        NuGet,
	"PyPI":                         PEP440,
	"RubyGems":                     RubyGems,
	"Maven":                        Maven,
	"Packagist":                    Packagist,
	"Pub":                          Pub,
	"Hackage":                      Hackage,
	"CRAN":                         Cran,
	"Debian":                       Debian,
	"Ubuntu":                       Debian,
	"Alpine":                       Alpine,
	"Alpaquita":                    Alpine,
	"BellSoft Hardened Containers": Alpine,
	"Chainguard":                   Alpine,
	"MinimOS":                      Alpine,
	"Wolfi":                        Alpine,
	"Red Hat":                      RPM,
	"AlmaLinux":                    RPM,
	"Rocky Linux":                  RPM,
	"SUSE":                         RPM,
	"openSUSE":                     RPM,
	"Mageia":                       RPM,
	"openEuler":                    RPM,
	"Azure Linux":                  RPM,
}

// check applies the checks every scheme shares.
func check(scheme, s string) error {
	if s == "" {
		return fmt.Errorf("%w: empty %s version", ErrInvalid, scheme)
	}
	if len(s) > MaxLen {
		return fmt.Errorf("%w: %s version is %d bytes (limit %d)", ErrInvalid, scheme, len(s), MaxLen)
	}
	return nil
}
