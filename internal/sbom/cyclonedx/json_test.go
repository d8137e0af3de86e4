package cyclonedx

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	cdx "github.com/CycloneDX/cyclonedx-go"
)

// The CycloneDX documents of the repository's own tests (Syft's, Trivy's and
// Vigil's shapes) and hand-made edge cases of encoding/json's semantics.
var jsonSeeds = []string{
	"../codec/testdata/syft-style.cdx.json",
	"../codec/testdata/trivy-style.cdx.json",
	"../../server/testdata/syft/sbom.cdx.json",
	"../../server/testdata/push/cyclonedx.json",
	"../../vex/testdata/cyclonedx-vex.json",
}

var jsonEdgeCases = []string{
	`{"bomFormat":"CycloneDX","specVersion":"1.6","components":[{"NAME":"a","Version":"1","purl":"pkg:npm/a@1"}]}`,
	`{"components":[{"name":"a"}],"components":[{"name":"b"}]}`,
	`{"specVersion":"1.9"}`,
	`{"specVersion":"1.4","components":[{"name":"\xff\xfe","version":"1"}]}`,
	`{"components":[{"name":1}]}`,
	`{"components":[{"name":"a","licenses":[{"expression":"MIT OR Apache-2.0"},{"license":{"id":"MIT"}}]}]}`,
	`{"metadata":{"tools":[{"vendor":"x","name":"y","version":"1"}]}}`,
	`{"metadata":{"tools":{"components":[{"type":"application","name":"syft"}]}}}`,
	`{"components":null,"dependencies":[{"ref":"a","dependsOn":["b"]}]}`,
	`[]`, `null`, `{"components":[{"name":"a"}]} trailing`, `{"components":[{"name":"a"`,
}

func libraryDecode(b []byte) (cdx.BOM, error) {
	var bom cdx.BOM
	err := cdx.NewBOMDecoder(bytes.NewReader(b), cdx.BOMFileFormatJSON).Decode(&bom)
	return bom, err
}

func checkSameAsLibrary(t *testing.T, name string, b []byte) {
	t.Helper()
	want, wantErr := libraryDecode(b)
	var got cdx.BOM
	gotErr := decodeJSON(bytes.NewReader(b), &got)
	if (wantErr == nil) != (gotErr == nil) {
		t.Fatalf("%s: library error %v, decodeJSON error %v", name, wantErr, gotErr)
	}
	if wantErr == nil && !reflect.DeepEqual(want, got) {
		t.Fatalf("%s: decodeJSON differs from the library:\nlibrary %+v\ndecodeJSON %+v", name, want, got)
	}
}

func TestDecodeJSONEqualsLibrary(t *testing.T) {
	for _, p := range jsonSeeds {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		checkSameAsLibrary(t, filepath.Base(p), b)
	}
	for i, c := range jsonEdgeCases {
		checkSameAsLibrary(t, "edge case "+string(rune('a'+i)), []byte(c))
	}
}

func FuzzDecodeJSONEqualsLibrary(f *testing.F) {
	for _, p := range jsonSeeds {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	for _, c := range jsonEdgeCases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > 1<<20 {
			return
		}
		checkSameAsLibrary(t, "input", b)
	})
}
