package version

import (
	"testing"
)

// conformance is one scheme's test table. Each chain lists versions in
// strictly increasing order (every pair is checked, both ways); each equal
// group lists versions that compare equal. invalid lists strings Parse must
// reject.
type conformance struct {
	eco     string
	chains  [][]string
	equal   [][]string
	invalid []string
}

var conformanceTables = []conformance{
	{
		eco: "npm",
		chains: [][]string{
			// SemVer 2.0.0 §11 (https://semver.org/spec/v2.0.0.html#spec-item-11).
			{"1.0.0", "2.0.0", "2.1.0", "2.1.1"},
			{"1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0"},
			// §9: pre-release identifiers; hyphens are alphanumeric, numeric
			// identifiers sort before alphanumeric ones.
			{"1.0.0-0.3.7", "1.0.0-alpha", "1.0.0-x.7.z.92", "1.0.0-x-y-z.--"},
			{"1.0.0-1", "1.0.0-2", "1.0.0-10", "1.0.0--1"},
			// §2: numeric comparison, not lexical.
			{"1.9.0", "1.10.0", "1.11.0"},
		},
		equal: [][]string{
			// §10: build metadata is ignored for precedence.
			{"1.0.0", "1.0.0+20130313144700", "1.0.0+exp.sha.5114f85"},
			{"1.0.0-alpha", "1.0.0-alpha+001"},
		},
		invalid: []string{""},
	},
	{
		eco: "crates.io",
		chains: [][]string{
			// SemVer 2.0.0 §11, as used by Cargo (https://doc.rust-lang.org/cargo/reference/resolver.html#semver-compatibility).
			{"0.1.0", "0.1.1", "0.2.0-alpha.1", "0.2.0", "1.0.0-beta.2", "1.0.0"},
		},
	},
	{
		eco: "Go",
		chains: [][]string{
			// https://go.dev/ref/mod#versions and #pseudo-versions: a
			// pseudo-version sorts before the release it precedes and after
			// the base version.
			{"v0.0.0-20191109021931-daa7c04131f5", "v0.0.0", "v0.1.0"},
			{"v1.2.3", "v1.2.4-0.20191109021931-daa7c04131f5", "v1.2.4-0.20201109021931-aaa7c04131f5", "v1.2.4"},
			{"v1.2.3-pre", "v1.2.3-pre.0.20191109021931-daa7c04131f5", "v1.2.3"},
			{"1.9.0", "v1.10.0", "1.11.0"},
			// https://go.dev/doc/toolchain#version: 1.21rc1 < 1.21rc2 < 1.21.0 < 1.21.1.
			{"go1.21rc1", "go1.21rc2", "go1.21.0", "go1.21.1"},
		},
		equal: [][]string{
			// OSV Go ranges have no "v"; installed versions may.
			{"v1.2.3", "1.2.3"},
			// +incompatible is build metadata (https://go.dev/ref/mod#incompatible-versions).
			{"v2.0.0+incompatible", "2.0.0", "v2.0.0"},
			// Toolchain versions (stdlib/toolchain modules in the Go vulndb,
			// https://go.dev/doc/toolchain#version): go1.21rc2 is 1.21.0-rc.2.
			{"go1.21rc2", "1.21.0-rc.2", "1.21rc2"},
			{"go1.21.3", "1.21.3", "v1.21.3"},
			{"go1.19beta1", "1.19.0-beta.1"},
		},
	},
	{
		eco: "NuGet",
		chains: [][]string{
			// https://learn.microsoft.com/en-us/nuget/concepts/package-versioning#version-basics
			// (pre-release sorts first; 4th Revision part).
			{"1.0.0-alpha", "1.0.0-beta", "1.0.0-rc.1", "1.0.0", "1.0.0.1", "1.0.1"},
			{"1.0.0-Alpha.2", "1.0.0-BETA"},
		},
		equal: [][]string{
			// "pre-release labels are case insensitive"; 1.0 == 1.0.0 == 1.0.0.0
			// (#normalized-version-numbers).
			{"1.0.0-Beta", "1.0.0-beta", "1.0.0-BETA"},
			{"1.0", "1.0.0", "1.0.0.0"},
			{"1.0.0+githash", "1.0.0"},
		},
	},
	{
		eco: "PyPI",
		chains: [][]string{
			// PEP 440, "Summary of permitted suffixes and relative ordering"
			// (https://peps.python.org/pep-0440/#summary-of-permitted-suffixes-and-relative-ordering).
			{"1.dev0", "1.0.dev456", "1.0a1", "1.0a2.dev456", "1.0a12.dev456", "1.0a12", "1.0b1.dev456", "1.0b2", "1.0b2.post345.dev456", "1.0b2.post345", "1.0rc1.dev456", "1.0rc1", "1.0", "1.0+abc.5", "1.0+abc.7", "1.0+5", "1.0.post456.dev34", "1.0.post456", "1.0.15", "1.1.dev1"},
			// PEP 440 "Version epochs".
			{"2013.10", "2014.04", "1!1.0", "1!1.1", "2!0.1"},
			// PEP 440 "Final releases": numeric, not lexical.
			{"1.9", "1.10", "1.11"},
		},
		equal: [][]string{
			// PEP 440 "Normalization" section, one group per rule.
			{"1.0a1", "1.0.0a1", "1.0A1", "1.0alpha1", "1.0.a1", "1.0-a1", "1.0_a1", "1.0a.1"},
			{"1.0b2", "1.0beta2"},
			{"1.0rc1", "1.0c1", "1.0pre1", "1.0preview1"},
			{"1.0.post1", "1.0-1", "1.0post1", "1.0-post1", "1.0.r1", "1.0rev1"},
			{"1.0.post0", "1.0.post", "1.0-post"},
			{"1.0.dev0", "1.0dev", "1.0-dev0"},
			{"1.0", "v1.0", "V1.0", " 1.0 ", "01.00", "1.0.0"},
			{"1.0+ubuntu.1", "1.0+ubuntu-1", "1.0+ubuntu_1"},
			{"0!1.0", "1.0"},
		},
	},
	{
		eco: "RubyGems",
		chains: [][]string{
			// Gem::Version docs (https://docs.ruby-lang.org/en/master/Gem/Version.html):
			// "1.0.a.2" < "1.0.b1" < "1.0"; test/rubygems/test_gem_version.rb
			// test_spaceship.
			{"0.9", "1.0.a.2", "1.0.b1", "1.0"},
			{"1.8.2.a", "1.8.2.a9", "1.8.2.a10", "1.8.2.b", "1.8.2"},
			{"0.0.beta", "0.0.beta.1"},
			{"5.a", "5.0.0.rc2", "5.x"},
			{"1.9", "1.10"},
		},
		equal: [][]string{
			// test_spaceship: trailing zeros do not count.
			{"1.0", "1.0.0", "1"},
			{"0.beta.1", "0.0.beta.1"},
			// Gem::Version treats "-" as ".pre.": "1.0.0-1" is "1.0.0.pre.1".
			{"1.0.0-1", "1.0.0.pre.1"},
		},
	},
	{
		eco: "Maven",
		chains: [][]string{
			// maven-artifact ComparableVersionTest VERSIONS_QUALIFIER and
			// VERSIONS_NUMBER (https://github.com/apache/maven/blob/maven-3.9.x/maven-artifact/src/test/java/org/apache/maven/artifact/versioning/ComparableVersionTest.java).
			{"1-alpha2snapshot", "1-alpha2", "1-alpha-123", "1-beta-2", "1-beta123", "1-m2", "1-m11", "1-rc", "1-cr2", "1-rc123", "1-SNAPSHOT", "1", "1-sp", "1-sp2", "1-sp123", "1-abc", "1-def", "1-pom-1", "1-1-snapshot", "1-1", "1-2", "1-123"},
			{"2.0", "2.0.a", "2-1", "2.0.2", "2.0.123", "2.1.0", "2.1-a", "2.1b", "2.1-c", "2.1-1", "2.1.0.1", "2.2", "2.123", "11.a2", "11.a11", "11.b2", "11.b11", "11.m2", "11.m11", "11", "11.a", "11b", "11c", "11m"},
			// ComparableVersion javadoc: alpha < beta < milestone < rc = cr <
			// snapshot < "" = ga = final = release < sp.
			{"1.0-alpha1", "1.0-beta1", "1.0-milestone1", "1.0-rc1", "1.0-SNAPSHOT", "1.0", "1.0-sp1"},
			// ComparableVersionTest testVersionComparing.
			{"1", "1.5", "2", "2.5"},
			{"1.0.0", "1.0.1", "1.1", "1.2.0"},
			{"1.0-alpha-1-SNAPSHOT", "1.0-alpha-1", "1.0-alpha-2", "1.0-beta-1", "1.0-SNAPSHOT", "1.0", "1.0-1", "1.0-2"},
			{"2.0-1", "2.0.1", "2.0.1-klm", "2.0.1-lmn", "2.0.1-xyz", "2.0.1-123"},
			// MNG-5568, MNG-6572, MNG-6964 regressions.
			{"6.1.0rc3", "6.1.0", "6.1H.5-beta"},
			{"20190126.230843", "1234567890.12345", "123456789012345.1H.5-beta", "12345678901234567890.1H.5-beta"},
			{"1-0.alpha", "1-0.beta", "1"},
			// MNG-7644: "." before a qualifier reads as "-".
			{"1.0.0.RC1", "1.0.0-RC2"},
			{"1.0.0.alpha1", "1.0.0-alpha2"},
		},
		equal: [][]string{
			// ComparableVersionTest testVersionsEqual.
			{"1", "1.0", "1.0.0", "1-0", "1.0-0"},
			{"1a", "1-a", "1.0-a", "1.0.0-a"},
			{"1.0-ga", "1.0-final", "1.0-release", "1.0", "1.0-GA"},
			{"1-cr1", "1-rc1", "1-RC1"},
			{"1a1", "1-a1", "1-alpha-1", "1-alpha1"},
			{"1b2", "1-b2", "1-beta-2"},
			{"1m3", "1-m3", "1-milestone-3", "1MILESTONE3", "1MileStone3"},
			{"1x", "1-x", "1.0-x", "1.0.0-x", "1X"},
			{"2-abc", "2.0.abc", "2.0.0.abc"},
			{"2-RC", "2.0.RC", "2.0.0.RC"},
			{"1", "01", "0001", "0000000000000000001"},
			{"1-abcdefghijklmnopqrstuvwxyz", "1-ABCDEFGHIJKLMNOPQRSTUVWXYZ"},
		},
	},
	{
		eco: "Packagist",
		chains: [][]string{
			// Composer VersionParser::normalize + version_compare stability
			// order dev < alpha < beta < RC < stable < patch
			// (https://getcomposer.org/doc/articles/versions.md#stabilities,
			// https://www.php.net/manual/en/function.version-compare.php).
			{"1.0.0-dev", "1.0.0-alpha1", "1.0.0-alpha2", "1.0.0-beta1", "1.0.0-RC1", "1.0.0", "1.0.0-pl1", "1.0.1"},
			{"1.9.0", "1.10.0"},
		},
		equal: [][]string{
			// Composer normalisation: "v" prefix, 4 parts, case.
			{"1.0.0", "v1.0.0", "1.0.0.0", "1.0"},
			{"1.0.0-RC1", "1.0.0-rc1", "v1.0.0-RC1"},
			{"1.0.0-alpha1", "1.0.0-a1"},
			{"1.0.0-beta1", "1.0.0-b1"},
		},
	},
	{
		eco: "Debian:12",
		chains: [][]string{
			// Debian Policy §5.6.12 "Version"
			// (https://www.debian.org/doc/debian-policy/ch-controlfields.html#version):
			// "~~, ~~a, ~, the empty part, a".
			{"1.0~~", "1.0~~a", "1.0~", "1.0", "1.0a"},
			// Letters sort before non-letters.
			{"1.0a", "1.0+"},
			// Epochs dominate; revisions break ties.
			{"2.0-1", "1:0.1-1", "1:0.1-2", "2:0.0"},
			{"1.0~rc1-1", "1.0-1", "1.0-1+deb12u1", "1.0-2"},
			{"2.36.1-8+deb11u1", "2.36.1-8+deb11u2", "2.36.1-9"},
			{"1.9", "1.10"},
		},
		equal: [][]string{
			// Policy: no epoch is epoch 0; dpkg compares numeric parts as numbers.
			{"1.0", "0:1.0"},
			{"1.01-1", "1.1-1"},
		},
		invalid: []string{""},
	},
	{
		eco: "Alpine:v3.20",
		chains: [][]string{
			// apk-tools version rules (https://wiki.alpinelinux.org/wiki/APKBUILD_Reference#pkgver,
			// apk-tools src/version.c): pre-release suffixes sort before the
			// release, post-release suffixes after; -rN revisions.
			{"1.0_alpha1", "1.0_beta1", "1.0_pre1", "1.0_rc1", "1.0", "1.0_cvs1", "1.0_svn1", "1.0_git1", "1.0_hg1", "1.0_p1"},
			{"1.0-r0", "1.0-r1", "1.0-r10", "1.0a-r0", "1.1-r0"},
			{"1.2_rc1-r0", "1.2-r0", "1.2_p1-r0"},
			{"1.9", "1.10"},
		},
		equal: [][]string{
			{"1.0", "1.0-r0"},
		},
	},
	{
		eco: "Red Hat",
		chains: [][]string{
			// rpm tests/rpmvercmp.at.
			{"1.0", "2.0"},
			{"2.0.1", "2.0.1a"},
			{"5.5p1", "5.5p2", "5.5p10", "5.6p1", "6.5p1"},
			{"6.0", "6.0.rc1"},
			{"10a2", "10b2"},
			{"1.0a", "1.0aa"},
			{"10.0001", "10.0039"},
			{"4.999.9", "5.0"},
			{"20101121", "20101122"},
			{"xyz.4", "2", "8"},
			{"1.0~rc1~git123", "1.0~rc1", "1.0~rc2", "1.0", "1.0^", "1.0^git1", "1.0^git2", "1.01"},
			{"1.0^20160101", "1.0.1"},
			{"1.0^20160101^git1", "1.0^20160102"},
			{"1.0~rc1", "1.0~rc1^git1"},
			{"1.0^git1~pre", "1.0^git1"},
			// epoch:version-release (rpm's rpmVersionCompare).
			{"2.0-1", "1:1.0-1", "1:1.0-2", "1:1.1-1"},
			{"1.0-1.el9", "1.0-1.el9_1", "1.0-2.el9"},
		},
		equal: [][]string{
			{"10.0001", "10.1"},
			{"2_0", "2.0"},
			{"a+", "a_"},
			{"+a", "_a"},
			{"+_", "_+"},
			{"0:1.0-1", "1.0-1"},
		},
	},
}

func TestConformance(t *testing.T) {
	for _, tt := range conformanceTables {
		t.Run(tt.eco, func(t *testing.T) {
			for _, chain := range tt.chains {
				for i, a := range chain {
					for j, b := range chain {
						want := 0
						switch {
						case i < j:
							want = -1
						case i > j:
							want = 1
						}
						checkCompare(t, tt.eco, a, b, want)
					}
				}
			}
			for _, group := range tt.equal {
				for _, a := range group {
					for _, b := range group {
						checkCompare(t, tt.eco, a, b, 0)
					}
				}
			}
			s, err := ForEcosystem(tt.eco)
			if err != nil {
				t.Fatal(err)
			}
			for _, in := range tt.invalid {
				if v, err := s.Parse(in); err == nil {
					t.Errorf("Parse(%q) = %v, want error", in, v)
				}
			}
		})
	}
}

func checkCompare(t *testing.T, eco, a, b string, want int) {
	t.Helper()
	got, err := Compare(eco, a, b)
	if err != nil {
		t.Errorf("Compare(%q, %q, %q): %v", eco, a, b, err)
		return
	}
	if got != want {
		t.Errorf("Compare(%q, %q, %q) = %d, want %d", eco, a, b, got, want)
	}
}
