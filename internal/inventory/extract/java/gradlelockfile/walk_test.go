package gradlelockfile

import (
	"os"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/vigil-sec/vigil/internal/inventory"
)

// TestWalkMalformed scans a malformed file beside a good one: the good one
// must still be reported and the bad one must become one issue with its
// line (its good lines are still reported).
func TestWalkMalformed(t *testing.T) {
	good, err := os.ReadFile("testdata/gradle7-app.lockfile")
	if err != nil {
		t.Fatal(err)
	}
	bad, err := os.ReadFile("testdata/malformed/malformed.lockfile")
	if err != nil {
		t.Fatal(err)
	}
	fsys := fstest.MapFS{
		"good/gradle.lockfile": {Data: good},
		"bad/gradle.lockfile":  {Data: bad},
	}
	res, err := inventory.Walk(t.Context(), fsys, inventory.WalkOptions{Extractors: []inventory.Extractor{New()}})
	if err != nil {
		t.Fatalf("Walk: %v", err)
	}
	if len(res.Packages) == 0 {
		t.Errorf("Walk found no packages, want those of good/gradle.lockfile")
	}
	// Line-based formats keep the good lines of a bad file too.
	fromGood := 0
	for _, p := range res.Packages {
		if p.Extractor != Name || p.Locations[0].Line == 0 {
			t.Errorf("package %s@%s from %s at %+v, want %s with a line", p.Name, p.Version, p.Extractor, p.Locations, Name)
		}
		for _, l := range p.Locations {
			if strings.HasPrefix(l.Path, "good/") {
				fromGood++
			}
		}
	}
	if fromGood == 0 {
		t.Errorf("Walk found no packages in good/")
	}
	want := []inventory.Issue{{Path: "bad/gradle.lockfile", Line: 3, Extractor: Name}}
	if len(res.Issues) != 1 {
		t.Fatalf("Walk issues = %+v, want %+v", res.Issues, want)
	}
	got := res.Issues[0]
	if got.Path != want[0].Path || got.Line != want[0].Line || got.Extractor != want[0].Extractor || got.Message == "" {
		t.Errorf("Walk issue = %+v, want %+v with a message", got, want[0])
	}
}
