package purl

import "testing"

func TestParse(t *testing.T) {
	tests := []struct{ in, eco, name, version string }{
		{"pkg:npm/%40babel/core@7.0.0", "npm", "@babel/core", "7.0.0"},
		{"pkg:golang/github.com/gin-gonic/gin@v1.6.0", "Go", "github.com/gin-gonic/gin", "v1.6.0"},
		{"pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1", "Maven", "org.apache.logging.log4j:log4j-core", "2.14.1"},
		{"pkg:maven/mystery@2.0", "Maven", "mystery", "2.0"},
		{"pkg:pypi/django@2.2.0", "PyPI", "django", "2.2.0"},
		{"pkg:cargo/smallvec@1.6.0", "crates.io", "smallvec", "1.6.0"},
		{"pkg:deb/debian/openssl@3.0.11-1~deb12u2?arch=amd64&distro=debian-12", "Debian:12", "openssl", "3.0.11-1~deb12u2"},
		{"pkg:deb/debian/bash@5.2.15-2%2Bb2?distro=bookworm", "Debian:12", "bash", "5.2.15-2+b2"},
		{"pkg:deb/debian/bash@5.2?distro=debian-12.5", "Debian:12", "bash", "5.2"},
		{"pkg:deb/ubuntu/bash@5.1?distro=ubuntu-22.04", "Ubuntu:22.04", "bash", "5.1"},
		{"pkg:apk/alpine/musl@1.2.4-r2?distro=3.18.4", "Alpine:v3.18", "musl", "1.2.4-r2"},
		{"pkg:apk/alpine/musl@1.2.4-r2?distro=alpine-3.20", "Alpine:v3.20", "musl", "1.2.4-r2"},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.in, err)
			continue
		}
		if got.Ecosystem != tt.eco || got.Name != tt.name || got.Version != tt.version {
			t.Errorf("Parse(%q) = %q %q %q, want %q %q %q", tt.in, got.Ecosystem, got.Name, got.Version, tt.eco, tt.name, tt.version)
		}
	}
	for _, bad := range []string{"", "npm/x", "pkg:unknowntype/x@1"} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("Parse(%q) did not fail", bad)
		}
	}
}

func TestRoundTrip(t *testing.T) {
	for _, c := range []struct{ eco, name, version string }{
		{"npm", "@scope/pkg", "1.0.0"}, {"Go", "golang.org/x/text", "v0.3.5"}, {"Maven", "g.h:a", "1"},
		{"Packagist", "symfony/http-kernel", "v5.0.0"}, {"NuGet", "Newtonsoft.Json", "12.0.1"}, {"RubyGems", "rack", "2.0.6"},
	} {
		p, err := Parse(For(c.eco, c.name, c.version))
		if err != nil || p.Ecosystem != c.eco || p.Version != c.version {
			t.Errorf("round trip %v: %+v %v", c, p, err)
		}
	}
}

func TestMatch(t *testing.T) {
	tests := []struct {
		want, got string
		ok        bool
	}{
		{"pkg:npm/lodash", "pkg:npm/lodash@4.17.4", true},
		{"pkg:npm/lodash@4.17.4", "pkg:npm/lodash@4.17.4", true},
		{"pkg:npm/lodash@4.17.5", "pkg:npm/lodash@4.17.4", false},
		{"pkg:npm/lodash", "pkg:npm/lodash-es@4.17.4", false},
		{"pkg:npm/%40babel/core", "pkg:npm/%40babel/core@7.0.0", true},
		{"pkg:deb/debian/openssl", "pkg:deb/debian/openssl@3.0.11?arch=amd64&distro=debian-12", true},
		{"pkg:npm/lodash", "", false},
	}
	for _, tt := range tests {
		if got := Match(tt.want, tt.got); got != tt.ok {
			t.Errorf("Match(%q, %q) = %v, want %v", tt.want, tt.got, got, tt.ok)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add("pkg:deb/debian/openssl@3.0.11-1~deb12u2?arch=amd64&distro=debian-12")
	f.Add("pkg:npm/%40babel/core@7.0.0")
	f.Fuzz(func(t *testing.T, s string) { _, _ = Parse(s) })
}
