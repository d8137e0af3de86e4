package osv

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestParseValid(t *testing.T) {
	tests := []struct {
		file string
		want *Vulnerability
	}{
		{
			file: "pypi-versions.json",
			want: &Vulnerability{
				ID:        "PYSEC-2099-1",
				Modified:  time.Date(2024, 3, 1, 10, 0, 0, 0, time.UTC),
				Published: time.Date(2024, 2, 1, 10, 0, 0, 0, time.UTC),
				Aliases:   []string{"CVE-2099-0001", "GHSA-aaaa-bbbb-cccc"},
				Summary:   "Example flaw in Example_Pkg",
				Details:   "A crafted request crashes the parser.",
				Affected: []Affected{{
					Package:  Package{Ecosystem: "PyPI", Name: "Example_Pkg", PURL: "pkg:pypi/example-pkg"},
					Ranges:   []Range{{Type: RangeEcosystem, Events: []Event{{Introduced: "0"}, {Fixed: "1.2.3"}}}},
					Versions: []string{"1.0", "1.2.2"},
				}},
				References: []Reference{{Type: "WEB", URL: "https://example.org/pysec-2099-1"}},
			},
		},
		{
			file: "git-last-affected.json",
			want: &Vulnerability{
				ID:        "OSV-2099-3",
				Withdrawn: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC),
				Affected: []Affected{
					{
						Package: Package{Ecosystem: "OSS-Fuzz", Name: "libfoo"},
						Ranges: []Range{
							{Type: RangeGit, Repo: "https://example.org/libfoo.git", Events: []Event{{Introduced: "0123456789abcdef0123456789abcdef01234567"}, {Limit: "*"}}},
							{Type: RangeSemver, Events: []Event{{Introduced: "0"}, {LastAffected: "2.0.0"}}},
						},
					},
					{Ranges: []Range{{Type: RangeGit, Repo: "https://example.org/other.git", Events: []Event{{Introduced: "0"}}}}},
				},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", "valid", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			got, err := Parse(data)
			if err != nil {
				t.Fatalf("Parse(%q) error: %v", tt.file, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Parse(%q) mismatch (-want +got):\n%s", tt.file, diff)
			}
		})
	}
}

func TestParseInvalid(t *testing.T) {
	tests := []struct {
		file      string
		wantField string // "" when the error is not a *ValidationError
		wantText  string
	}{
		{"missing-id.json", "id", "missing"},
		{"missing-modified.json", "modified", "missing"},
		{"bad-modified.json", "", "decode json"},
		{"unknown-range-type.json", "affected[0].ranges[0].type", `unknown range type "CALVER"`},
		{"event-without-version.json", "affected[0].ranges[0].events[1]", "no version"},
		{"truncated.json", "", "decode json"},
		{"fixed-and-last-affected.json", "affected[0].ranges[0].events", "both fixed and last_affected"},
		{"git-without-repo.json", "affected[0].ranges[0].repo", "missing for a GIT range"},
		{"nul-in-name.json", "affected[0].package.name", "control character"},
		{"not-an-object.json", "", "decode json"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", "invalid", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			v, err := Parse(data)
			if err == nil {
				t.Fatalf("Parse(%q) = %+v, want error", tt.file, v)
			}
			if !strings.Contains(err.Error(), tt.wantText) {
				t.Errorf("Parse(%q) error %q, want it to contain %q", tt.file, err, tt.wantText)
			}
			var ve *ValidationError
			if got := errors.As(err, &ve); got != (tt.wantField != "") {
				t.Fatalf("Parse(%q) error %v: ValidationError %v, want %v", tt.file, err, got, tt.wantField != "")
			}
			if ve != nil && ve.Field != tt.wantField {
				t.Errorf("Parse(%q) field %q, want %q", tt.file, ve.Field, tt.wantField)
			}
		})
	}
}

func TestParseTooLarge(t *testing.T) {
	data := make([]byte, MaxRecordSize+1)
	if _, err := Parse(data); !errors.Is(err, ErrTooLarge) {
		t.Errorf("Parse(%d bytes) error %v, want ErrTooLarge", len(data), err)
	}
}

// TestParseRoundTrip checks that what Parse accepts re-encodes to a record
// Parse accepts again with the same content.
func TestParseRoundTrip(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("testdata", "valid", "*.json"))
	if len(files) == 0 {
		t.Fatal("no fixtures")
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		v, err := Parse(data)
		if err != nil {
			t.Fatalf("Parse(%q): %v", f, err)
		}
		again, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		v2, err := Parse(again)
		if err != nil {
			t.Fatalf("Parse(Marshal(%q)): %v", f, err)
		}
		if diff := cmp.Diff(v, v2); diff != "" {
			t.Errorf("round trip of %q (-first +second):\n%s", f, diff)
		}
	}
}
