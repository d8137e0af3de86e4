package version

import (
	"fmt"

	"github.com/google/osv-scalibr/semantic"
)

// scheme is a Scheme backed by a parse function returning a
// semantic.Version. normalise, when set, rewrites the input first (our
// fix-ups to the library; see docs/decisions/version-schemes.md).
type scheme struct {
	name      string
	normalise func(string) (string, error)
	parse     func(string) (semantic.Version, error)
}

// parsed is a Version of a scheme.
type parsed struct {
	orig   string
	v      semantic.Version
	scheme *scheme
}

func (s *scheme) Name() string { return s.name }

func (s *scheme) Parse(str string) (Version, error) {
	v, err := s.parseSemantic(str)
	if err != nil {
		return nil, err
	}
	return &parsed{orig: str, v: v, scheme: s}, nil
}

func (s *scheme) parseSemantic(str string) (v semantic.Version, err error) {
	if err := check(s.name, str); err != nil {
		return nil, err
	}
	// The library has panicked on odd input in the past; library code here
	// must not, so a panic becomes a parse error.
	defer func() {
		if r := recover(); r != nil {
			v, err = nil, fmt.Errorf("%w: %s version %q: %v", ErrInvalid, s.name, str, r)
		}
	}()
	in := str
	if s.normalise != nil {
		if in, err = s.normalise(str); err != nil {
			return nil, fmt.Errorf("%w: %s version %q: %v", ErrInvalid, s.name, str, err)
		}
	}
	v, err = s.parse(in)
	if err != nil {
		return nil, fmt.Errorf("%w: %s version %q: %v", ErrInvalid, s.name, str, err)
	}
	return v, nil
}

func (p *parsed) String() string { return p.orig }

func (p *parsed) Compare(other string) (c int, err error) {
	o, err := p.scheme.parseSemantic(other)
	if err != nil {
		return 0, err
	}
	defer func() {
		if r := recover(); r != nil {
			c, err = 0, fmt.Errorf("compare %s versions %q and %q: %v", p.scheme.name, p.orig, other, r)
		}
	}()
	c, err = p.v.Compare(o)
	if err != nil {
		return 0, fmt.Errorf("compare %s versions %q and %q: %w", p.scheme.name, p.orig, other, err)
	}
	return c, nil
}

func ok[T semantic.Version](f func(string) T) func(string) (semantic.Version, error) {
	return func(s string) (semantic.Version, error) { return f(s), nil }
}

func withErr[T semantic.Version](f func(string) (T, error)) func(string) (semantic.Version, error) {
	return func(s string) (semantic.Version, error) {
		v, err := f(s)
		if err != nil {
			return nil, err
		}
		return v, nil
	}
}

// The schemes.
var (
	// SemVer is Semantic Versioning 2.0.0 (npm, crates.io, Hex, ...).
	SemVer Scheme = &scheme{name: "semver", parse: parseSemver(3, false)}
	// Go is Go module versions: SemVer with an optional "v" prefix,
	// +incompatible and pseudo-versions.
	Go Scheme = &scheme{name: "go", normalise: normaliseGo, parse: parseSemver(3, false)}
	// NuGet is NuGet's SemVer with a fourth numeric part and
	// case-insensitive pre-release labels.
	NuGet Scheme = &scheme{name: "nuget", parse: parseSemver(4, true)}
	// PEP440 is Python's PEP 440 (PyPI).
	PEP440 Scheme = &scheme{name: "pep440", parse: withErr(semantic.ParsePyPIVersion)}
	// RubyGems is Gem::Version.
	RubyGems Scheme = &scheme{name: "rubygems", normalise: normaliseGem, parse: ok(semantic.ParseRubyGemsVersion)}
	// Maven is Maven's ComparableVersion.
	Maven Scheme = &scheme{name: "maven", normalise: normaliseMaven, parse: ok(semantic.ParseMavenVersion)}
	// Packagist is Composer's normalised versions.
	Packagist Scheme = &scheme{name: "packagist", normalise: normalisePackagist, parse: ok(semantic.ParsePackagistVersion)}
	// Debian is dpkg's version comparison (Debian, Ubuntu).
	Debian Scheme = &scheme{name: "debian", parse: parseDebian}
	// Alpine is apk-tools' version comparison (Alpine, Wolfi, Chainguard).
	Alpine Scheme = &scheme{name: "alpine", parse: withErr(semantic.ParseAlpineVersion)}
	// RPM is rpm's epoch:version-release comparison (rpmvercmp).
	RPM Scheme = &scheme{name: "rpm", parse: ok(semantic.ParseRedHatVersion)}
	// Pub is Dart's pub versions.
	Pub Scheme = &scheme{name: "pub", parse: ok(semantic.ParsePubVersion)}
	// Hackage is Haskell's PVP versions.
	Hackage Scheme = &scheme{name: "hackage", parse: withErr(semantic.ParseHackageVersion)}
	// Cran is R's package versions.
	Cran Scheme = &scheme{name: "cran", parse: withErr(semantic.ParseCRANVersion)}
)

// CompareVersions compares two versions: -1, 0 or +1. Versions parsed by
// the same Scheme are compared without parsing again (the matcher's hot
// path); otherwise it is a.Compare(b.String()).
func CompareVersions(a, b Version) (c int, err error) {
	pa, ok1 := a.(*parsed)
	pb, ok2 := b.(*parsed)
	if !ok1 || !ok2 || pa.scheme != pb.scheme {
		return a.Compare(b.String())
	}
	defer func() {
		if r := recover(); r != nil {
			c, err = 0, fmt.Errorf("compare %s versions %q and %q: %v", pa.scheme.name, pa.orig, pb.orig, r)
		}
	}()
	c, err = pa.v.Compare(pb.v)
	if err != nil {
		return 0, fmt.Errorf("compare %s versions %q and %q: %w", pa.scheme.name, pa.orig, pb.orig, err)
	}
	return c, nil
}
