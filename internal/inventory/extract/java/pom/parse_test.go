package pom

import (
	"bytes"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-sec/vigil/internal/inventory"
)

func dep(file string, line int, group, artifact, version string, dev bool) inventory.Package {
	return inventory.Package{
		Name: group + ":" + artifact, Version: version, Ecosystem: Ecosystem,
		PURL:         "pkg:maven/" + group + "/" + artifact + "@" + version,
		Locations:    []inventory.Location{{Path: file, Line: line}},
		Relationship: inventory.RelDirect,
		Dev:          dev,
	}
}

func TestParse(t *testing.T) {
	const (
		app      = "testdata/spring-app.xml"
		profiles = "testdata/profiles.xml"
		latin1   = "testdata/latin1.xml"
		cycle    = "testdata/cycle.xml"
	)
	tests := []struct {
		file        string
		want        []inventory.Package
		wantSkipped []string // artifactIds logged as skipped
	}{
		{
			file: app,
			want: []inventory.Package{
				dep(app, 66, "com.acme", "acme-bom-lib", "2.3.0", false),
				dep(app, 61, "com.acme", "acme-model", "1.4.0-SNAPSHOT", false),
				dep(app, 51, "com.fasterxml.jackson.core", "jackson-databind", "2.15.2", false),
				dep(app, 55, "org.apache.logging.log4j", "log4j-core", "2.14.1", false),
				dep(app, 94, "org.junit.jupiter", "junit-jupiter", "5.10.1", true),
				dep(app, 98, "org.mockito", "mockito-core", "5.8.0", true),
				dep(app, 88, "org.yaml", "snakeyaml", "1.33", false),
			},
			wantSkipped: []string{"spring-boot-starter-web", "commons-io", "guava"},
		},
		{
			file: profiles,
			want: []inventory.Package{
				dep(profiles, 13, "io.netty", "netty-handler", "4.1.100.Final", false),
				dep(profiles, 39, "org.postgresql", "postgresql", "42.5.0", false),
			},
		},
		{
			file: latin1,
			want: []inventory.Package{dep(latin1, 8, "org.slf4j", "slf4j-api", "2.0.9", false)},
		},
		{
			file:        cycle,
			want:        []inventory.Package{dep(cycle, 22, "g", "ok", "1.0", false)},
			wantSkipped: []string{"cyclic", "bomb"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			f, err := os.Open(tt.file)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			var logs bytes.Buffer
			log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
			got, err := Parse(f, tt.file, log)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.file, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Parse(%q) mismatch (-want +got):\n%s", tt.file, diff)
			}
			lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
			if logs.Len() == 0 {
				lines = nil
			}
			if len(lines) != len(tt.wantSkipped) {
				t.Fatalf("Parse(%q) logged %d skips, want %d:\n%s", tt.file, len(lines), len(tt.wantSkipped), logs.String())
			}
			for i, a := range tt.wantSkipped {
				if !strings.Contains(lines[i], "skip dependency") || !strings.Contains(lines[i], ":"+a) {
					t.Errorf("log line %d = %q, want a skip of %s", i, lines[i], a)
				}
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		file     string
		wantLine int
		wantErr  error
	}{
		{file: "entities.xml", wantLine: 2, wantErr: ErrEntityDeclaration},
		{file: "mismatched.xml", wantLine: 5},
		{file: "truncated.xml", wantLine: 4},
		{file: "not-pom.xml", wantLine: 2},
		{file: "deep.xml", wantLine: 2},
		{file: "bad-encoding.xml", wantLine: 1},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			f, err := os.Open(filepath.Join("testdata", "malformed", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			_, err = Parse(f, tt.file, nil)
			var pe *inventory.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("Parse(%q) error = %v, want *inventory.ParseError", tt.file, err)
			}
			if pe.Path != tt.file || pe.Line != tt.wantLine {
				t.Errorf("Parse(%q) error at %s:%d, want %s:%d (%v)", tt.file, pe.Path, pe.Line, tt.file, tt.wantLine, err)
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("Parse(%q) error = %v, want %v", tt.file, err, tt.wantErr)
			}
		})
	}
}

func TestExactVersion(t *testing.T) {
	tests := []struct {
		in   string
		want string
		ok   bool
	}{
		{"1.2.3", "1.2.3", true},
		{" [1.2.3] ", "1.2.3", true},
		{"[1.0,2.0)", "", false},
		{"(,1.0]", "", false},
		{"[1.0],[1.2]", "", false},
		{"", "", false},
		{"${x}", "", false},
	}
	for _, tt := range tests {
		got, ok := exactVersion(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("exactVersion(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestExtractorMatch(t *testing.T) {
	e := New(Options{})
	for path, want := range map[string]bool{
		"pom.xml": true, "module/pom.xml": true, "pom.xml.bak": false, "build.gradle": false,
	} {
		if got := e.Match(path, nil); got != want {
			t.Errorf("Match(%q) = %v, want %v", path, got, want)
		}
	}
}

func TestParseTooLarge(t *testing.T) {
	const limit = 1 << 10
	in := strings.NewReader("<project><!--" + strings.Repeat("x", limit) + "--></project>")
	_, err := parse(in, "pom.xml", nil, limit)
	if !errors.Is(err, inventory.ErrTooLarge) {
		t.Errorf("Parse(%d bytes) error = %v, want %v", in.Size(), err, inventory.ErrTooLarge)
	}
}
