package sri

import (
	"encoding/hex"
	"testing"
)

// FuzzHashes: any integrity string decodes without a panic, and every digest
// returned is lower-case hex.
func FuzzHashes(f *testing.F) {
	for _, s := range []string{"sha512-z4PhNX7vuL3xVChQ1m2AB9Yg5AULVxXcg/SpIdNs6c5H0NE8XYXysP+DGNKHfuwvY7kxvUdBeoGlODJ6+SfaPg==", "sha1-abc sha256-xyz=", "sha512-", "", "md5-@@@"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for alg, h := range Hashes(s) {
			if _, err := hex.DecodeString(h); err != nil || alg == "" {
				t.Errorf("Hashes(%q) gave %q=%q", s, alg, h)
			}
		}
	})
}
