package cyclonedx

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	cdx "github.com/CycloneDX/cyclonedx-go"
	jsonv2 "github.com/go-json-experiment/json"
	jsonv1 "github.com/go-json-experiment/json/v1"
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
	`{"metadata":{"tools":5},"components":[{"name":"a","purl":"pkg:npm/a@1"}]}`,
	`{"components":[{"name":"a","evidence":{"identity":7},"components":[{"name":"b","hashes":[{"alg":"SHA-256","content":"00"}]}]}]}`,
	`[]`, `null`, `{"components":[{"name":"a"}]} trailing`, `{"components":[{"name":"a"`,
}

func libraryDecode(b []byte) (cdx.BOM, error) {
	var bom cdx.BOM
	err := cdx.NewBOMDecoder(bytes.NewReader(b), cdx.BOMFileFormatJSON).Decode(&bom)
	return bom, err
}

// checkSameAsLibrary: wherever the library reads a document, decodeJSON
// reads the same parts of it. decodeJSON skips the members Vigil does not
// read, so a document the library refuses only for one of those (a
// malformed metadata.tools, say) is read; any document decodeJSON refuses,
// the library refuses too.
func checkSameAsLibrary(t *testing.T, name string, b []byte) {
	t.Helper()
	lib, wantErr := libraryDecode(b)
	var got bomParts
	gotErr := decodeJSON(bytes.NewReader(b), &got)
	if gotErr != nil && wantErr == nil {
		t.Fatalf("%s: the library reads it, decodeJSON fails: %v", name, gotErr)
	}
	if wantErr != nil {
		return
	}
	want := partsOf(&lib)
	if !reflect.DeepEqual(want, got) {
		t.Fatalf("%s: decodeJSON differs from the library:\nlibrary %+v\ndecodeJSON %+v", name, want, got)
	}
	wc, werr := components(&want)
	gc, gerr := components(&got)
	if (werr == nil) != (gerr == nil) || !reflect.DeepEqual(wc, gc) {
		t.Fatalf("%s: components differ:\nlibrary %+v (%v)\ndecodeJSON %+v (%v)", name, wc, werr, gc, gerr)
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

// BenchmarkDecodeBytes: a 500-component document shaped like Syft's (the
// server's ingest benchmark pushes these), decoded to components; and the
// library's full BOM for comparison.
func BenchmarkDecodeBytes(b *testing.B) {
	var doc bytes.Buffer
	doc.WriteString(`{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,"metadata":{"tools":{"components":[{"type":"application","name":"syft","version":"1.18.0"}]}},"components":[`)
	for i := range 500 {
		if i > 0 {
			doc.WriteByte(',')
		}
		fmt.Fprintf(&doc, `{"bom-ref":"pkg:npm/lib%d@1.%d.0","type":"library","name":"lib%d","version":"1.%d.0","purl":"pkg:npm/lib%d@1.%d.0","licenses":[{"license":{"id":"MIT"}}],"hashes":[{"alg":"SHA-256","content":"%064x"}]}`, i, i, i, i, i, i, i)
	}
	doc.WriteString(`],"dependencies":[{"ref":"pkg:npm/lib0@1.0.0","dependsOn":["pkg:npm/lib1@1.1.0"]}]}`)
	data := doc.Bytes()
	b.Run("parts", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			if cs, err := DecodeBytes(data, false); err != nil || len(cs) != 500 {
				b.Fatal(len(cs), err)
			}
		}
	})
	b.Run("library", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			var bom cdx.BOM
			if err := jsonv2.Unmarshal(data, &bom, jsonv1.DefaultOptionsV1()); err != nil {
				b.Fatal(err)
			}
			p := partsOf(&bom)
			if cs, err := components(&p); err != nil || len(cs) != 500 {
				b.Fatal(len(cs), err)
			}
		}
	})
}
