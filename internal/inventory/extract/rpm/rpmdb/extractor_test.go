package rpmdb

import (
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/vigil-sec/vigil/internal/inventory"
)

// The fixture databases were made with Debian's rpm 4.18 from the spec
// files in testdata (see testdata/README.md).
func TestExtract(t *testing.T) {
	tests := []struct {
		name string
		root string
		path string
		want []inventory.Package
	}{
		{
			name: "sqlite",
			root: "testdata/sqlite",
			path: "var/lib/rpm/rpmdb.sqlite",
			want: []inventory.Package{
				{Name: "vigil-other", Version: "0.9-1", Ecosystem: "Red Hat", SourceName: "vigil-other", SourceVersion: "0.9-1",
					PURL: "pkg:rpm/redhat/vigil-other@0.9-1?arch=noarch&upstream=vigil-other-0.9-1.src.rpm", Licenses: []string{"Apache-2.0"}},
				{Name: "vigil-tiny", Version: "2:1.2.3-4.el9", Ecosystem: "Red Hat", SourceName: "vigil-tiny", SourceVersion: "2:1.2.3-4.el9",
					PURL: "pkg:rpm/redhat/vigil-tiny@1.2.3-4.el9?arch=noarch&epoch=2&upstream=vigil-tiny-1.2.3-4.el9.src.rpm", Licenses: []string{"MIT"}},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := os.DirFS(tt.root)
			ex := New()
			if !ex.Match(tt.path, nil) {
				t.Fatalf("Match(%q) = false", tt.path)
			}
			got, err := inventory.ExtractFile(t.Context(), fsys, tt.path, nil, ex, inventory.DefaultMaxFileSize)
			if err != nil {
				t.Fatal(err)
			}
			for i := range tt.want {
				tt.want[i].Locations = []inventory.Location{{Path: tt.path}}
				tt.want[i].Extractor = Name
			}
			inventory.Sort(got)
			if diff := cmp.Diff(tt.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("Extract mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestExtractGarbage(t *testing.T) {
	fsys := os.DirFS("testdata")
	_, err := inventory.ExtractFile(t.Context(), fsys, "tiny.spec", nil, New(), inventory.DefaultMaxFileSize)
	if err == nil {
		t.Fatal("Extract(not a database) succeeded")
	}
}

func TestSplitSourceRPM(t *testing.T) {
	tests := []struct{ in, name, vr string }{
		{"bash-5.1.8-6.el9.src.rpm", "bash", "5.1.8-6.el9"},
		{"python3-pip-21.3.1-1.fc36.src.rpm", "python3-pip", "21.3.1-1.fc36"},
		{"bad.src.rpm", "", ""},
		{"", "", ""},
	}
	for _, tt := range tests {
		n, v := SplitSourceRPM(tt.in)
		if n != tt.name || v != tt.vr {
			t.Errorf("SplitSourceRPM(%q) = %q, %q; want %q, %q", tt.in, n, v, tt.name, tt.vr)
		}
	}
}

func TestMatch(t *testing.T) {
	for p, want := range map[string]bool{
		"var/lib/rpm/Packages":              true,
		"var/lib/rpm/Packages.db":           true,
		"var/lib/rpm/rpmdb.sqlite":          true,
		"usr/lib/sysimage/rpm/rpmdb.sqlite": true,
		"srv/x/var/lib/rpm/Packages":        true,
		"var/lib/rpm/Basenames":             false,
		"Packages":                          false,
	} {
		if got := New().Match(p, nil); got != want {
			t.Errorf("Match(%q) = %v, want %v", p, got, want)
		}
	}
}
