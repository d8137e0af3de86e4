package version

import "strings"

// normaliseGem applies Gem::Version#initialize's rewrite of "-" to ".pre."
// ("1.0.0-1" is "1.0.0.pre.1"), which semantic omits.
func normaliseGem(s string) (string, error) {
	s = strings.TrimSpace(s)
	if strings.Contains(s, "-") {
		s = strings.ReplaceAll(s, "-", ".pre.")
	}
	return s, nil
}

// normaliseMaven applies MNG-7644 (Maven 3.9): a qualifier joined to a
// number by "." reads as if joined by "-", so "2.0.a" == "2-a" and
// "1.0.0.RC1" == "1.0.0-RC1". semantic follows the pre-3.9 rule.
func normaliseMaven(s string) (string, error) {
	if !strings.Contains(s, ".") {
		return s, nil
	}
	b := []byte(s)
	for i := 1; i+1 < len(b); i++ {
		if b[i] == '.' && isDigit(b[i-1]) && isLetter(b[i+1]) {
			b[i] = '-'
		}
	}
	return string(b), nil
}

// normalisePackagist applies Composer's VersionParser::normalize padding:
// the numeric release is padded to four parts ("1.0" is "1.0.0.0"), so
// that 1.0 == 1.0.0, where PHP's version_compare (which semantic follows)
// orders 1.0 < 1.0.0. A "v" prefix is dropped.
func normalisePackagist(s string) (string, error) {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(strings.TrimPrefix(s, "v"), "V")
	i, parts := 0, 0
	for i < len(s) {
		j := i
		for j < len(s) && isDigit(s[j]) {
			j++
		}
		if j == i {
			break
		}
		parts++
		i = j
		if i+1 < len(s) && s[i] == '.' && isDigit(s[i+1]) {
			i++
			continue
		}
		break
	}
	if parts == 0 || parts >= 4 {
		return s, nil
	}
	return s[:i] + strings.Repeat(".0", 4-parts) + s[i:], nil
}

func isDigit(c byte) bool  { return c >= '0' && c <= '9' }
func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// normaliseGo accepts Go toolchain versions as the Go vulnerability
// database writes them for the stdlib and toolchain modules: a "go" prefix
// is dropped and "1.21rc2"/"1.21beta1" become "1.21.0-rc.2"/"1.21.0-beta.1"
// (golang.org/x/vuln's tag-to-semver rule). Module versions pass through.
func normaliseGo(s string) (string, error) {
	if t, ok := strings.CutPrefix(s, "go"); ok && t != "" && isDigit(t[0]) {
		s = t
	}
	return goPre(s), nil
}

// goPre rewrites "1.21rc2" to "1.21.0-rc.2"; other strings are returned
// unchanged.
func goPre(s string) string {
	i := 0
	dots := 0
	for i < len(s) && (isDigit(s[i]) || s[i] == '.') {
		if s[i] == '.' {
			dots++
		}
		i++
	}
	if i == 0 || i == len(s) || s[i-1] == '.' {
		return s
	}
	rest := s[i:]
	var tag string
	switch {
	case strings.HasPrefix(rest, "rc"):
		tag = "rc"
	case strings.HasPrefix(rest, "beta"):
		tag = "beta"
	default:
		return s
	}
	n := rest[len(tag):]
	if n == "" || !isAllDigits(n) {
		return s
	}
	core := s[:i]
	for ; dots < 2; dots++ {
		core += ".0"
	}
	return core + "-" + tag + "." + n
}

func isAllDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return s != ""
}
