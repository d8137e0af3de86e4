package pom

import (
	"os"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/vigil-sec/vigil/internal/inventory"
)

// TestWalkMalformed scans a malformed file beside a good one: the good one
// must still be reported and the bad one must become one issue with its
// line.
func TestWalkMalformed(t *testing.T) {
	good, err := os.ReadFile("testdata/spring-app.xml")
	if err != nil {
		t.Fatal(err)
	}
	bad, err := os.ReadFile("testdata/malformed/mismatched.xml")
	if err != nil {
		t.Fatal(err)
	}
	fsys := fstest.MapFS{
		"good/pom.xml": {Data: good},
		"bad/pom.xml":  {Data: bad},
	}
	res, err := inventory.Walk(t.Context(), fsys, inventory.WalkOptions{Extractors: []inventory.Extractor{New(Options{})}})
	if err != nil {
		t.Fatalf("Walk: %v", err)
	}
	if len(res.Packages) == 0 {
		t.Errorf("Walk found no packages, want those of good/pom.xml")
	}
	for _, p := range res.Packages {
		if p.Extractor != Name || !strings.HasPrefix(p.Locations[0].Path, "good/") || p.Locations[0].Line == 0 {
			t.Errorf("package %s@%s from %s at %+v, want %s at a line of good/pom.xml", p.Name, p.Version, p.Extractor, p.Locations, Name)
		}
	}
	want := []inventory.Issue{{Path: "bad/pom.xml", Line: 5, Extractor: Name}}
	if len(res.Issues) != 1 {
		t.Fatalf("Walk issues = %+v, want %+v", res.Issues, want)
	}
	got := res.Issues[0]
	if got.Path != want[0].Path || got.Line != want[0].Line || got.Extractor != want[0].Extractor || got.Message == "" {
		t.Errorf("Walk issue = %+v, want %+v with a message", got, want[0])
	}
}
