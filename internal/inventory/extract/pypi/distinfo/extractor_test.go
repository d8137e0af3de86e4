package distinfo

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-sec/vigil/internal/inventory"
)

func TestMatch(t *testing.T) {
	for p, want := range map[string]bool{
		"usr/lib/python3/dist-packages/requests-2.31.0.dist-info/METADATA": true,
		"usr/lib/python3/dist-packages/six-1.16.0.egg-info/PKG-INFO":       true,
		"usr/lib/python3/dist-packages/distro-1.8.0.egg-info":              true,
		"src/foo.egg-info": false,
		"usr/lib/python3/dist-packages/requests-2.31.0.dist-info/RECORD": false,
	} {
		if got := New().Match(p, nil); got != want {
			t.Errorf("Match(%q) = %v, want %v", p, got, want)
		}
	}
}

func TestExtract(t *testing.T) {
	const p = "site-packages/Flask_Login-0.6.3.dist-info/METADATA"
	body := "Metadata-Version: 2.1\nName: Flask_Login\nVersion: 0.6.3\nSummary: x\n  continued\nLicense: MIT\n\nLong: description: not a header\n"
	got, err := inventory.Run(t.Context(), New(), &inventory.Input{Path: p, Reader: strings.NewReader(body)})
	if err != nil {
		t.Fatal(err)
	}
	want := []inventory.Package{{Name: "Flask_Login", Version: "0.6.3", Ecosystem: "PyPI", PURL: "pkg:pypi/flask-login@0.6.3",
		Locations: []inventory.Location{{Path: p}}, Licenses: []string{"MIT"}, Extractor: Name}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
	for _, bad := range []string{"Name: x\n", "garbage line\n"} {
		if _, err := inventory.Run(t.Context(), New(), &inventory.Input{Path: p, Reader: strings.NewReader(bad)}); err == nil {
			t.Errorf("Extract(%q) succeeded", bad)
		}
	}
}
