package inventory

import (
	"bytes"
	stdjson "encoding/json"
	"testing"
	"unicode/utf8"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	jsonv1 "github.com/go-json-experiment/json/v1"
)

// TestPackageJSON holds the hand-written encoder to the struct tags: the
// same bytes as the reflective encoder (v2 under v1 options, as the report
// writes) and as encoding/json.
func TestPackageJSON(t *testing.T) {
	// plain has Package's fields and tags but not its methods.
	type plain Package
	pkgs := []Package{
		{},
		{Name: "a", Version: "1", Ecosystem: "npm", Locations: []Location{}},
		{
			Name: "@s/<b>&", Version: "1.0.0-\u00e9", Ecosystem: "npm", PURL: "pkg:npm/%40s/b@1",
			Locations:    []Location{{Path: "p/package-lock.json", Line: 7}, {Path: "x", Layer: "sha256:1", LayerCreatedBy: "RUN \"x\"\n"}},
			Relationship: RelDirect, Dev: true, Extractor: "npm/packagelock",
			SourceName: "src", SourceVersion: "2", Licenses: []string{"MIT", "Apache-2.0"},
			Hashes:   map[string]string{"sha512": "ff", "sha1": "00", "md5": ""},
			Platform: "linux/amd64", Evidence: EvidenceFileName, DependsOn: []string{"pkg:npm/c@1"},
		},
		{Name: "bad\xffutf8\u2028", Version: "\x00", Licenses: []string{}, DependsOn: []string{}, Hashes: map[string]string{}},
	}
	opts := []json.Options{jsonv1.DefaultOptionsV1(), json.Deterministic(true), jsontext.WithIndent("  "), jsontext.EscapeForHTML(false)}
	for _, p := range pkgs {
		got, err := json.Marshal([]Package{p}, opts...)
		if err != nil {
			t.Fatal(err)
		}
		want, err := json.Marshal([]plain{plain(p)}, opts...)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("MarshalJSONTo:\n%s\nreflection:\n%s", got, want)
		}
		var std bytes.Buffer
		enc := stdjson.NewEncoder(&std)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		if err := enc.Encode([]Package{p}); err != nil {
			t.Fatal(err)
		}
		// (encoding/json writes a replaced invalid byte as \ufffd, the v2
		// encoder as the character itself: both are the same JSON string.)
		if !bytes.ContainsRune(got, utf8.RuneError) && !bytes.Equal(append(got, '\n'), std.Bytes()) {
			t.Errorf("MarshalJSONTo:\n%s\nencoding/json:\n%s", got, std.Bytes())
		}
	}
}
