package gemspec

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    Spec
		wantErr string // substring; "" means no error
	}{
		{
			name: "rubygems 3 with freeze",
			in:   "# stub: uri 0.12.2 ruby lib\n\nGem::Specification.new do |s|\n  s.name = \"uri\".freeze\n  s.version = \"0.12.2\"\n  s.licenses = [\"Ruby\".freeze, \"BSD-2-Clause\".freeze]\nend\n",
			want: Spec{Name: "uri", Version: "0.12.2", Platform: "ruby", Licenses: []string{"Ruby", "BSD-2-Clause"}, Line: 4},
		},
		{
			name: "old rubygems without freeze, license singular",
			in:   "Gem::Specification.new do |s|\n  s.name = \"json\"\n  s.version = \"1.8.1\"\n  s.license = \"Ruby\"\nend\n",
			want: Spec{Name: "json", Version: "1.8.1", Platform: "ruby", Licenses: []string{"Ruby"}, Line: 2},
		},
		{
			name: "brace block, other variable, single quotes, comment",
			in:   "Gem::Specification.new { |spec|\n  spec.name    = 'net-imap' # the name\n  spec.version = '0.3.4.1'.freeze\n}\n",
			want: Spec{Name: "net-imap", Version: "0.3.4.1", Platform: "ruby", Line: 2},
		},
		{
			name: "platform from s.platform",
			in:   "# stub: ffi 1.16.3 x86_64-linux-gnu lib\nGem::Specification.new do |s|\n  s.name = \"ffi\".freeze\n  s.version = \"1.16.3\"\n  s.platform = \"x86_64-linux\".freeze\nend\n",
			want: Spec{Name: "ffi", Version: "1.16.3", Platform: "x86_64-linux", Line: 3},
		},
		{
			name: "platform from stub",
			in:   "# stub: ffi 1.16.3 java lib\nGem::Specification.new do |s|\n  s.name = \"ffi\".freeze\n  s.version = \"1.16.3\"\nend\n",
			want: Spec{Name: "ffi", Version: "1.16.3", Platform: "java", Line: 3},
		},
		{
			name: "escapes",
			in:   "Gem::Specification.new do |s|\n  s.name = \"a\\u00E9b\".freeze\n  s.version = \"1\\x2E0\"\nend\n",
			want: Spec{Name: "aéb", Version: "1.0", Platform: "ruby", Line: 2},
		},
		{
			name: "a comparison is not an assignment; s.name later wins",
			in:   "Gem::Specification.new do |s|\n  s.name == \"x\"\n  s.name = \"y\"\n  s.version = \"2\"\nend\n",
			want: Spec{Name: "y", Version: "2", Platform: "ruby", Line: 3},
		},
		{
			name: "attributes of another receiver are ignored",
			in:   "Gem::Specification.new do |s|\n  other.name = \"x\"\n  s.name = \"y\"\n  s.version = \"2\"\nend\n",
			want: Spec{Name: "y", Version: "2", Platform: "ruby", Line: 3},
		},
		{
			name: "non-literal version falls back to the stub",
			in:   "# stub: foo 1.2.3 ruby lib\nGem::Specification.new do |s|\n  s.name = \"foo\"\n  s.version = Foo::VERSION\nend\n",
			want: Spec{Name: "foo", Version: "1.2.3", Platform: "ruby", Line: 1},
		},
		{
			name:    "non-literal version without a stub",
			in:      "Gem::Specification.new do |spec|\n  spec.name = \"foo\"\n  spec.version = Foo::VERSION\nend\n",
			wantErr: "line 3: spec.version: value is not a string literal",
		},
		{
			name:    "interpolation is code",
			in:      "Gem::Specification.new do |s|\n  s.name = \"foo\"\n  s.version = \"#{MAJOR}.1\"\nend\n",
			wantErr: "line 3: s.version: interpolated string",
		},
		{
			name:    "method call after the literal",
			in:      "Gem::Specification.new do |s|\n  s.name = \"foo\".upcase\n  s.version = \"1\"\nend\n",
			wantErr: "line 2: s.name: value is not a string literal",
		},
		{
			name:    "unterminated",
			in:      "Gem::Specification.new do |s|\n  s.name = \"foo\n  s.version = \"1\"\nend\n",
			wantErr: "line 2: s.name: unterminated string",
		},
		{
			name:    "implausible name",
			in:      "Gem::Specification.new do |s|\n  s.name = \"a b\"\n  s.version = \"1\"\nend\n",
			wantErr: "line 2: s.name: implausible value",
		},
		{
			name:    "no block",
			in:      "s.name = \"foo\"\ns.version = \"1\"\n",
			wantErr: ErrNoSpec.Error(),
		},
		{
			name:    "empty",
			in:      "",
			wantErr: ErrNoSpec.Error(),
		},
		{
			name:    "line too long",
			in:      "Gem::Specification.new do |s|\n  s.files = [\"" + strings.Repeat("x", MaxLineLength) + "\"]\n",
			wantErr: "line 2: line longer than",
		},
		{
			name:    "too many lines",
			in:      strings.Repeat("#\n", MaxLines+1),
			wantErr: "more than 100000 lines",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(strings.NewReader(tt.in))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Parse() = %+v, %v; want error containing %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse(): %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Parse() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseErrorIsLineError(t *testing.T) {
	_, err := Parse(strings.NewReader("Gem::Specification.new do |s|\n  s.name = \"x\"\n  s.version = V\nend\n"))
	var le *LineError
	if !errors.As(err, &le) || le.Line != 3 {
		t.Fatalf("error = %v, want a *LineError at line 3", err)
	}
}
