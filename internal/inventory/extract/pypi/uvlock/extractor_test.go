package uvlock

import (
	"testing"

	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/testutil"
)

func loc(path string, line int) []inventory.Location {
	return []inventory.Location{{Path: path, Line: line}}
}

func TestExtract(t *testing.T) {
	const ws, virt = "workspace.lock", "virtual.lock"
	testutil.CheckExtract(t, New(), "PyPI", []testutil.ExtractCase{
		{
			Name: "editable root and member skipped, dev-only direct, forked versions",
			Path: ws,
			Want: []inventory.Package{
				{Name: "Charset_Normalizer", Version: "3.3.2", PURL: "pkg:pypi/charset-normalizer@3.3.2", Locations: loc(ws, 30), Relationship: inventory.RelTransitive},
				{Name: "pytest", Version: "7.4.3", PURL: "pkg:pypi/pytest@7.4.3", Locations: loc(ws, 55), Relationship: inventory.RelDirect, Dev: true},
				{Name: "requests", Version: "2.31.0", PURL: "pkg:pypi/requests@2.31.0", Locations: loc(ws, 36), Relationship: inventory.RelDirect,
					DependsOn: []string{"pkg:pypi/charset-normalizer@3.3.2", "pkg:pypi/urllib3@2.0.7"}},
				{Name: "urllib3", Version: "1.26.18", PURL: "pkg:pypi/urllib3@1.26.18", Locations: loc(ws, 45), Relationship: inventory.RelTransitive},
				{Name: "urllib3", Version: "2.0.7", PURL: "pkg:pypi/urllib3@2.0.7", Locations: loc(ws, 50), Relationship: inventory.RelTransitive},
			},
		},
		{
			Name: "virtual root skipped, git source kept",
			Path: virt,
			Want: []inventory.Package{
				{Name: "six", Version: "1.16.0", PURL: "pkg:pypi/six@1.16.0", Locations: loc(virt, 10), Relationship: inventory.RelDirect},
			},
		},
	})
}

func TestExtractMalformed(t *testing.T) {
	testutil.CheckParseErrorLines(t, New(), map[string]int{
		"malformed/bad-header.lock": 3, // the decoder points past the newline,
		"malformed/deep.lock":       4,
	})
}

func TestMatch(t *testing.T) {
	tests := map[string]bool{"uv.lock": true, "a/uv.lock": true, "uv.lock.bak": false, "xuv.lock": false}
	for p, want := range tests {
		if got := New().Match(p, nil); got != want {
			t.Errorf("Match(%q) = %v, want %v", p, got, want)
		}
	}
}
