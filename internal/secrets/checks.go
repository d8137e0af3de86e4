package secrets

import (
	"bytes"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"hash/crc32"
	"math"
)

// entropy is the Shannon entropy of s in bits per byte.
func entropy(s []byte) float64 {
	if len(s) == 0 {
		return 0
	}
	var counts [256]uint16
	for _, b := range s {
		counts[b]++
	}
	n := float64(len(s))
	var h float64
	for _, c := range counts {
		if c == 0 {
			continue
		}
		p := float64(c) / n
		h -= p * math.Log2(p)
	}
	return h
}

const base62Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// base62CRC32 encodes the CRC-32 (IEEE) of b in base62, left-padded with
// '0' to 6 characters: the checksum GitHub and npm append to their tokens.
func base62CRC32(b []byte) [6]byte {
	v := crc32.ChecksumIEEE(b)
	var out [6]byte
	for i := 5; i >= 0; i-- {
		out[i] = base62Alphabet[v%62]
		v /= 62
	}
	return out
}

// validGitHubChecksum reports whether a new-format GitHub token
// (ghp_/gho_/ghu_/ghs_/ghr_ + 30 random + 6 checksum) carries a valid
// checksum.
func validGitHubChecksum(tok []byte) bool {
	i := bytes.IndexByte(tok, '_')
	if i < 0 || len(tok)-i-1 != 36 {
		return false
	}
	body := tok[i+1:]
	sum := base62CRC32(body[:30])
	return bytes.Equal(sum[:], body[30:])
}

// classes counts the character classes (lower, upper, digit, other) in s.
func classes(s []byte) (lowerN, upperN, digitN, otherN int) {
	for _, b := range s {
		switch {
		case 'a' <= b && b <= 'z':
			lowerN++
		case 'A' <= b && b <= 'Z':
			upperN++
		case '0' <= b && b <= '9':
			digitN++
		default:
			otherN++
		}
	}
	return
}

// placeholderMarkers are substrings (lower case) that mark a value as an
// example, template or redaction rather than a credential.
var placeholderMarkers = [][]byte{
	[]byte("example"), []byte("xxxx"), []byte("****"), []byte("...."), []byte("…"),
	[]byte("${"), []byte("{{"), []byte("}}"), []byte("$("), []byte("%("), []byte("<"), []byte(">"),
	[]byte("placeholder"), []byte("dummy"), []byte("sample"), []byte("redacted"),
	[]byte("changeme"), []byte("change_me"), []byte("change-me"), []byte("replace_me"), []byte("replaceme"),
	[]byte("your_"), []byte("your-"), []byte("yourkey"), []byte("yourtoken"), []byte("insert"),
	[]byte("fake"), []byte("notreal"), []byte("not_real"), []byte("not-a-real"), []byte("mytoken"), []byte("mysecret"),
	[]byte("01234567"), []byte("12345678"), []byte("23456789"), []byte("98765432"), []byte("87654321"),
	[]byte("abcdefg"), []byte("abcdef01"), []byte("fedcba98"), []byte("qwerty"),
	[]byte("00000000"), []byte("11111111"), []byte("aaaaaaaa"), []byte("zzzzzzzz"),
}

// lowerASCII writes the ASCII lower-case form of s into dst (reused).
func lowerASCII(dst, s []byte) []byte {
	dst = dst[:0]
	for _, b := range s {
		dst = append(dst, lower(b))
	}
	return dst
}

// isPlaceholder reports whether s looks like a documented example,
// placeholder, template variable or redaction.
func isPlaceholder(s []byte) bool {
	if len(s) == 0 {
		return true
	}
	var tmp [256]byte
	ls := lowerASCII(tmp[:0], s[:min(len(s), 256)])
	for _, m := range placeholderMarkers {
		if bytes.Contains(ls, m) {
			return true
		}
	}
	if _, ok := knownExamples[string(s)]; ok {
		return true
	}
	if len(s) >= 32 {
		if _, ok := knownDigests[string(ls)]; ok {
			return true
		}
	}
	if repeats(s) {
		return true
	}
	// A run of one repeated character over half the value.
	run, best := 1, 1
	for i := 1; i < len(s); i++ {
		if s[i] == s[i-1] {
			run++
			best = max(best, run)
		} else {
			run = 1
		}
	}
	return len(s) >= 8 && best*2 >= len(s)
}

// knownExamples are credentials published in vendor documentation and test
// suites: they are public and flagging them is noise.
var knownExamples = map[string]struct{}{
	"AKIAIOSFODNN7EXAMPLE":                     {},
	"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY": {},
	"AKIAI44QH8DHBEXAMPLE":                     {},
	"je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY": {},
	"sk_test_4eC39HqLyjWDarjtT1zdp7dc":         {},
	"sk_test_BQokikJOvBiI2HlWgH4olfQ2":         {},
	"sk_test_26PHem9AhJZvU623DfE1x4sd":         {},
	"rk_test_4eC39HqLyjWDarjtT1zdp7dc":         {},
	"whsec_1234567890abcdef":                   {},
	// Azurite / Azure Storage Emulator well-known account key.
	"Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==": {},
	// jwt.io default token (HS256, "your-256-bit-secret").
	"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c": {},
	"ghp_16C7e42F292c6912E7710c838347Ae178B4a":                              {},
	"gho_16C7e42F292c6912E7710c838347Ae178B4a":                              {},
	"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": {},
	"xoxb-17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy":                 {},
	"xoxp-23984754863-2348975623103":                                        {},
	"key-3ax6xnjp29jd6fds4gc373sgvjxteol0":                                  {},
	"AIzaSyDaGmWKa4JsXZ-HjGw7ISLn_3namBGewQe":                               {},
	"AIzaSyBOti4mM-6x9WDnZIjIeyEU21OpBXqWBgw":                               {},
	"JBSWY3DPEHPK3PXP":                                                      {}, // Google Authenticator example secret
	"GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ":                                      {}, // RFC 6238 test secret, base32
	// BIP32 test vector 1 master private key.
	"xprv9s21ZrQH143K3QTDL4LXw2F7HEK3wJUD2nW2nRk4stbPy6cq3jPPqjiChkVvvNKmPGJxWUtg6LnF5kejMRNNU3TGtRBeJgk33yuGBxrMPHi": {},
	// RFC 2617 / RFC 7617 basic-auth examples.
	"QWxhZGRpbjpvcGVuIHNlc2FtZQ==":                             {},
	"YWxhZGRpbjpvcGVuc2VzYW1l":                                 {},
	"AKIDEXAMPLE":                                              {},
	"wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY":                 {},
	"xoxb-263594206564-2343594206574-FGqddMF8t08v8N7Oq4i57vs1": {},
}

// knownDigests are digests of strings that appear in test vectors and
// documentation ("", "abc", "password", ...): hex values worth no finding.
var knownDigests = func() map[string]struct{} {
	m := map[string]struct{}{}
	for _, in := range []string{"", "abc", "password", "test", "hello", "hello world", "Hello, World!", "admin", "123456",
		"foo", "bar", "secret", "The quick brown fox jumps over the lazy dog", "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"} {
		b := []byte(in)
		m5 := md5.Sum(b)
		s1 := sha1.Sum(b)
		s256 := sha256.Sum256(b)
		s512 := sha512.Sum512(b)
		for _, d := range [][]byte{m5[:], s1[:], s256[:], s512[:]} {
			m[hex.EncodeToString(d)] = struct{}{}
		}
	}
	return m
}()

// rfcJWTPayloads are payloads of JWTs published in RFCs 7515/7519 and on
// jwt.io.
var rfcJWTPayloads = [][]byte{
	[]byte("eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ"),
	[]byte("eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ"),
	[]byte("eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiYWRtaW4iOnRydWUsImlhdCI6MTUxNjIzOTAyMn0"),
}

// validJWT reports whether tok is header.payload.signature with a header
// that decodes to a JSON object carrying "alg", and a JSON payload.
func validJWT(tok []byte) bool {
	parts := bytes.SplitN(tok, []byte("."), 3)
	if len(parts) != 3 || len(parts[2]) < 16 {
		return false
	}
	var hdr struct {
		Alg string `json:"alg"`
	}
	h, err := base64.RawURLEncoding.DecodeString(string(bytes.TrimRight(parts[0], "=")))
	if err != nil || json.Unmarshal(h, &hdr) != nil || hdr.Alg == "" || hdr.Alg == "none" {
		return false
	}
	p, err := base64.RawURLEncoding.DecodeString(string(bytes.TrimRight(parts[1], "=")))
	if err != nil || !json.Valid(p) {
		return false
	}
	if bytes.Contains(p, []byte(`"John Doe"`)) && bytes.Contains(p, []byte(`1516239022`)) {
		return false // jwt.io example payload
	}
	for _, rp := range rfcJWTPayloads {
		if bytes.Equal(parts[1], rp) {
			return false
		}
	}
	return true
}

// lineMarkers flag a line as documentation or test data rather than a
// live credential ("# example", "sample key", "test vector").
var lineMarkers = [][]byte{
	[]byte("example"), []byte("sample"), []byte("dummy"), []byte("placeholder"), []byte("fake"),
	[]byte("not a real"), []byte("not-real"), []byte("test vector"), []byte("testvector"), []byte("redacted"),
}

// lineHasMarker reports whether line holds one of lineMarkers. "example"
// as part of a host name (example.com, api.example.org) does not count:
// fake credentials often point at reserved domains.
func lineHasMarker(line []byte) bool {
	var tmp [512]byte
	if len(line) > len(tmp) {
		line = line[:len(tmp)]
	}
	ll := lowerASCII(tmp[:0], line)
	for _, m := range lineMarkers {
		for off := 0; ; {
			i := bytes.Index(ll[off:], m)
			if i < 0 {
				break
			}
			i += off
			end := i + len(m)
			domain := (end < len(ll) && ll[end] == '.' && end+1 < len(ll) && 'a' <= ll[end+1] && ll[end+1] <= 'z') ||
				(i > 0 && (ll[i-1] == '.' || ll[i-1] == '@'))
			if !domain {
				return true
			}
			off = end
		}
	}
	return false
}

// hashFormats prefix stored password hashes (Django, Spring, LDAP, ...).
var hashFormats = [][]byte{
	[]byte("pbkdf2"), []byte("argon2"), []byte("bcrypt"), []byte("scrypt"), []byte("sha1$"), []byte("sha256$"),
	[]byte("md5$"), []byte("{ssha}"), []byte("{sha}"), []byte("{bcrypt}"), []byte("{ssha256}"), []byte("{ssha512}"),
	[]byte("{pbkdf2}"), []byte("{crypt}"), []byte("{md5}"),
}

func isPasswordHash(v []byte) bool {
	var tmp [16]byte
	lv := lowerASCII(tmp[:0], v[:min(len(v), 16)])
	for _, h := range hashFormats {
		if bytes.HasPrefix(lv, h) {
			return true
		}
	}
	return false
}

// repeats reports whether s is a shorter string repeated ("abc123abc123").
func repeats(s []byte) bool {
	n := len(s)
	for p := 1; p <= n/2 && p <= 16; p++ {
		if n%p != 0 {
			continue
		}
		ok := true
		for i := p; i < n; i++ {
			if s[i] != s[i-p] {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}
