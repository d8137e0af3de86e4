package dpkg

import (
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/vigil-sec/vigil/internal/inventory"
)

func TestExtract(t *testing.T) {
	tests := []struct {
		name string
		root string
		path string
		want []inventory.Package
	}{
		{
			name: "status with Source forms, removed package skipped, ubuntu from os-release",
			root: "testdata/rootfs",
			path: "var/lib/dpkg/status",
			want: []inventory.Package{
				{Name: "bash", Version: "5.2.15-2+b2", Ecosystem: "Ubuntu:22.04:LTS", Locations: loc(24), SourceName: "bash", SourceVersion: "5.2.15-2+b2",
					PURL: "pkg:deb/ubuntu/bash@5.2.15-2%2Bb2?arch=amd64&distro=ubuntu-22.04"},
				{Name: "libc6", Version: "2.36-9+deb12u4", Ecosystem: "Ubuntu:22.04:LTS", Locations: loc(1), SourceName: "glibc", SourceVersion: "2.36-9+deb12u4",
					PURL: "pkg:deb/ubuntu/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=ubuntu-22.04&upstream=glibc"},
				{Name: "libssl3", Version: "3.0.11-1~deb12u2+b1", Ecosystem: "Ubuntu:22.04:LTS", Locations: loc(12), SourceName: "openssl", SourceVersion: "3.0.11-1~deb12u2",
					PURL: "pkg:deb/ubuntu/libssl3@3.0.11-1~deb12u2%2Bb1?arch=amd64&distro=ubuntu-22.04&upstream=openssl%403.0.11-1~deb12u2"},
			},
		},
		{
			name: "distroless status.d, no os-release",
			root: "testdata/distroless",
			path: "var/lib/dpkg/status.d/base-files",
			want: []inventory.Package{
				{Name: "base-files", Version: "12.4+deb12u5", Ecosystem: "Debian", Locations: loc(1), SourceName: "base-files", SourceVersion: "12.4+deb12u5",
					PURL: "pkg:deb/debian/base-files@12.4%2Bdeb12u5?arch=amd64"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ex := New()
			if !ex.Match(tt.path, nil) {
				t.Fatalf("Match(%q) = false", tt.path)
			}
			got, err := inventory.ExtractFile(t.Context(), os.DirFS(tt.root), tt.path, nil, ex, inventory.DefaultMaxFileSize)
			if err != nil {
				t.Fatal(err)
			}
			for i := range tt.want {
				tt.want[i].Locations[0].Path = tt.path
				tt.want[i].Extractor = Name
			}
			inventory.Sort(got)
			if diff := cmp.Diff(tt.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("Extract mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestMatch(t *testing.T) {
	for p, want := range map[string]bool{
		"var/lib/dpkg/status":                     true,
		"chroot/var/lib/dpkg/status":              true,
		"var/lib/dpkg/status.d/libc6":             true,
		"var/lib/dpkg/status.d/libc6.md5sums":     false,
		"var/lib/dpkg/status-old":                 false,
		"var/lib/dpkg/info/libc6.list":            false,
		"usr/share/doc/dpkg/var/lib/dpkg/status2": false,
	} {
		if got := New().Match(p, nil); got != want {
			t.Errorf("Match(%q) = %v, want %v", p, got, want)
		}
	}
}

func TestParseMalformed(t *testing.T) {
	for _, name := range []string{"nocolon", "continuation"} {
		t.Run(name, func(t *testing.T) {
			_, err := inventory.ExtractFile(t.Context(), os.DirFS("testdata/malformed"), name, nil, New(), 1<<20)
			var pe *inventory.ParseError
			if err == nil || !asParseError(err, &pe) || pe.Path != name {
				t.Fatalf("Extract(%s) error = %v, want a *ParseError naming the file", name, err)
			}
		})
	}
}

func loc(line int) []inventory.Location { return []inventory.Location{{Line: line}} }
