package inventory

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestMerge(t *testing.T) {
	l := func(path string, line int) Location { return Location{Path: path, Line: line} }
	in := []Package{
		{Ecosystem: "npm", Name: "b", Version: "1.0.0", Locations: []Location{l("y/package-lock.json", 3)}, Relationship: RelTransitive, Dev: true, DependsOn: []string{"pkg:npm/c@1"}},
		{Ecosystem: "npm", Name: "a", Version: "2.0.0", Locations: []Location{l("package-lock.json", 9)}},
		{Ecosystem: "npm", Name: "b", Version: "1.0.0", Locations: []Location{l("x/package-lock.json", 4)}, Relationship: RelDirect, DependsOn: []string{"pkg:npm/d@1", "pkg:npm/c@1"}},
		{Ecosystem: "PyPI", Name: "b", Version: "1.0.0", Locations: []Location{l("requirements.txt", 1)}},
	}
	want := []Package{
		{Ecosystem: "PyPI", Name: "b", Version: "1.0.0", Locations: []Location{l("requirements.txt", 1)}},
		{Ecosystem: "npm", Name: "a", Version: "2.0.0", Locations: []Location{l("package-lock.json", 9)}},
		{Ecosystem: "npm", Name: "b", Version: "1.0.0", Locations: []Location{l("x/package-lock.json", 4), l("y/package-lock.json", 3)},
			Relationship: RelDirect, DependsOn: []string{"pkg:npm/c@1", "pkg:npm/d@1"}},
	}
	got := Merge(in)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("Merge mismatch (-want +got):\n%s", diff)
	}
	// Merging merged packages changes nothing and copies nothing.
	again := Merge(got)
	if diff := cmp.Diff(want, again); diff != "" || &again[0] != &got[0] {
		t.Fatalf("Merge of merged packages changed them or copied them:\n%s", diff)
	}
	// Unsorted locations or a duplicate keep Merge on its full path.
	dup := []Package{want[1], want[1]}
	if got := Merge(dup); len(got) != 1 {
		t.Fatalf("Merge of a duplicate = %d packages, want 1", len(got))
	}
	unsorted := []Package{{Ecosystem: "npm", Name: "a", Version: "1", Locations: []Location{l("b", 1), l("a", 1)}}}
	if got := Merge(unsorted); got[0].Locations[0].Path != "a" {
		t.Fatalf("Merge left locations unsorted: %v", got[0].Locations)
	}
}

// TestMergeEvidence: the same artifact found once by its file name and once
// by pom.properties (or a pom.xml, which states the name) is confident.
func TestMergeEvidence(t *testing.T) {
	for _, second := range []string{EvidencePOMProperties, ""} {
		in := []Package{
			{Ecosystem: "Maven", Name: "g:a", Version: "1", Locations: []Location{{Path: "b/a-1.jar"}}, Evidence: EvidenceFileName},
			{Ecosystem: "Maven", Name: "g:a", Version: "1", Locations: []Location{{Path: "a/a-1.jar"}}, Evidence: second},
		}
		got := Merge(in)
		if len(got) != 1 || !got[0].Confident() || got[0].Evidence != second {
			t.Errorf("Merge(file-name, %q) = %+v, want one confident package with evidence %q", second, got, second)
		}
	}
}
