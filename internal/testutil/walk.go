package testutil

import (
	"os"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/vigil-sec/vigil/internal/inventory"
)

// MalformedBesideGood describes a walk of a malformed file beside a good
// one, as every extractor must survive it.
type MalformedBesideGood struct {
	Extractor inventory.Extractor
	// FileName is the name both copies get (e.g. "composer.lock").
	FileName string
	// Good and Bad are fixture paths of the package's testdata.
	Good, Bad string
	// IssueLine is the line the bad file's one issue must name.
	IssueLine int
	// BadKeepsLines: line-based formats still report the good lines of the
	// bad file, so packages may come from it too.
	BadKeepsLines bool
}

// CheckWalkMalformed walks both files: the good one must still be reported
// (each package from this extractor, with a line) and the bad one must
// become exactly one issue with its line and a message.
func CheckWalkMalformed(t *testing.T, c MalformedBesideGood) {
	t.Helper()
	good, err := os.ReadFile(c.Good)
	if err != nil {
		t.Fatal(err)
	}
	bad, err := os.ReadFile(c.Bad)
	if err != nil {
		t.Fatal(err)
	}
	goodPath, badPath := "good/"+c.FileName, "bad/"+c.FileName
	fsys := fstest.MapFS{goodPath: {Data: good}, badPath: {Data: bad}}
	res, err := inventory.Walk(t.Context(), fsys, inventory.WalkOptions{Extractors: []inventory.Extractor{c.Extractor}})
	if err != nil {
		t.Fatalf("Walk: %v", err)
	}
	if len(res.Packages) == 0 {
		t.Errorf("Walk found no packages, want those of %s", goodPath)
	}
	name := c.Extractor.Name()
	fromGood := 0
	for _, p := range res.Packages {
		if p.Extractor != name || p.Locations[0].Line == 0 || (!c.BadKeepsLines && !strings.HasPrefix(p.Locations[0].Path, "good/")) {
			t.Errorf("package %s@%s from %s at %+v, want %s at a line of %s", p.Name, p.Version, p.Extractor, p.Locations, name, goodPath)
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
	want := inventory.Issue{Path: badPath, Line: c.IssueLine, Extractor: name}
	if len(res.Issues) != 1 {
		t.Fatalf("Walk issues = %+v, want %+v", res.Issues, want)
	}
	got := res.Issues[0]
	if got.Path != want.Path || got.Line != want.Line || got.Extractor != want.Extractor || got.Message == "" {
		t.Errorf("Walk issue = %+v, want %+v with a message", got, want)
	}
}
