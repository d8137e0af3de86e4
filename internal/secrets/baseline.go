package secrets

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
)

// maxBaselineSize bounds the baseline file read into memory.
const maxBaselineSize = 256 << 20

// Baseline is a set of accepted secret fingerprints: findings whose
// fingerprint is in it are not reported, so a team fails only on new
// secrets.
type Baseline struct {
	fps map[string]struct{}
}

// NewBaseline returns a baseline of the given fingerprints.
func NewBaseline(fingerprints ...string) *Baseline {
	b := &Baseline{fps: make(map[string]struct{}, len(fingerprints))}
	for _, fp := range fingerprints {
		b.fps[fp] = struct{}{}
	}
	return b
}

// LoadBaseline reads a baseline file. Accepted forms:
//   - a JSON array of fingerprint strings: ["sha256:…", …];
//   - any JSON document (such as Vigil's own JSON report, or an array of
//     findings) holding objects with a "fingerprint" string field, at any
//     depth (the key is matched case-insensitively).
func LoadBaseline(path string) (*Baseline, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("load baseline: %w", err)
	}
	defer f.Close()
	b, err := ReadBaseline(f)
	if err != nil {
		return nil, fmt.Errorf("load baseline %q: %w", path, err)
	}
	return b, nil
}

// ReadBaseline reads a baseline from r (see LoadBaseline).
func ReadBaseline(r io.Reader) (*Baseline, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxBaselineSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxBaselineSize {
		return nil, fmt.Errorf("baseline larger than %d bytes", maxBaselineSize)
	}
	var doc any
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("parse baseline: %w", err)
	}
	b := NewBaseline()
	if arr, ok := doc.([]any); ok {
		for _, v := range arr {
			if s, ok := v.(string); ok {
				b.fps[s] = struct{}{}
			}
		}
	}
	collectFingerprints(doc, b.fps, 0)
	return b, nil
}

// collectFingerprints gathers "fingerprint" string fields. Depth is bounded
// by encoding/json's own nesting limit; the explicit limit keeps the walk
// cheap on adversarial input.
func collectFingerprints(v any, into map[string]struct{}, depth int) {
	if depth > 64 {
		return
	}
	switch t := v.(type) {
	case map[string]any:
		for k, x := range t {
			if s, ok := x.(string); ok && strings.EqualFold(k, "fingerprint") {
				into[s] = struct{}{}
				continue
			}
			collectFingerprints(x, into, depth+1)
		}
	case []any:
		for _, x := range t {
			collectFingerprints(x, into, depth+1)
		}
	}
}

// Len is the number of fingerprints.
func (b *Baseline) Len() int {
	if b == nil {
		return 0
	}
	return len(b.fps)
}

// Contains reports whether fp is in the baseline.
func (b *Baseline) Contains(fp string) bool {
	if b == nil {
		return false
	}
	_, ok := b.fps[fp]
	return ok
}

// Filter returns the findings not in the baseline (in their original
// order) and how many were suppressed. A nil baseline keeps everything.
func (b *Baseline) Filter(findings []Finding) (kept []Finding, suppressed int) {
	kept = make([]Finding, 0, len(findings))
	for _, f := range findings {
		if b.Contains(f.Fingerprint) {
			suppressed++
			continue
		}
		kept = append(kept, f)
	}
	return kept, suppressed
}

// Fingerprints returns the baseline's fingerprints, sorted.
func (b *Baseline) Fingerprints() []string {
	if b == nil {
		return nil
	}
	out := make([]string, 0, len(b.fps))
	for fp := range b.fps {
		out = append(out, fp)
	}
	slices.Sort(out)
	return out
}

// MarshalJSON writes the baseline as a sorted array of fingerprints, the
// form LoadBaseline reads back.
func (b *Baseline) MarshalJSON() ([]byte, error) {
	fps := b.Fingerprints()
	if fps == nil {
		fps = []string{}
	}
	return json.Marshal(fps)
}
