package archive

import (
	"bytes"
	"testing"
)

func FuzzParse(f *testing.F) {
	f.Add(zipOf(f, pom("g", "a", "1")))
	f.Add(zipOf(f, file{"lib/x-1.0.jar", zipOf(f, file{"META-INF/MANIFEST.MF", []byte("Implementation-Version: 1\n")})}))
	f.Add(zipOf(f, manifest("Implementation-Vendor-Id: org.apache.commons", "Bundle-SymbolicName: org.apache.commons.lang3;singleton:=true", "Implementation-Version: 3.12.0")))
	f.Fuzz(func(t *testing.T, b []byte) {
		arts, _ := Parse(bytes.NewReader(b), int64(len(b)), "commons-lang3-3.12.0.jar")
		for _, a := range arts {
			switch a.Evidence {
			case EvidencePOMProperties, EvidenceManifest, EvidenceManifestUnconfirmed, EvidenceFileName:
			default:
				t.Errorf("artifact %+v: unknown evidence", a)
			}
			if a.ArtifactID == "" || a.Version == "" || a.Evidence == EvidenceManifest && a.GroupID == "" {
				t.Errorf("artifact %+v", a)
			}
		}
	})
}
