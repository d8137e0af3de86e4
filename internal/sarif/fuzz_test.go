package sarif

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse: no panic on any input, and what parses has findings whose
// keys are unique per tool and within the store's key length.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.sarif")
	for _, p := range files {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"t"}},"results":[{"ruleId":"r","message":{"text":"m"}}]}]}`))
	f.Add([]byte(`[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		rep, err := ParseBytes(data, "fuzz.sarif")
		if err != nil {
			return
		}
		for _, tool := range rep.Tools() {
			seen := map[string]bool{}
			for _, fd := range rep.Findings(tool) {
				k := fd.Key()
				if seen[k] {
					t.Fatalf("key %q twice", k)
				}
				seen[k] = true
				if len(k) > 1000 {
					t.Fatalf("key of %d bytes", len(k))
				}
			}
		}
	})
}
