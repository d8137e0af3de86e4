package requirements

import (
	"bytes"
	"errors"
	"log/slog"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-sec/vigil/internal/inventory"
)

func pkg(name, version, purl, path string, line int) inventory.Package {
	return inventory.Package{
		Name: name, Version: version, Ecosystem: "PyPI", PURL: purl,
		Locations:    []inventory.Location{{Path: path, Line: line}},
		Relationship: inventory.RelDirect, Extractor: Name,
	}
}

func TestExtract(t *testing.T) {
	crypto := pkg("cryptography", "41.0.5", "pkg:pypi/cryptography@41.0.5", "requirements.txt", 14)
	crypto.Hashes = map[string]string{"sha256": "abcdef0123"}
	want := []inventory.Package{
		pkg("Django", "4.2.7", "pkg:pypi/django@4.2.7", "requirements.txt", 7),
		pkg("PyYAML", "6.0.1", "pkg:pypi/pyyaml@6.0.1", "requirements/extra.txt", 2),
		crypto,
		pkg("requests", "2.31.0", "pkg:pypi/requests@2.31.0", "requirements.txt", 8),
		pkg("typing_extensions", "4.8.0", "pkg:pypi/typing-extensions@4.8.0", "requirements/base.txt", 2),
		pkg("urllib3", "2.0.7", "pkg:pypi/urllib3@2.0.7", "requirements.txt", 9),
		pkg("zope.interface", "6.1", "pkg:pypi/zope-interface@6.1", "requirements.txt", 20),
	}
	var logs bytes.Buffer
	ex := New(Options{Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	got, err := inventory.ExtractFile(t.Context(), os.DirFS("testdata"), "requirements.txt", nil, ex, inventory.DefaultMaxFileSize)
	if err != nil {
		t.Fatalf("Extract: %v", err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Extract mismatch (-want +got):\n%s", diff)
	}
	// Unpinned lines and unreadable includes are reported, not fatal.
	for _, s := range []string{
		`msg="skip requirement" path=requirements.txt line=10 reason="not pinned with =="`,
		`line=12 reason="not pinned with =="`,
		`line=13 reason="not pinned with =="`,
		`line=18 reason="URL or path requirement"`,
		`msg="skip include" path=requirements/base.txt line=3 include=requirements/missing.txt`,
		`include=../outside.txt err="include \"../outside.txt\" is outside the scanned tree"`,
	} {
		if !strings.Contains(logs.String(), s) {
			t.Errorf("log lacks %q; log:\n%s", s, logs.String())
		}
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []Requirement
		inc  []Include
	}{
		{"pinned", "a==1.0\n", []Requirement{{Name: "a", Version: "1.0", Specifier: "==1.0", Line: 1}}, nil},
		{"arbitrary equality", "a===1.0-custom\n", []Requirement{{Name: "a", Version: "1.0-custom", Specifier: "===1.0-custom", Line: 1}}, nil},
		{"legacy parens", "a (==1.0)\n", []Requirement{{Name: "a", Version: "1.0", Specifier: "==1.0", Line: 1}}, nil},
		{"continuation keeps first line", "\n\\\na==\\\n2.0\n", []Requirement{{Name: "a", Version: "2.0", Specifier: "==2.0", Line: 2}}, nil},
		{"comment only after space", "a==1.0#x\nb==2.0 #c\n", []Requirement{{Name: "a", Version: "1.0#x", Specifier: "==1.0#x", Line: 1}, {Name: "b", Version: "2.0", Specifier: "==2.0", Line: 2}}, nil},
		{"includes", "-r a.txt\n-rb.txt\n--requirement c.txt\n-c d.txt\n", nil, []Include{{"a.txt", 1}, {"b.txt", 2}, {"c.txt", 3}}},
		{"env var version", "a==${V}\n", nil, nil},
		{"bad names", "-a==1\n_a==1\na-==1\n", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Parse("r.txt", strings.NewReader(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, f.Requirements); diff != "" {
				t.Errorf("requirements mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.inc, f.Includes); diff != "" {
				t.Errorf("includes mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseTooLongLine(t *testing.T) {
	_, err := Parse("r.txt", strings.NewReader("x==1.0 "+strings.Repeat("y", MaxLineLen+1)+"\n"))
	var pe *inventory.ParseError
	if !errors.As(err, &pe) || pe.Line != 1 || pe.Path != "r.txt" {
		t.Errorf("Parse(long line) error = %v, want *ParseError at line 1", err)
	}
}

func TestMatch(t *testing.T) {
	tests := map[string]bool{
		"requirements.txt":          true,
		"requirements-dev.txt":      true,
		"dev-requirements.txt":      true,
		"a/requirements.txt":        true,
		"requirements/base.txt":     true,
		"a/requirements/prod.txt":   true,
		"notes.txt":                 false,
		"requirements.in":           false,
		"requirements/sub/deep.txt": false,
	}
	for p, want := range tests {
		if got := New(Options{}).Match(p, nil); got != want {
			t.Errorf("Match(%q) = %v, want %v", p, got, want)
		}
	}
}
