package uvlock

import (
	"errors"
	"io/fs"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-sec/vigil/internal/inventory"
)

func loc(path string, line int) []inventory.Location {
	return []inventory.Location{{Path: path, Line: line}}
}

func TestExtract(t *testing.T) {
	const ws, virt = "workspace.lock", "virtual.lock"
	tests := []struct {
		name string
		path string
		want []inventory.Package
	}{
		{
			name: "editable root and member skipped, dev-only direct, forked versions",
			path: ws,
			want: []inventory.Package{
				{Name: "Charset_Normalizer", Version: "3.3.2", PURL: "pkg:pypi/charset-normalizer@3.3.2", Locations: loc(ws, 30), Relationship: inventory.RelTransitive},
				{Name: "pytest", Version: "7.4.3", PURL: "pkg:pypi/pytest@7.4.3", Locations: loc(ws, 55), Relationship: inventory.RelDirect, Dev: true},
				{Name: "requests", Version: "2.31.0", PURL: "pkg:pypi/requests@2.31.0", Locations: loc(ws, 36), Relationship: inventory.RelDirect,
					DependsOn: []string{"pkg:pypi/charset-normalizer@3.3.2", "pkg:pypi/urllib3@2.0.7"}},
				{Name: "urllib3", Version: "1.26.18", PURL: "pkg:pypi/urllib3@1.26.18", Locations: loc(ws, 45), Relationship: inventory.RelTransitive},
				{Name: "urllib3", Version: "2.0.7", PURL: "pkg:pypi/urllib3@2.0.7", Locations: loc(ws, 50), Relationship: inventory.RelTransitive},
			},
		},
		{
			name: "virtual root skipped, git source kept",
			path: virt,
			want: []inventory.Package{
				{Name: "six", Version: "1.16.0", PURL: "pkg:pypi/six@1.16.0", Locations: loc(virt, 10), Relationship: inventory.RelDirect},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := extract(t, os.DirFS("testdata"), tt.path)
			if err != nil {
				t.Fatalf("Extract(%q): %v", tt.path, err)
			}
			for i := range tt.want {
				tt.want[i].Ecosystem, tt.want[i].Extractor = "PyPI", Name
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Extract(%q) mismatch (-want +got):\n%s", tt.path, diff)
			}
		})
	}
}

func TestExtractMalformed(t *testing.T) {
	tests := []struct {
		path     string
		wantLine int
	}{
		{"malformed/bad-header.lock", 3}, // the decoder points past the newline,
		{"malformed/deep.lock", 4},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			_, err := extract(t, os.DirFS("testdata"), tt.path)
			var pe *inventory.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("Extract(%q) error = %v, want *ParseError", tt.path, err)
			}
			if pe.Path != tt.path || pe.Line != tt.wantLine {
				t.Errorf("Extract(%q) error %q at line %d, want line %d", tt.path, err, pe.Line, tt.wantLine)
			}
		})
	}
}

func TestMatch(t *testing.T) {
	tests := map[string]bool{"uv.lock": true, "a/uv.lock": true, "uv.lock.bak": false, "xuv.lock": false}
	for p, want := range tests {
		if got := New().Match(p, nil); got != want {
			t.Errorf("Match(%q) = %v, want %v", p, got, want)
		}
	}
}

func extract(t *testing.T, fsys fs.FS, path string) ([]inventory.Package, error) {
	t.Helper()
	return inventory.ExtractFile(t.Context(), fsys, path, nil, New(), inventory.DefaultMaxFileSize)
}
