// Package corpus builds the labelled secret-detection corpus used to
// measure precision and recall. Templates (in
// internal/secrets/testdata/corpus) hold literal decoys and placeholders:
//
//	{{gen:KIND}}    a freshly generated, correctly formatted fake secret;
//	                the line it starts on is labelled positive.
//	{{decoy:KIND}}  a generated non-secret (UUID, hash, public key, ...).
//
// Secrets are generated at run time from a fixed seed, so no
// credential-shaped value is committed to the repository.
package corpus

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"hash/crc32"
	"io/fs"
	"math/rand/v2"
	"net/url"
	"path"
	"regexp"
	"slices"
	"strings"
)

// File is one generated corpus file.
type File struct {
	Path    string
	Content []byte
}

// Label marks a line that holds a secret.
type Label struct {
	Path   string `json:"path"`
	Line   int    `json:"line"`
	Kind   string `json:"kind"`
	Secret string `json:"-"` // never serialised
}

// Corpus is a set of files and their positive labels.
type Corpus struct {
	Files  []File
	Labels []Label
}

var placeholderRe = regexp.MustCompile(`\{\{(gen|decoy):([a-z0-9-]+)\}\}`)

// Generate expands every *.tmpl file of templates copies times with the
// given seed. File i of copy c is written to "c<c>/<name without .tmpl>".
func Generate(templates fs.FS, copies int, seed uint64) (*Corpus, error) {
	names, err := fs.Glob(templates, "*.tmpl")
	if err != nil {
		return nil, err
	}
	slices.Sort(names)
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	c := &Corpus{}
	for copyN := range copies {
		for _, name := range names {
			tmpl, err := fs.ReadFile(templates, name)
			if err != nil {
				return nil, err
			}
			p := fmt.Sprintf("c%02d/%s", copyN, strings.TrimSuffix(path.Base(name), ".tmpl"))
			f, labels, err := expand(r, p, tmpl)
			if err != nil {
				return nil, fmt.Errorf("expand %q: %w", name, err)
			}
			c.Files = append(c.Files, f)
			c.Labels = append(c.Labels, labels...)
		}
	}
	return c, nil
}

func expand(r *rand.Rand, p string, tmpl []byte) (File, []Label, error) {
	var out bytes.Buffer
	var labels []Label
	last := 0
	for _, m := range placeholderRe.FindAllSubmatchIndex(tmpl, -1) {
		out.Write(tmpl[last:m[0]])
		last = m[1]
		mode, kind := string(tmpl[m[2]:m[3]]), string(tmpl[m[4]:m[5]])
		var v string
		if mode == "gen" {
			g, ok := secretGens[kind]
			if !ok {
				return File{}, nil, fmt.Errorf("unknown secret kind %q", kind)
			}
			v = g(r)
			labels = append(labels, Label{Path: p, Line: bytes.Count(out.Bytes(), []byte{'\n'}) + 1, Kind: kind, Secret: secretPart(kind, v)})
		} else {
			g, ok := decoyGens[kind]
			if !ok {
				return File{}, nil, fmt.Errorf("unknown decoy kind %q", kind)
			}
			v = g(r)
		}
		out.WriteString(v)
	}
	out.Write(tmpl[last:])
	return File{Path: p, Content: out.Bytes()}, labels, nil
}

// secretPart is the substring that must never appear in output.
func secretPart(kind, v string) string {
	switch kind {
	case "db-password-url":
		u, err := url.Parse(v)
		if err == nil && u.User != nil {
			pw, _ := u.User.Password()
			return pw
		}
	}
	return v
}

const (
	upper    = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	lowerS   = "abcdefghijklmnopqrstuvwxyz"
	digits   = "0123456789"
	alnum    = upper + lowerS + digits
	hexS     = "0123456789abcdef"
	b64      = alnum + "+/"
	b64url   = alnum + "-_"
	base32   = upper + "234567"
	base62   = digits + upper + lowerS
	pwSyms   = "!@#%^*_+-=?"
	bech32   = "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L"
	b64Lines = 64
)

func rs(r *rand.Rand, alphabet string, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[r.IntN(len(alphabet))]
	}
	return string(b)
}

func rbytes(r *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.UintN(256))
	}
	return b
}

// crcToken is a GitHub/npm-style token: prefix + 30 random + base62 CRC32.
func crcToken(r *rand.Rand, prefix string) string {
	body := rs(r, alnum, 30)
	v := crc32.ChecksumIEEE([]byte(body))
	var sum [6]byte
	for i := 5; i >= 0; i-- {
		sum[i] = base62[v%62]
		v /= 62
	}
	return prefix + body + string(sum[:])
}

func wrap(s string, n int, sep string) string {
	var b strings.Builder
	for i := 0; i < len(s); i += n {
		if i > 0 {
			b.WriteString(sep)
		}
		b.WriteString(s[i:min(len(s), i+n)])
	}
	return b.String()
}

func pemBlock(label string, body []byte) string {
	return "-----BEGIN " + label + "-----\n" + wrap(base64.StdEncoding.EncodeToString(body), b64Lines, "\n") + "\n-----END " + label + "-----"
}

func password(r *rand.Rand) string {
	n := 10 + r.IntN(8)
	for {
		p := rs(r, alnum+pwSyms, n)
		if strings.ContainsAny(p, digits) && strings.ContainsAny(p, lowerS+upper) {
			return p
		}
	}
}

// ecKey derives a P-256 key from r (the 0x10 prefix keeps the scalar in
// range, so parsing cannot fail in practice; nil if it does).
func ecKey(r *rand.Rand) *ecdsa.PrivateKey {
	k, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), append([]byte{0x10}, rbytes(r, 31)...))
	if err != nil {
		return nil
	}
	return k
}

var secretGens = map[string]func(*rand.Rand) string{
	"aws-key-id":  func(r *rand.Rand) string { return "AKIA" + rs(r, base32, 16) },
	"aws-sts-id":  func(r *rand.Rand) string { return "ASIA" + rs(r, base32, 16) },
	"aws-secret":  func(r *rand.Rand) string { return rs(r, b64, 40) },
	"gcp-api-key": func(r *rand.Rand) string { return "AIza" + rs(r, b64url, 35) },
	"gcp-sa-key": func(r *rand.Rand) string {
		return strings.ReplaceAll(pemBlock("PRIVATE KEY", rbytes(r, 1190)), "\n", `\n`) + `\n`
	},
	"gcp-oauth":     func(r *rand.Rand) string { return "GOCSPX-" + rs(r, b64url, 28) },
	"azure-key":     func(r *rand.Rand) string { return base64.StdEncoding.EncodeToString(rbytes(r, 64)) },
	"azure-sas-sig": func(r *rand.Rand) string { return url.QueryEscape(base64.StdEncoding.EncodeToString(rbytes(r, 32))) },
	"azure-ad":      func(r *rand.Rand) string { return rs(r, alnum, 3) + rs(r, digits, 1) + "Q~" + rs(r, alnum+"_~.-", 34) },
	"ghp":           func(r *rand.Rand) string { return crcToken(r, "ghp_") },
	"gho":           func(r *rand.Rand) string { return crcToken(r, "gho_") },
	"ghu":           func(r *rand.Rand) string { return crcToken(r, "ghu_") },
	"ghs":           func(r *rand.Rand) string { return crcToken(r, "ghs_") },
	"ghr":           func(r *rand.Rand) string { return crcToken(r, "ghr_") },
	"github-pat":    func(r *rand.Rand) string { return "github_pat_" + rs(r, alnum, 22) + "_" + rs(r, alnum, 59) },
	"glpat":         func(r *rand.Rand) string { return "glpat-" + rs(r, b64url, 20) },
	"glptt":         func(r *rand.Rand) string { return "glptt-" + rs(r, hexS, 40) },
	"glrt":          func(r *rand.Rand) string { return "glrt-" + rs(r, b64url, 20) },
	"xoxb": func(r *rand.Rand) string {
		return "xoxb-" + rs(r, digits, 12) + "-" + rs(r, digits, 13) + "-" + rs(r, alnum, 24)
	},
	"xoxp": func(r *rand.Rand) string {
		return "xoxp-" + rs(r, digits, 12) + "-" + rs(r, digits, 12) + "-" + rs(r, digits, 13) + "-" + rs(r, hexS, 32)
	},
	"slack-webhook": func(r *rand.Rand) string {
		return "https://hooks.slack.com/services/T" + rs(r, upper+digits, 8) + "/B" + rs(r, upper+digits, 10) + "/" + rs(r, alnum, 24)
	},
	"stripe-live":  func(r *rand.Rand) string { return "sk_live_" + rs(r, alnum, 24+r.IntN(76)) },
	"stripe-rk":    func(r *rand.Rand) string { return "rk_live_" + rs(r, alnum, 24+r.IntN(76)) },
	"stripe-test":  func(r *rand.Rand) string { return "sk_test_" + rs(r, alnum, 24+r.IntN(76)) },
	"stripe-whsec": func(r *rand.Rand) string { return "whsec_" + rs(r, alnum, 32) },
	"twilio-sk":    func(r *rand.Rand) string { return "SK" + rs(r, hexS, 32) },
	"twilio-token": func(r *rand.Rand) string { return rs(r, hexS, 32) },
	"sendgrid":     func(r *rand.Rand) string { return "SG." + rs(r, b64url, 22) + "." + rs(r, b64url, 43) },
	"mailgun":      func(r *rand.Rand) string { return "key-" + rs(r, hexS, 32) },
	"shopify": func(r *rand.Rand) string {
		return []string{"shpat_", "shpca_", "shppa_", "shpss_"}[r.IntN(4)] + rs(r, hexS, 32)
	},
	"npm":           func(r *rand.Rand) string { return crcToken(r, "npm_") },
	"npmrc-legacy":  func(r *rand.Rand) string { return uuid(r) },
	"pypi":          func(r *rand.Rand) string { return "pypi-AgEIcHlwaS5vcmc" + rs(r, b64url, 70+r.IntN(100)) },
	"dockerhub":     func(r *rand.Rand) string { return "dckr_pat_" + rs(r, b64url, 27) },
	"vault":         func(r *rand.Rand) string { return "hvs." + rs(r, b64url, 24+r.IntN(70)) },
	"terraform":     func(r *rand.Rand) string { return rs(r, alnum, 14) + ".atlasv1." + rs(r, alnum+"_=-", 67) },
	"openai":        func(r *rand.Rand) string { return "sk-proj-" + rs(r, b64url, 74) + "T3BlbkFJ" + rs(r, b64url, 74) },
	"openai-legacy": func(r *rand.Rand) string { return "sk-" + rs(r, alnum, 20) + "T3BlbkFJ" + rs(r, alnum, 20) },
	"anthropic":     func(r *rand.Rand) string { return "sk-ant-api03-" + rs(r, b64url, 93) + "AA" },
	"huggingface":   func(r *rand.Rand) string { return "hf_" + rs(r, upper+lowerS, 34) },
	"digitalocean":  func(r *rand.Rand) string { return "dop_v1_" + rs(r, hexS, 64) },
	"linear":        func(r *rand.Rand) string { return "lin_api_" + rs(r, alnum, 40) },
	"postman":       func(r *rand.Rand) string { return "PMAK-" + rs(r, hexS, 24) + "-" + rs(r, hexS, 34) },
	"grafana":       func(r *rand.Rand) string { return "glsa_" + rs(r, alnum, 32) + "_" + rs(r, hexS, 8) },
	"age":           func(r *rand.Rand) string { return "AGE-SECRET-KEY-1" + rs(r, bech32, 58) },
	"databricks":    func(r *rand.Rand) string { return "dapi" + rs(r, hexS, 32) },
	"telegram":      func(r *rand.Rand) string { return rs(r, digits, 10) + ":AA" + rs(r, b64url, 33) },
	"new-relic":     func(r *rand.Rand) string { return "NRAK-" + rs(r, upper+digits, 27) },
	"doppler":       func(r *rand.Rand) string { return "dp.pt." + rs(r, alnum, 43) },
	"square":        func(r *rand.Rand) string { return "sq0atp-" + rs(r, b64url, 22) },
	"atlassian":     func(r *rand.Rand) string { return "ATATT3xFfGF0" + rs(r, b64url, 180) },
	"discord": func(r *rand.Rand) string {
		return "https://discord.com/api/webhooks/" + rs(r, digits, 18) + "/" + rs(r, b64url, 68)
	},
	"rsa-key": func(r *rand.Rand) string {
		return pemBlock("RSA PRIVATE KEY", append([]byte{0x30, 0x82, 0x04, 0xa4}, rbytes(r, 1188)...))
	},
	"ec-key":        func(r *rand.Rand) string { return ecPEM(r) },
	"pkcs8-key":     func(r *rand.Rand) string { return pkcs8PEM(r) },
	"openssh-key":   func(r *rand.Rand) string { return opensshPEM(r) },
	"dsa-key":       func(r *rand.Rand) string { return pemBlock("DSA PRIVATE KEY", rbytes(r, 440)) },
	"encrypted-key": func(r *rand.Rand) string { return pemBlock("ENCRYPTED PRIVATE KEY", rbytes(r, 1300)) },
	"pgp-key":       func(r *rand.Rand) string { return pgpBlock(r) },
	"jwt":           func(r *rand.Rand) string { return jwt(r) },
	"db-password-url": func(r *rand.Rand) string {
		scheme := []string{"postgres", "postgresql", "mysql", "mongodb+srv", "redis", "amqp", "mssql"}[r.IntN(7)]
		return scheme + "://" + []string{"app", "svc_orders", "admin", "deploy", "api"}[r.IntN(5)] + ":" +
			rs(r, alnum, 6) + rs(r, "!*_-", 1) + rs(r, alnum, 8) + "@" + []string{"db.internal", "10.0.3.17", "prod-db.corp.net", "cluster0.x1y2z.mongodb.net"}[r.IntN(4)] + ":5432/app"
	},
	"password":      password,
	"generic-token": func(r *rand.Rand) string { return rs(r, alnum, 32+r.IntN(20)) },
	"generic-hex":   func(r *rand.Rand) string { return rs(r, hexS, 64) },
	"generic-b64":   func(r *rand.Rand) string { return base64.StdEncoding.EncodeToString(rbytes(r, 33)) },
	"bearer":        func(r *rand.Rand) string { return rs(r, b64url, 40) },
	"basic-auth": func(r *rand.Rand) string {
		return base64.StdEncoding.EncodeToString([]byte("svc-orders:" + password(r)))
	},
}

var decoyGens = map[string]func(*rand.Rand) string{
	"uuid":       uuid,
	"md5":        func(r *rand.Rand) string { return rs(r, hexS, 32) },
	"sha1":       func(r *rand.Rand) string { return rs(r, hexS, 40) },
	"sha256":     func(r *rand.Rand) string { return rs(r, hexS, 64) },
	"sha512":     func(r *rand.Rand) string { return rs(r, hexS, 128) },
	"sri":        func(r *rand.Rand) string { return "sha512-" + base64.StdEncoding.EncodeToString(rbytes(r, 64)) },
	"sri256":     func(r *rand.Rand) string { return "sha256-" + base64.StdEncoding.EncodeToString(rbytes(r, 32)) },
	"gosum":      func(r *rand.Rand) string { return "h1:" + base64.StdEncoding.EncodeToString(rbytes(r, 32)) },
	"b64":        func(r *rand.Rand) string { return base64.StdEncoding.EncodeToString(rbytes(r, 32)) },
	"bcrypt":     func(r *rand.Rand) string { return "$2b$12$" + rs(r, alnum+"./", 53) },
	"ghp-bad":    func(r *rand.Rand) string { return "ghp_" + rs(r, alnum, 36) },
	"npm-bad":    func(r *rand.Rand) string { return "npm_" + strings.Repeat("x", 36) },
	"pk-live":    func(r *rand.Rand) string { return "pk_live_" + rs(r, alnum, 24) },
	"pk-test":    func(r *rand.Rand) string { return "pk_test_" + rs(r, alnum, 24) },
	"pubkey-pem": func(r *rand.Rand) string { return pubPEM(r) },
	"ssh-pub": func(r *rand.Rand) string {
		return "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI" + rs(r, b64, 43) + " deploy@ci"
	},
	"cert":    func(r *rand.Rand) string { return pemBlock("CERTIFICATE", rbytes(r, 900)) },
	"git-sha": func(r *rand.Rand) string { return rs(r, hexS, 40) },
	"digest":  func(r *rand.Rand) string { return "sha256:" + rs(r, hexS, 64) },
	"words": func(r *rand.Rand) string {
		return []string{"release-notes", "primary", "default-bucket", "us-east-1"}[r.IntN(4)]
	},
	"minified": func(r *rand.Rand) string {
		var b strings.Builder
		for i := 0; i < 400; i++ {
			fmt.Fprintf(&b, "var %s=function(t,e){return t.%s(e,\"%s\")};", rs(r, lowerS, 2), rs(r, lowerS, 6), rs(r, alnum, 24))
			if i%50 == 0 {
				fmt.Fprintf(&b, "n.token=\"%s\";e.apiKey=\"%s\";", rs(r, alnum, 32), rs(r, alnum+"_", 40))
			}
		}
		return b.String()
	},
}

func uuid(r *rand.Rand) string {
	b := rbytes(r, 16)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

func ecPEM(r *rand.Rand) string {
	k := ecKey(r)
	if k == nil {
		return pemBlock("EC PRIVATE KEY", rbytes(r, 121))
	}
	der, err := x509.MarshalECPrivateKey(k)
	if err != nil {
		return pemBlock("EC PRIVATE KEY", rbytes(r, 121))
	}
	return strings.TrimSpace(string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der})))
}

func pkcs8PEM(r *rand.Rand) string {
	k := ed25519.NewKeyFromSeed(rbytes(r, 32))
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return pemBlock("PRIVATE KEY", rbytes(r, 48))
	}
	return strings.TrimSpace(string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})))
}

func pubPEM(r *rand.Rand) string {
	k := ecKey(r)
	if k == nil {
		return pemBlock("PUBLIC KEY", rbytes(r, 91))
	}
	der, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		return pemBlock("PUBLIC KEY", rbytes(r, 91))
	}
	return strings.TrimSpace(string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})))
}

func opensshPEM(r *rand.Rand) string {
	body := append([]byte("openssh-key-v1\x00\x00\x00\x00\x04none\x00\x00\x00\x04none\x00\x00\x00\x00\x00\x00\x00\x01"), rbytes(r, 350)...)
	return "-----BEGIN OPENSSH PRIVATE KEY-----\n" + wrap(base64.StdEncoding.EncodeToString(body), 70, "\n") + "\n-----END OPENSSH PRIVATE KEY-----"
}

func pgpBlock(r *rand.Rand) string {
	return "-----BEGIN PGP PRIVATE KEY BLOCK-----\n\n" + wrap(base64.StdEncoding.EncodeToString(rbytes(r, 900)), 64, "\n") +
		"\n=" + rs(r, b64, 4) + "\n-----END PGP PRIVATE KEY BLOCK-----"
}

func jwt(r *rand.Rand) string {
	enc := base64.RawURLEncoding
	h := enc.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`))
	p := enc.EncodeToString(fmt.Appendf(nil, `{"sub":"%s","role":"service","iat":%d}`, uuid(r), 1700000000+r.IntN(1e7)))
	mac := hmac.New(sha256.New, rbytes(r, 32))
	mac.Write([]byte(h + "." + p))
	return h + "." + p + "." + enc.EncodeToString(mac.Sum(nil))
}

// Sample is one generated secret of a kind.
type Sample struct {
	Kind  string
	Value string
	// Secret is the part of Value that must never appear in output.
	Secret string
}

// Samples generates one secret of every kind the corpus knows, sorted by
// kind, from seed. Tests of other scanners that must recognise every
// credential format (Dockerfile ENV values, for example) iterate over it,
// so a new kind is covered without editing them.
func Samples(seed uint64) []Sample {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	kinds := make([]string, 0, len(secretGens))
	for k := range secretGens {
		kinds = append(kinds, k)
	}
	slices.Sort(kinds)
	out := make([]Sample, 0, len(kinds))
	for _, k := range kinds {
		v := secretGens[k](r)
		out = append(out, Sample{Kind: k, Value: v, Secret: secretPart(k, v)})
	}
	return out
}
