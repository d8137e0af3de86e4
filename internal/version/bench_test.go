package version

import "testing"

// BenchmarkParseCompare parses an installed version and compares it with
// an advisory's event version, per scheme: the matcher's inner step.
func BenchmarkParseCompare(b *testing.B) {
	cases := []struct{ eco, a, b string }{
		{"npm", "4.17.21", "4.17.12-beta.1"},
		{"Go", "v0.0.0-20191109021931-daa7c04131f5", "0.17.0"},
		{"NuGet", "13.0.1.0", "13.0.1-Beta1"},
		{"PyPI", "2.31.0.post1", "2.32.0rc1"},
		{"RubyGems", "7.0.8.1", "7.0.8.a"},
		{"Maven", "2.15.0-rc1", "2.15.0"},
		{"Packagist", "v5.4.3", "5.4.3-RC1"},
		{"Debian:12", "1:2.36.1-8+deb11u1", "1:2.36.1-8+deb11u2"},
		{"Alpine:v3.20", "1.36.1_git20230101-r3", "1.36.1-r4"},
		{"Red Hat", "1:1.1.1k-7.el8_6", "1:1.1.1k-9.el8_7"},
	}
	for _, c := range cases {
		b.Run(c.eco, func(b *testing.B) {
			s, err := ForEcosystem(c.eco)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				v, err := s.Parse(c.a)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := v.Compare(c.b); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
