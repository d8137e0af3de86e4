package version

import (
	"errors"
	"strings"
	"testing"
)

func TestForEcosystem(t *testing.T) {
	tests := []struct {
		eco     string
		want    string
		wantErr error
	}{
		{eco: "npm", want: "semver"},
		{eco: "Go", want: "go"},
		{eco: "PyPI", want: "pep440"},
		{eco: "Debian:12", want: "debian"},
		{eco: "Ubuntu:22.04:LTS", want: "debian"},
		{eco: "Alpine:v3.20", want: "alpine"},
		{eco: "Red Hat:enterprise_linux:9::appstream", want: "rpm"},
		{eco: "Maven", want: "maven"},
		{eco: "pypi", wantErr: ErrUnknownEcosystem},
		{eco: "", wantErr: ErrUnknownEcosystem},
		{eco: "GIT", wantErr: ErrUnknownEcosystem},
	}
	for _, tt := range tests {
		t.Run(tt.eco, func(t *testing.T) {
			s, err := ForEcosystem(tt.eco)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("ForEcosystem(%q) error = %v, want %v", tt.eco, err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if s.Name() != tt.want {
				t.Errorf("ForEcosystem(%q).Name() = %q, want %q", tt.eco, s.Name(), tt.want)
			}
		})
	}
}

func TestParseLimits(t *testing.T) {
	for _, s := range Schemes() {
		t.Run(s.Name(), func(t *testing.T) {
			for _, in := range []string{"", strings.Repeat("1", MaxLen+1)} {
				if _, err := s.Parse(in); !errors.Is(err, ErrInvalid) {
					t.Errorf("Parse(%.20q...) error = %v, want ErrInvalid", in, err)
				}
			}
			v, err := s.Parse("1.2.3")
			if err != nil {
				t.Fatalf("Parse(1.2.3): %v", err)
			}
			if v.String() != "1.2.3" {
				t.Errorf("String() = %q, want %q", v.String(), "1.2.3")
			}
			if _, err := v.Compare(""); !errors.Is(err, ErrInvalid) {
				t.Errorf("Compare(\"\") error = %v, want ErrInvalid", err)
			}
		})
	}
}

func TestInvalid(t *testing.T) {
	tests := []struct{ eco, in string }{
		{"Debian", "1.0:x"},
		{"Debian", "a:1.0"},
	}
	for _, tt := range tests {
		if _, err := Compare(tt.eco, "1.0", tt.in); !errors.Is(err, ErrInvalid) {
			t.Errorf("Compare(%q, 1.0, %q) error = %v, want ErrInvalid", tt.eco, tt.in, err)
		}
	}
}

func TestCompareVersions(t *testing.T) {
	a, err := PEP440.Parse("1.0a1")
	if err != nil {
		t.Fatal(err)
	}
	b, err := PEP440.Parse("1.0")
	if err != nil {
		t.Fatal(err)
	}
	c, err := SemVer.Parse("1.0.0")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		x, y Version
		want int
	}{
		{"same scheme less", a, b, -1},
		{"same scheme greater", b, a, 1},
		{"same scheme equal", b, b, 0},
		{"other scheme falls back to Compare(String())", c, b, 0},
	}
	for _, tt := range tests {
		got, err := CompareVersions(tt.x, tt.y)
		if err != nil || got != tt.want {
			t.Errorf("%s: CompareVersions(%v, %v) = %d, %v; want %d", tt.name, tt.x, tt.y, got, err, tt.want)
		}
	}
}
