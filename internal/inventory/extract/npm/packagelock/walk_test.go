package packagelock

import (
	"os"
	"testing"
	"testing/fstest"

	"github.com/vigil-sec/vigil/internal/inventory"
)

// A malformed lockfile is recorded as an issue; a good one beside it is
// still reported.
func TestWalkMalformedBesideGood(t *testing.T) {
	fsys := fstest.MapFS{}
	for dst, src := range map[string]string{
		"good/package-lock.json": "testdata/v3-workspaces.json",
		"bad/package-lock.json":  "testdata/malformed/deep-v1.json",
		"cut/package-lock.json":  "testdata/malformed/truncated.json",
	} {
		b, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		fsys[dst] = &fstest.MapFile{Data: b}
	}
	res, err := inventory.Walk(t.Context(), fsys, inventory.WalkOptions{Extractors: []inventory.Extractor{New()}})
	if err != nil {
		t.Fatalf("Walk: %v", err)
	}
	if len(res.Packages) != 6 {
		t.Errorf("Walk found %d packages, want the 6 of the good file", len(res.Packages))
	}
	if len(res.Issues) != 2 || res.Issues[0].Path != "bad/package-lock.json" || res.Issues[1].Path != "cut/package-lock.json" || res.Issues[1].Line != 3 {
		t.Errorf("Walk issues = %+v, want bad/package-lock.json and cut/package-lock.json:3", res.Issues)
	}
}
