package match

import (
	"testing"

	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/vulndb/osv"
)

// TestFindSkipsGuessedIdentity: a Java archive identified by its file name
// or by a manifest that does not confirm it is listed, never matched; one
// identified by pom.properties, a confirmed manifest, or a format that
// states the name (pom.xml: no evidence) is matched.
func TestFindSkipsGuessedIdentity(t *testing.T) {
	src := newFakeSource(t, []*osv.Vulnerability{{
		ID: "VGL-MVN-1",
		Affected: []osv.Affected{{
			Package: osv.Package{Ecosystem: "Maven", Name: "org.example:lib"},
			Ranges:  []osv.Range{{Type: "ECOSYSTEM", Events: []osv.Event{{Introduced: "0"}, {Fixed: "2.0"}}}},
		}},
	}})
	for _, tt := range []struct {
		evidence string
		want     int
	}{
		{"", 1},
		{inventory.EvidencePOMProperties, 1},
		{inventory.EvidenceManifest, 1},
		{inventory.EvidenceManifestUnconfirmed, 0},
		{inventory.EvidenceFileName, 0},
	} {
		p := pkg("Maven", "org.example:lib", "1.0")
		p.Evidence = tt.evidence
		got, err := Find(t.Context(), []inventory.Package{p}, src)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != tt.want {
			t.Errorf("evidence %q: %d findings, want %d", tt.evidence, len(got), tt.want)
		}
	}
}
