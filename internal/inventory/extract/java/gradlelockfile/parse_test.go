package gradlelockfile

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-sec/vigil/internal/inventory"
)

func TestParse(t *testing.T) {
	pkg := func(file string, line int, group, artifact, version string, dev bool) inventory.Package {
		return inventory.Package{
			Name: group + ":" + artifact, Version: version, Ecosystem: Ecosystem,
			PURL:      "pkg:maven/" + group + "/" + artifact + "@" + version,
			Locations: []inventory.Location{{Path: file, Line: line}},
			Dev:       dev,
		}
	}
	const app = "testdata/gradle7-app.lockfile"
	tests := []struct {
		file string
		want []inventory.Package
	}{
		{
			file: app,
			want: []inventory.Package{
				pkg(app, 4, "com.fasterxml.jackson.core", "jackson-annotations", "2.17.1", false),
				pkg(app, 5, "com.fasterxml.jackson.core", "jackson-core", "2.17.1", false),
				pkg(app, 6, "com.google.guava", "guava", "33.2.1-jre", false),
				pkg(app, 7, "junit", "junit", "4.13.2", true),
				pkg(app, 8, "org.apache.logging.log4j", "log4j-core", "2.14.1", false),
				pkg(app, 9, "org.hamcrest", "hamcrest-core", "1.3", true),
			},
		},
		{file: "testdata/empty.lockfile", want: []inventory.Package{}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			f, err := os.Open(tt.file)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			got, err := Parse(f, tt.file)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.file, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Parse(%q) mismatch (-want +got):\n%s", tt.file, diff)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		file     string
		wantLine int
		wantPkgs int // packages still reported from the good lines
	}{
		{"malformed.lockfile", 3, 1},
		{"long-line.lockfile", 1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			f, err := os.Open(filepath.Join("testdata", "malformed", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			pkgs, err := Parse(f, tt.file)
			if len(pkgs) != tt.wantPkgs {
				t.Errorf("Parse(%q) returned %d packages, want %d", tt.file, len(pkgs), tt.wantPkgs)
			}
			var pe *inventory.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("Parse(%q) error = %v, want *inventory.ParseError", tt.file, err)
			}
			if pe.Path != tt.file || pe.Line != tt.wantLine {
				t.Errorf("Parse(%q) error at %s:%d, want %s:%d (%v)", tt.file, pe.Path, pe.Line, tt.file, tt.wantLine, err)
			}
		})
	}
}

func TestTestOnly(t *testing.T) {
	tests := []struct {
		confs string
		want  bool
	}{
		{"testCompileClasspath,testRuntimeClasspath", true},
		{"compileClasspath,testRuntimeClasspath", false},
		{"androidTestRuntimeClasspath", true},
		{"runtimeClasspath", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := testOnly(tt.confs); got != tt.want {
			t.Errorf("testOnly(%q) = %v, want %v", tt.confs, got, tt.want)
		}
	}
}

func TestExtractorMatch(t *testing.T) {
	e := New()
	for path, want := range map[string]bool{
		"gradle.lockfile": true, "app/gradle.lockfile": true, "buildscript-gradle.lockfile": true, "build.gradle": false,
	} {
		if got := e.Match(path, nil); got != want {
			t.Errorf("Match(%q) = %v, want %v", path, got, want)
		}
	}
}
