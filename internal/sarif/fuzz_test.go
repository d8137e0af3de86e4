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

// FuzzPrepare: completing any document that parses keeps it parseable,
// with the same number of findings.
func FuzzPrepare(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.sarif")
	for _, p := range files {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	root := f.TempDir()
	if err := os.WriteFile(filepath.Join(root, "main.go"), []byte("package main\n\nfunc main() {}\n"), 0o644); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		before, err := ParseBytes(data, "fuzz.sarif")
		if err != nil {
			return
		}
		out, after, err := Prepare(data, "fuzz.sarif", PrepareOptions{Root: root, Suppress: func(*Finding) *Suppression { return &Suppression{Kind: "external", Vigil: true, Expires: "2999-01-01"} }})
		if err != nil {
			t.Fatalf("Prepare of a document that parses: %v", err)
		}
		if _, err := ParseBytes(out, "prepared.sarif"); err != nil {
			t.Fatalf("prepared document does not parse: %v", err)
		}
		for _, tool := range before.Tools() {
			if len(before.Findings(tool)) != len(after.Findings(tool)) {
				t.Fatalf("%s: %d findings before, %d after", tool, len(before.Findings(tool)), len(after.Findings(tool)))
			}
			for _, fd := range after.Findings(tool) {
				if !fd.Suppressed() {
					t.Fatalf("%s not suppressed", fd.Ref)
				}
			}
		}
	})
}
