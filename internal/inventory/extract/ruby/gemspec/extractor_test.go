package gemspec

import (
	"testing"

	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/testutil"
)

func TestMatch(t *testing.T) {
	for p, want := range map[string]bool{
		"usr/lib/ruby/gems/3.1.0/specifications/default/cgi-0.3.5.gemspec":                 true,
		"usr/lib/ruby/gems/3.1.0/specifications/rake-13.0.6.gemspec":                       true,
		"usr/share/rubygems-integration/all/specifications/webrick-1.8.1.gemspec":          true,
		"var/lib/gems/3.1.0/specifications/rack-3.0.8.gemspec":                             true,
		"app/vendor/bundle/ruby/3.2.0/specifications/nokogiri-1.16.2-x86_64-linux.gemspec": true,
		"specifications/x-1.gemspec":                                                       true,
		"src/mygem/mygem.gemspec":                                                          false,
		"mygem.gemspec":                                                                    false,
		"usr/lib/ruby/gems/3.1.0/specifications/default/sub/x-1.gemspec":                   false,
		"usr/lib/ruby/gems/3.1.0/gems/cgi-0.3.5/cgi.gemspec":                               false,
		"usr/lib/ruby/gems/3.1.0/specifications/rake-13.0.6.gemspec.bak":                   false,
		"usr/lib/ruby/gems/3.1.0/nonspecifications/x-1.gemspec":                            false,
	} {
		if got := New().Match(p, nil); got != want {
			t.Errorf("Match(%q) = %v, want %v", p, got, want)
		}
	}
}

func TestExtract(t *testing.T) {
	gem := func(path string, line int, name, version, purl string, licenses ...string) []inventory.Package {
		return []inventory.Package{{Name: name, Version: version, PURL: purl, Licenses: licenses,
			Locations: []inventory.Location{{Path: path, Line: line}}}}
	}
	const (
		cgi  = "specifications/default/cgi-0.3.6.gemspec"
		noko = "specifications/nokogiri-1.16.2-x86_64-linux.gemspec"
		rack = "specifications/rack-2.0.8.gemspec"
		json = "specifications/json-1.8.1.gemspec"
	)
	testutil.CheckExtract(t, New(), Ecosystem, []testutil.ExtractCase{
		{Name: "default gem", Path: cgi, Want: gem(cgi, 6, "cgi", "0.3.6", "pkg:gem/cgi@0.3.6", "Ruby", "BSD-2-Clause")},
		{Name: "platform gem", Path: noko, Want: gem(noko, 5, "nokogiri", "1.16.2", "pkg:gem/nokogiri@1.16.2?platform=x86_64-linux", "MIT")},
		{Name: "rubygems 2 with nested ifs", Path: rack, Want: gem(rack, 5, "rack", "2.0.8", "pkg:gem/rack@2.0.8", "MIT")},
		{Name: "rubygems 1.8 without freeze", Path: json, Want: gem(json, 4, "json", "1.8.1", "pkg:gem/json@1.8.1", "Ruby")},
	})
	testutil.CheckParseErrorLines(t, New(), map[string]int{
		"malformed/not-literal.gemspec":  7,
		"malformed/unterminated.gemspec": 4,
		"malformed/not-ruby.gemspec":     0,
	})
}

// TestWalkMalformed scans a malformed gemspec beside a good one: the good
// one must still be reported and the bad one must become one issue with
// its line.
func TestWalkMalformed(t *testing.T) {
	testutil.CheckWalkMalformed(t, testutil.MalformedBesideGood{
		Extractor: New(), FileName: "specifications/x-1.0.gemspec",
		Good: "testdata/specifications/default/cgi-0.3.6.gemspec", Bad: "testdata/malformed/not-literal.gemspec",
		IssueLine: 7,
	})
}
