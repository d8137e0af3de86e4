// Package sri decodes Subresource Integrity strings ("sha512-<base64>"),
// the hash format of npm and yarn lockfiles.
package sri

import (
	"encoding/base64"
	"encoding/hex"
	"strings"
)

// Hashes decodes an integrity string (one or more space-separated
// "alg-base64" items) to hex digests keyed by algorithm, keeping the first
// of each algorithm. Unknown algorithms and bad base64 are skipped.
func Hashes(integrity string) map[string]string {
	if integrity == "" {
		return nil
	}
	var out map[string]string
	for rest := integrity; rest != ""; {
		var h string
		h, rest, _ = strings.Cut(strings.TrimLeft(rest, " \t\n"), " ")
		alg, b64, ok := strings.Cut(h, "-")
		if !ok || (alg != "sha512" && alg != "sha384" && alg != "sha256" && alg != "sha1") {
			continue
		}
		if _, dup := out[alg]; dup {
			continue
		}
		var src [128]byte // base64 of a 64-byte digest is 88 bytes
		var sum [96]byte  // which decodes to up to 66 bytes
		if len(b64) > len(src) {
			continue
		}
		n, err := base64.StdEncoding.Decode(sum[:], src[:copy(src[:], b64)])
		if err != nil {
			continue
		}
		if out == nil {
			out = make(map[string]string, 1)
		}
		out[alg] = hex.EncodeToString(sum[:n])
	}
	return out
}
