package severity

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseCVSS(t *testing.T) {
	tests := []struct {
		name   string
		vector string
		want   CVSS
		level  Level
	}{
		// CVSS v3.1 Examples (https://www.first.org/cvss/v3.1/examples).
		{"v3.1 CVE-2013-1937 phpMyAdmin XSS", "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", CVSS{"3.1", "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1}, Medium},
		{"v3.1 CVE-2013-0375 MySQL", "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:L/I:L/A:N", CVSS{"3.1", "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:L/I:L/A:N", 6.4}, Medium},
		{"v3.1 CVE-2014-3566 POODLE", "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:N/A:N", CVSS{"3.1", "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:N/A:N", 3.1}, Low},
		{"v3.1 CVE-2012-1516 VMware", "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:H", CVSS{"3.1", "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:H", 9.9}, Critical},
		{"v3.1 CVE-2014-0160 Heartbleed", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", CVSS{"3.1", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", 7.5}, High},
		{"v3.1 CVE-2014-6271 Shellshock", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", CVSS{"3.1", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8}, Critical},
		{"v3.1 CVE-2015-1098 iWork", "CVSS:3.1/AV:L/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H", CVSS{"3.1", "CVSS:3.1/AV:L/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H", 7.8}, High},
		// NVD: CVE-2021-44228 (Log4Shell) 10.0.
		{"v3.1 NVD CVE-2021-44228", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", CVSS{"3.1", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", 10.0}, Critical},
		// CVSS v3.0 (https://www.first.org/cvss/v3.0/examples): CVE-2014-6271.
		{"v3.0 Shellshock", "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", CVSS{"3.0", "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8}, Critical},
		{"v3.0 with temporal", "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N/E:F/RL:O/RC:C", CVSS{"3.0", "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N/E:F/RL:O/RC:C", 7.5}, High},
		// CVSS v4.0 (FIRST calculator, https://www.first.org/cvss/calculator/4.0).
		{"v4.0 network high", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", CVSS{"4.0", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 9.3}, Critical},
		{"v4.0 all high", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H", CVSS{"4.0", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H", 10.0}, Critical},
		{"v4.0 PR:L", "CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", CVSS{"4.0", "CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 8.7}, High},
		{"v4.0 low conf", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N", CVSS{"4.0", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N", 6.9}, Medium},
		// GitHub-published: GHSA-cjmm-f4jc-qw8r (XSS) scores 5.3.
		{"v4.0 GHSA XSS", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:P/VC:N/VI:N/VA:N/SC:L/SI:L/SA:N", CVSS{"4.0", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:P/VC:N/VI:N/VA:N/SC:L/SI:L/SA:N", 5.3}, Medium},
		{"v4.0 local", "CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", CVSS{"4.0", "CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 8.5}, High},
		{"v4.0 no impact", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N", CVSS{"4.0", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N", 0}, Unknown},
		// CVSS v2 guide §3.3 examples (https://www.first.org/cvss/v2/guide).
		{"v2 CVE-2002-0392", "AV:N/AC:L/Au:N/C:N/I:N/A:C", CVSS{"2.0", "AV:N/AC:L/Au:N/C:N/I:N/A:C", 7.8}, High},
		{"v2 CVE-2003-0818", "AV:N/AC:L/Au:N/C:C/I:C/A:C", CVSS{"2.0", "AV:N/AC:L/Au:N/C:C/I:C/A:C", 10.0}, High},
		{"v2 CVE-2003-0062", "AV:L/AC:H/Au:N/C:C/I:C/A:C", CVSS{"2.0", "AV:L/AC:H/Au:N/C:C/I:C/A:C", 6.2}, Medium},
		{"v2 parenthesised", "(AV:N/AC:L/Au:N/C:P/I:P/A:P)", CVSS{"2.0", "AV:N/AC:L/Au:N/C:P/I:P/A:P", 7.5}, High},
		{"v2 prefixed", "CVSS:2.0/AV:N/AC:M/Au:N/C:N/I:P/A:N", CVSS{"2.0", "AV:N/AC:M/Au:N/C:N/I:P/A:N", 4.3}, Medium},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseCVSS(tt.vector)
			if err != nil {
				t.Fatalf("ParseCVSS(%q): %v", tt.vector, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseCVSS(%q) mismatch (-want +got):\n%s", tt.vector, diff)
			}
			if l := got.Level(); l != tt.level {
				t.Errorf("Level() = %v, want %v", l, tt.level)
			}
		})
	}
}

func TestParseCVSSInvalid(t *testing.T) {
	for _, v := range []string{
		"",
		"CVSS:3.1/",
		"CVSS:3.1/AV:N/AC:L",
		"CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
		"CVSS:5.0/AV:N",
		"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N",
		"MODERATE",
		"9.8",
	} {
		if got, err := ParseCVSS(v); !errors.Is(err, ErrVector) {
			t.Errorf("ParseCVSS(%q) = %v, %v; want ErrVector", v, got, err)
		}
	}
}

func FuzzParseCVSS(f *testing.F) {
	f.Add("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H")
	f.Add("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N")
	f.Add("AV:N/AC:L/Au:N/C:P/I:P/A:P")
	f.Add("CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N/E:F/RL:O/RC:C")
	f.Fuzz(func(t *testing.T, v string) {
		c, err := ParseCVSS(v)
		if err != nil {
			return
		}
		if c.Score < 0 || c.Score > 10 {
			t.Errorf("ParseCVSS(%q).Score = %v, out of [0, 10]", v, c.Score)
		}
	})
}

func TestParse(t *testing.T) {
	tests := []struct {
		in   string
		want Level
	}{
		{"MODERATE", Medium}, {"moderate", Medium}, {"Important", High}, {"negligible", Low},
		{"critical", Critical}, {" HIGH ", High}, {"", Unknown},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("Parse(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
	if _, err := Parse("urgent-ish"); err == nil {
		t.Error("Parse(urgent-ish): want error")
	}
}
