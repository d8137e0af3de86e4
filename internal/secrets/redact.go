package secrets

import (
	"crypto/sha256"
	"encoding/hex"
	"unicode/utf8"
)

// Fingerprint identifies a secret independently of where it was found:
// "sha256:" + the first 16 hex digits of sha256(ruleID + ":" + secret).
func Fingerprint(ruleID string, secret []byte) string {
	h := sha256.New()
	h.Write([]byte(ruleID))
	h.Write([]byte{':'})
	h.Write(secret)
	var sum [sha256.Size]byte
	return "sha256:" + hex.EncodeToString(h.Sum(sum[:0])[:8])
}

// redact keeps a short prefix of a secret: at most 4 characters and never
// more than a quarter of it, followed by "…".
func redact(secret []byte) string {
	n := min(4, len(secret)/4)
	// Count runes, not bytes, and never split one.
	end := 0
	for i := 0; i < n && end < len(secret); i++ {
		_, size := utf8.DecodeRune(secret[end:])
		end += size
	}
	return string(secret[:end]) + "…"
}
