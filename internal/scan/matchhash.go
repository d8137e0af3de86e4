package scan

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
)

// MatchHash is a digest of one package's matches (vs: every
// vulnerability matched to that one package), without their locations
// and in id order: two calls give the same digest exactly when the
// matches would make the same findings. The server stores it with each
// package, at its first push and after each re-match, so that a later
// re-match can tell the packages whose findings cannot have changed
// (docs/decisions/rematch.md).
func MatchHash(vs []Vulnerability) (string, error) {
	h := sha256.New()
	sorted := slices.Clone(vs)
	slices.SortStableFunc(sorted, func(a, b Vulnerability) int { return cmp.Compare(a.ID, b.ID) })
	for _, v := range sorted {
		v.Locations = nil
		b, err := json.Marshal(&v)
		if err != nil {
			return "", fmt.Errorf("hash the matches of %s@%s: %w", v.Package.Name, v.Package.Version, err)
		}
		h.Write(b)
		h.Write([]byte{'\n'})
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
