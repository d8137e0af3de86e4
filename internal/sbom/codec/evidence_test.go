package codec

import (
	"bytes"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/sbom"
)

// TestRoundTripEvidence: a Java archive's evidence survives every format,
// so a jar known only by its file name stays unmatched when its SBOM is
// scanned (and one known by pom.properties stays matched).
func TestRoundTripEvidence(t *testing.T) {
	jar := func(name, version, purl, evidence string) inventory.Package {
		return inventory.Package{Name: name, Version: version, Ecosystem: "Maven", PURL: purl, Evidence: evidence,
			Locations: []inventory.Location{{Path: "opt/app/lib/" + name + ".jar"}}, Extractor: "java/archive"}
	}
	doc := &sbom.Document{Name: "rootfs", Kind: "rootfs", ToolVersion: "test", Created: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC),
		Packages: []inventory.Package{
			jar("mystery", "2.0", "pkg:maven/mystery@2.0", inventory.EvidenceFileName),
			jar("org.example:lib", "1.0", "pkg:maven/org.example/lib@1.0", inventory.EvidencePOMProperties),
			jar("org.example:other", "3.1", "pkg:maven/org.example/other@3.1", inventory.EvidenceManifestUnconfirmed),
		}}
	want := map[string]string{"mystery": inventory.EvidenceFileName, "org.example:lib": inventory.EvidencePOMProperties, "org.example:other": inventory.EvidenceManifestUnconfirmed}
	for _, f := range sbom.Formats {
		t.Run(f, func(t *testing.T) {
			var buf bytes.Buffer
			if err := Encode(&buf, f, doc); err != nil {
				t.Fatal(err)
			}
			pkgs, _, _, err := Decode(&buf, "bom")
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			for _, p := range pkgs {
				got[p.Name] = p.Evidence
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("evidence after the round trip (-want +got):\n%s", diff)
			}
		})
	}
}
