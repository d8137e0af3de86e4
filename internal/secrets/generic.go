package secrets

import (
	"bytes"
	"math"
	"strings"
)

// Filters for the context-based rules (generic-secret, generic-password,
// authorization-bearer). These rules see a variable name and a literal; the
// filters below throw away names that are not credentials and literals that
// are code, templates, placeholders or low-entropy words.

// nonSecretWords are words of a variable name that hold something other
// than a credential ("token_url", "secret_name", "password_hash",
// "max_tokens"). Names are split on _ . - and camelCase boundaries.
var nonSecretWords = map[string]struct{}{
	"hash": {}, "hashed": {}, "sha": {}, "sha1": {}, "sha256": {}, "sha512": {}, "md5": {}, "digest": {}, "checksum": {},
	"integrity": {}, "fingerprint": {}, "uuid": {}, "guid": {}, "url": {}, "uri": {}, "endpoint": {}, "host": {},
	"hostname": {}, "path": {}, "file": {}, "filename": {}, "dir": {}, "name": {}, "type": {}, "format": {},
	"length": {}, "len": {}, "size": {}, "count": {}, "max": {}, "min": {}, "ttl": {}, "expiry": {}, "expires": {},
	"expiration": {}, "timeout": {}, "header": {}, "prefix": {}, "suffix": {}, "regex": {}, "pattern": {},
	"field": {}, "label": {}, "version": {}, "enabled": {}, "enable": {}, "mode": {}, "public": {},
	"publishable": {}, "pub": {}, "tokens": {}, "policy": {}, "class": {}, "provider": {}, "location": {},
	"region": {}, "mount": {}, "author": {}, "limit": {}, "audience": {}, "issuer": {}, "scope": {}, "ref": {},
	"example": {}, "sample": {}, "dummy": {}, "fake": {}, "mock": {}, "placeholder": {}, "next": {}, "page": {},
	"cursor": {}, "continuation": {}, "method": {}, "strategy": {}, "handler": {}, "id": {}, "ids": {}, "arn": {},
	"salt": {}, "nonce": {}, "csrf": {}, "xsrf": {}, "reset": {}, "forgot": {}, "confirm": {}, "confirmation": {},
	"required": {}, "valid": {}, "validate": {}, "verify": {}, "rule": {}, "prompt": {}, "hint": {},
	"description": {}, "desc": {}, "help": {}, "message": {}, "msg": {}, "error": {}, "kind": {}, "algorithm": {},
	"alg": {}, "bits": {}, "schema": {}, "column": {}, "table": {}, "index": {}, "idx": {}, "keyid": {},
	"tokenizer": {}, "tokenize": {}, "test": {}, "tests": {}, "testing": {}, "hex": {}, "pem": {}, "der": {}, "placeholders": {}, "policies": {}, "storage": {}, "mask": {}, "masked": {},
}

// nonSecretSubstrings are checked on the whole lower-cased name.
var nonSecretSubstrings = [][]byte{
	[]byte("bypass"), []byte("compass"), []byte("passthrough"), []byte("passenger"), []byte("passive"),
	[]byte("passage"), []byte("tokeniz"), []byte("keyid"), []byte("_id_"),
}

// nameWords splits a variable name into lower-case words.
func nameWords(name []byte, yield func(w []byte) bool) {
	var tmp [96]byte
	w := tmp[:0]
	flush := func() bool {
		if len(w) == 0 {
			return true
		}
		ok := yield(w)
		w = w[:0]
		return ok
	}
	for i, b := range name {
		switch {
		case b == '_' || b == '.' || b == '-' || b == '"' || b == '\'' || b == '[' || b == ']':
			if !flush() {
				return
			}
			continue
		case 'A' <= b && b <= 'Z' && i > 0 && 'a' <= name[i-1] && name[i-1] <= 'z':
			if !flush() {
				return
			}
		}
		if len(w) < cap(w) {
			w = append(w, lower(b))
		}
	}
	flush()
}

func nameIsSecret(name []byte) bool {
	var tmp [96]byte
	ln := lowerASCII(tmp[:0], name[:min(len(name), len(tmp))])
	for _, p := range nonSecretSubstrings {
		if bytes.Contains(ln, p) {
			return false
		}
	}
	ok, last := true, ""
	hasSecretWord := false
	nameWords(name, func(w []byte) bool {
		if string(w) == "secret" {
			hasSecretWord = true
		}
		last = string(w)
		if _, bad := nonSecretWords[string(w)]; bad && string(w) != "id" {
			ok = false
			return false
		}
		return true
	})
	if !ok {
		return false
	}
	// "..._id" names an identifier, except Vault's AppRole secret_id.
	if last == "id" && !hasSecretWord {
		return false
	}
	return true
}

// codeLike reports whether v is an expression rather than a literal: a
// call, an index, a dotted identifier, a template or a path. Bare
// (unquoted) values starting with YAML or shell syntax are code too.
func codeLike(v []byte, bare bool) bool {
	switch v[0] {
	case '$', '{', '[', '(', '<', '/':
		return true
	case '%':
		// printf verbs, %(name)s, %VAR%; not a password that starts with %.
		if len(v) == 1 || bytes.IndexByte([]byte("(sdv{"), v[1]) >= 0 || bytes.IndexByte(v[1:], '%') == len(v)-2 {
			return true
		}
	case '!', '#', '&', '*', '@', '|', '?', '\\', '.', '~', '>':
		if bare {
			return true
		}
	}
	if bytes.ContainsAny(v, "()[]{}") {
		return true
	}
	if bytes.HasPrefix(v, []byte("http://")) || bytes.HasPrefix(v, []byte("https://")) {
		return true
	}
	// Dotted identifiers: settings.SECRET_KEY, process.env.TOKEN.
	dots, ident := 0, true
	for i, b := range v {
		switch {
		case b == '.':
			dots++
			if i == 0 || i == len(v)-1 || v[i-1] == '.' {
				ident = false
			}
		case b == '_' || ('a' <= b && b <= 'z') || ('A' <= b && b <= 'Z'):
		case '0' <= b && b <= '9':
			if i == 0 || v[i-1] == '.' {
				ident = false
			}
		default:
			ident = false
		}
	}
	if ident && dots > 0 {
		return true
	}
	// A file name: something.ext with a short alphabetic extension.
	if i := bytes.LastIndexByte(v, '.'); i > 0 && len(v)-i-1 >= 2 && len(v)-i-1 <= 4 {
		ext := v[i+1:]
		l, u, d, o := classes(ext)
		if d == 0 && o == 0 && (l == 0 || u == 0) && bytes.Count(v, []byte("/")) > 0 {
			return true
		}
	}
	return false
}

var uuidShape = []byte("xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx")

func isUUID(v []byte) bool {
	if len(v) != len(uuidShape) {
		return false
	}
	for i, b := range v {
		if uuidShape[i] == '-' {
			if b != '-' {
				return false
			}
			continue
		}
		if !isHex(b) {
			return false
		}
	}
	return true
}

func isHex(b byte) bool {
	return ('0' <= b && b <= '9') || ('a' <= b && b <= 'f') || ('A' <= b && b <= 'F')
}

// entropyFloor is the entropy a random string of length n easily clears
// but words and identifiers of that length usually do not.
func entropyFloor(n int, ceiling float64) float64 {
	return math.Min(ceiling, math.Log2(float64(n))-0.7)
}

// isBare reports whether the value was matched without quotes: the last
// alternative of quotedValue, or a rule without quote alternatives.
func isBare(m *matchInfo) bool {
	return len(m.loc) < 12 || m.loc[10] >= 0
}

// bareInCode reports a bare (unquoted) value of a quotedValue rule in
// program source: an identifier, not a literal.
func bareInCode(m *matchInfo) bool {
	return m.kind&kindCode != 0 && len(m.loc) >= 12 && m.loc[10] >= 0
}

// tokenPrefixes are the prefixes of the format-specific rules. A generic
// value carrying one is a token that failed its format's own checks (for
// example a GitHub token with a bad checksum), so it is not reported again.
var tokenPrefixes []string

func init() { tokenPrefixes = collectTokenPrefixes() }

func collectTokenPrefixes() []string {
	var out []string
	for _, r := range builtinRules {
		if r.contextual || !r.caseSensitive && !strings.HasSuffix(r.keywords[0], "_") {
			continue
		}
		for _, k := range r.keywords {
			if len(k) >= 3 && !strings.HasPrefix(k, "-") && !strings.HasPrefix(k, ":") {
				out = append(out, k)
			}
		}
	}
	return out
}

func hasTokenPrefix(v []byte) bool {
	for _, p := range tokenPrefixes {
		if len(v) > len(p) && string(v[:len(p)]) == p {
			return true
		}
	}
	return false
}

func checkGenericValue(m *matchInfo) bool {
	v := m.secret
	if bareInCode(m) {
		return false // an identifier, not a literal
	}
	if name := m.sub(1); len(name) >= 5 && len(m.loc) >= 12 {
		// "encryptionKey": "encryptionKey1024" repeats its own name.
		var a, b [128]byte
		if bytes.Contains(lowerASCII(a[:0], v[:min(len(v), 128)]), lowerASCII(b[:0], name[:min(len(name), 128)])) {
			return false
		}
	}
	if hasTokenPrefix(v) || isPasswordHash(v) {
		return false
	}
	if len(v) < 10 || bytes.ContainsAny(v, " \t") || codeLike(v, isBare(m)) || isPlaceholder(v) || weakValue(v) || isUUID(v) {
		return false
	}
	l, u, d, o := classes(v)
	if d == 0 {
		// No digit: only long mixed-case strings look random.
		if l == 0 || u == 0 || len(v) < 20 || entropy(v) < 4.0 {
			return false
		}
	}
	if l+u == 0 && o == 0 {
		return false // all digits: numbers, ids, timestamps
	}
	// Identifiers in one case joined by separators: "my-app-secret-v2".
	if (l == 0 || u == 0) && o > 0 && d < 3 {
		return false
	}
	return entropy(v) >= entropyFloor(len(v), 3.5)
}

// strongNameParts make a variable name a credential on their own; a name
// whose only hint is "key" ("FERNET_KEY", "cache_key") needs a value that
// looks clearly random.
var strongNameParts = [][]byte{
	[]byte("secret"), []byte("token"), []byte("auth"), []byte("credential"), []byte("apikey"), []byte("api_key"),
	[]byte("api-key"), []byte("api.key"), []byte("accesskey"), []byte("access_key"), []byte("access-key"),
	[]byte("privatekey"), []byte("private_key"), []byte("private-key"), []byte("signing"), []byte("encryption"),
	[]byte("master"), []byte("crypt"), []byte("hmac"), []byte("license"),
}

// weakKeyNames are "..._key" names that hold identifiers, not secrets.
var weakKeyNames = [][]byte{
	[]byte("primary"), []byte("foreign"), []byte("partition"), []byte("sort"), []byte("cache"), []byte("idempotency"),
	[]byte("hot"), []byte("map"), []byte("lookup"), []byte("object"), []byte("bucket"), []byte("s3"), []byte("row"),
	[]byte("group"), []byte("translation"), []byte("i18n"), []byte("react"), []byte("storage"), []byte("ssh"),
	[]byte("gpg"), []byte("pgp"), []byte("kms"), []byte("routing"), []byte("shard"), []byte("dedup"), []byte("unique"),
	[]byte("composite"), []byte("hash"), []byte("entry"), []byte("redis"), []byte("state"), []byte("lock"),
}

func checkGenericSecret(m *matchInfo) bool {
	name := m.sub(1)
	if !nameIsSecret(name) {
		return false
	}
	var tmp [96]byte
	ln := lowerASCII(tmp[:0], name[:min(len(name), len(tmp))])
	strong := false
	for _, p := range strongNameParts {
		if bytes.Contains(ln, p) {
			strong = true
			break
		}
	}
	if !strong {
		for _, p := range weakKeyNames {
			if bytes.Contains(ln, p) {
				return false
			}
		}
		v := m.secret
		if len(v) < 16 || entropy(v) < entropyFloor(len(v), 3.8) {
			return false
		}
	}
	return checkGenericValue(m)
}

func checkGenericPassword(m *matchInfo) bool {
	name := m.sub(1)
	var tmp [96]byte
	ln := lowerASCII(tmp[:0], name[:min(len(name), len(tmp))])
	if !bytes.Contains(ln, []byte("passw")) && !bytes.Contains(ln, []byte("passphrase")) && !bytes.Contains(ln, []byte("pwd")) &&
		!bytes.HasSuffix(ln, []byte("pass")) {
		return false
	}
	if !nameIsSecret(name) {
		return false
	}
	v := m.secret
	if bareInCode(m) {
		return false // an identifier, not a literal
	}
	if (bytes.EqualFold(name, []byte("pass")) || bytes.EqualFold(name, []byte("pwd"))) && isBare(m) {
		return false // "--- PASS: TestX", "pwd: /home/x"
	}
	if len(name) >= 5 {
		var a, b [128]byte
		if bytes.Contains(lowerASCII(a[:0], v[:min(len(v), 128)]), lowerASCII(b[:0], name[:min(len(name), 128)])) {
			return false // "encodeUserPassword": "encodeUserPassword"
		}
	}
	for _, w := range passwordSettingWords {
		if bytes.Contains(ln, w) {
			return false // password_encryption = scram-sha-256
		}
	}
	if nextAssignment(v) {
		return false // "password= scmVersion=": a list of option names
	}
	if hasTokenPrefix(v) || isPasswordHash(v) || bytes.ContainsAny(v, " \t") || codeLike(v, isBare(m)) || isPlaceholder(v) || weakValue(v) || isUUID(v) {
		return false
	}
	l, u, d, o := classes(v)
	if l+u == 0 {
		return false // numbers and versions ("1.302103")
	}
	n := 0
	for _, c := range []int{l, u, d, o} {
		if c > 0 {
			n++
		}
	}
	if n < 2 {
		return false
	}
	if (l == 0 || u == 0) && d == 0 {
		return false // words joined by punctuation
	}
	return entropy(v) >= entropyFloor(len(v), 3.0)-0.3
}

// passwordSettingWords mark names of password policy settings rather than
// passwords ("password_encryption", "password_min_length").
var passwordSettingWords = [][]byte{
	[]byte("encryption"), []byte("encoding"), []byte("hashing"), []byte("complexity"), []byte("strength"),
	[]byte("history"), []byte("rotation"), []byte("reuse"), []byte("lowercase"), []byte("uppercase"),
	[]byte("special"), []byte("policy"), []byte("prompt"), []byte("change"), []byte("expire"), []byte("auth_method"),
}

// nextAssignment reports whether v is another "name=" token.
func nextAssignment(v []byte) bool {
	i := bytes.IndexByte(v, '=')
	if i < 3 || i != len(v)-1 || i > 24 {
		return false
	}
	for _, b := range v[:i] {
		if !(('a' <= b && b <= 'z') || ('A' <= b && b <= 'Z') || b == '_' || b == '-' || b == '.') {
			return false
		}
	}
	return true
}

// checkGenericAny picks the password or secret filter by variable name.
func checkGenericAny(m *matchInfo) bool {
	var tmp [96]byte
	name := m.sub(1)
	ln := lowerASCII(tmp[:0], name[:min(len(name), len(tmp))])
	if bytes.Contains(ln, []byte("pass")) || bytes.Contains(ln, []byte("pwd")) {
		return checkGenericPassword(m)
	}
	return checkGenericSecret(m)
}
