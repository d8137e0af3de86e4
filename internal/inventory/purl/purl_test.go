package purl

import (
	"testing"

	"github.com/package-url/packageurl-go"
)

func TestFor(t *testing.T) {
	tests := []struct {
		eco, name, version, want string
	}{
		{"npm", "lodash", "4.17.21", "pkg:npm/lodash@4.17.21"},
		{"npm", "@babel/core", "7.0.0", "pkg:npm/%40babel/core@7.0.0"},
		{"Go", "github.com/foo/bar", "v1.2.3", "pkg:golang/github.com/foo/bar@v1.2.3"},
		{"Go", "stdlib", "1.22.1", "pkg:golang/stdlib@1.22.1"},
		{"PyPI", "Django_Rest.framework", "3.0", "pkg:pypi/django-rest-framework@3.0"},
		{"Maven", "org.apache:commons-lang3", "3.12.0", "pkg:maven/org.apache/commons-lang3@3.12.0"},
		{"crates.io", "serde", "1.0.0", "pkg:cargo/serde@1.0.0"},
		{"Debian:12", "bash", "5.2", ""},
		{"npm", "", "1", ""},
	}
	for _, tt := range tests {
		if got := For(tt.eco, tt.name, tt.version); got != tt.want {
			t.Errorf("For(%q, %q, %q) = %q, want %q", tt.eco, tt.name, tt.version, got, tt.want)
		}
	}
}

func TestNormalizePyPI(t *testing.T) {
	tests := map[string]string{
		"Django":            "django",
		"zope.interface":    "zope-interface",
		"a__b--c..d":        "a-b-c-d",
		"typing_extensions": "typing-extensions",
		"_x_":               "-x-",
	}
	for in, want := range tests {
		if got := NormalizePyPI(in); got != want {
			t.Errorf("NormalizePyPI(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestFastMatchesLibrary checks the fast path against packageurl-go.
func TestFastMatchesLibrary(t *testing.T) {
	parts := []string{"", "a", "A.b_c~d-1", "@s", "@", "a/b", "a//b", "/a", "a/", "1.0.0+meta", "1.0.0-rc.1", "x y", "%", "é", "a@b", "a:b", ".", ".."}
	for _, typ := range []string{"npm", "golang", "pypi", "cargo"} {
		for _, ns := range parts {
			for _, name := range parts {
				for _, v := range parts {
					got, ok := fast(typ, ns, name, v)
					if !ok {
						continue
					}
					want := packageurl.NewPackageURL(typ, ns, name, v, nil, "").ToString()
					if got != want {
						t.Errorf("fast(%q, %q, %q, %q) = %q, library gives %q", typ, ns, name, v, got, want)
					}
				}
			}
		}
	}
}
