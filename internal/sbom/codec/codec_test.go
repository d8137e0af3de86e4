package codec

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/sbom"
	"github.com/vigil-sec/vigil/internal/testutil"
)

func document() *sbom.Document {
	return &sbom.Document{
		Name: "app", Kind: "dir", ToolVersion: "test", Created: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC),
		Packages: []inventory.Package{
			{Name: "@babel/core", Version: "7.0.0", Ecosystem: "npm", PURL: "pkg:npm/%40babel/core@7.0.0", Relationship: inventory.RelDirect,
				Locations: []inventory.Location{{Path: "web/package-lock.json", Line: 10}}, Licenses: []string{"MIT"},
				Hashes: map[string]string{"sha512": strings.Repeat("ab", 64)}, DependsOn: []string{"pkg:npm/debug@4.0.0"}, Extractor: "npm/packagelock"},
			{Name: "debug", Version: "4.0.0", Ecosystem: "npm", PURL: "pkg:npm/debug@4.0.0", Relationship: inventory.RelTransitive,
				Locations: []inventory.Location{{Path: "web/package-lock.json", Line: 20}}, Licenses: []string{"(MIT OR Apache-2.0)"}, Extractor: "npm/packagelock"},
			{Name: "org.apache.logging.log4j:log4j-core", Version: "2.14.1", Ecosystem: "Maven", PURL: "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1",
				Locations: []inventory.Location{{Path: "pom.xml", Line: 30}}, Licenses: []string{"The Apache Software License, Version 2.0"}, Extractor: "java/pom"},
			{Name: "libssl3", Version: "3.0.11-1~deb12u2", Ecosystem: "Debian:12", PURL: "pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12",
				SourceName: "openssl", SourceVersion: "3.0.11-1~deb12u2", Locations: []inventory.Location{{Path: "var/lib/dpkg/status", Layer: "sha256:01"}}, Extractor: "debian/dpkg"},
			{Name: "stdlib", Version: "1.21.0", Ecosystem: "Go", PURL: "pkg:golang/stdlib@1.21.0", Locations: []inventory.Location{{Path: "go.mod"}}, Extractor: "golang/gomod"},
		},
		Image: &sbom.Image{Reference: "example/app:1", Digest: "sha256:ff", Platform: "linux/amd64", Layers: []sbom.Layer{{Digest: "sha256:01", CreatedBy: "ADD rootfs /"}}},
		Vulnerabilities: []sbom.Vulnerability{{ID: "GHSA-xxxx-yyyy-zzzz", Aliases: []string{"CVE-2021-44228"}, Severity: "CRITICAL",
			CVSS: &sbom.CVSS{Version: "3.1", Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", Score: 10}, Fixed: "2.15.0",
			Package: "Maven\x00org.apache.logging.log4j:log4j-core\x002.14.1", URLs: []string{"https://example.com/a"}}},
	}
}

func TestEncodeValidates(t *testing.T) {
	schemas := map[string]string{sbom.CycloneDXJSON: testutil.SchemaCycloneDX16, sbom.SPDXJSON: testutil.SchemaSPDX23}
	for _, f := range sbom.Formats {
		t.Run(f, func(t *testing.T) {
			var buf bytes.Buffer
			if err := Encode(&buf, f, document()); err != nil {
				t.Fatal(err)
			}
			if s, ok := schemas[f]; ok {
				testutil.Validate(t, s, buf.Bytes())
			}
			// Deterministic: same input, same bytes.
			var again bytes.Buffer
			if err := Encode(&again, f, document()); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(buf.Bytes(), again.Bytes()) {
				t.Error("two encodings of the same document differ")
			}
		})
	}
}

// TestRoundTrip: what a scan needs (ecosystem, name, version, purl, source
// package) survives every format.
func TestRoundTrip(t *testing.T) {
	type key struct{ Eco, Name, Version, PURL, Source, SourceVersion string }
	var want []key
	for _, p := range document().Packages {
		want = append(want, key{p.Ecosystem, p.Name, p.Version, p.PURL, p.SourceName, p.SourceVersion})
	}
	for _, f := range sbom.Formats {
		t.Run(f, func(t *testing.T) {
			var buf bytes.Buffer
			if err := Encode(&buf, f, document()); err != nil {
				t.Fatal(err)
			}
			pkgs, format, skipped, err := Decode(&buf, "bom")
			if err != nil {
				t.Fatal(err)
			}
			if format != f || skipped != 0 {
				t.Errorf("format %q skipped %d, want %q 0", format, skipped, f)
			}
			var got []key
			for _, p := range pkgs {
				got = append(got, key{p.Ecosystem, p.Name, p.Version, p.PURL, p.SourceName, p.SourceVersion})
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("round trip (-want +got):\n%s", diff)
			}
		})
	}
}

func TestOtherTools(t *testing.T) {
	tests := []struct {
		file string
		want []string // ecosystem name version source
	}{
		{"testdata/syft-style.cdx.json", []string{"Debian:12 libssl3 3.0.11-1~deb12u2 openssl", "npm lodash 4.17.4 ", "Go github.com/gin-gonic/gin 1.6.0 "}},
		{"testdata/trivy-style.cdx.json", []string{"Debian:12 libc6 2.36-9+deb12u3 glibc", "PyPI Django 2.2.0 "}},
	}
	for _, tt := range tests {
		f, err := os.Open(tt.file)
		if err != nil {
			t.Fatal(err)
		}
		pkgs, _, skipped, err := Decode(f, tt.file)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, p := range pkgs {
			got = append(got, p.Ecosystem+" "+p.Name+" "+p.Version+" "+p.SourceName)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.file, diff)
		}
		if skipped == 0 {
			t.Errorf("%s: components without a purl were not counted as skipped", tt.file)
		}
	}
}

func TestDecodeErrors(t *testing.T) {
	for _, in := range []string{"", "{}", `{"bomFormat":"CycloneDX","components":[{`, "SPDXVersion: SPDX-2.3\nPackageName: x\nSPDXID: bad id\n"} {
		if _, _, _, err := Decode(strings.NewReader(in), "x.json"); err == nil {
			t.Errorf("Decode(%q) did not fail", in)
		} else if !strings.Contains(err.Error(), "x.json") {
			t.Errorf("error %q does not name the file", err)
		}
	}
}

func FuzzDecode(f *testing.F) {
	for _, p := range []string{"testdata/syft-style.cdx.json", "testdata/trivy-style.cdx.json"} {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, format := range sbom.Formats {
		var buf bytes.Buffer
		if err := Encode(&buf, format, document()); err != nil {
			f.Fatal(err)
		}
		f.Add(buf.Bytes())
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _, _, _ = Decode(bytes.NewReader(b), "f")
	})
}

// TestOtherToolsExtractor: the matching rules keyed by extractor (a go.mod's
// stdlib is not matched, a binary's is, on its platform) come from what
// Syft and Trivy say found the package, in CycloneDX and SPDX.
func TestOtherToolsExtractor(t *testing.T) {
	cdx := func(props string) string {
		return `{"bomFormat":"CycloneDX","specVersion":"1.6","components":[{"type":"library","name":"stdlib","version":"go1.22.0","purl":"pkg:golang/stdlib@go1.22.0","properties":[` + props + `]}]}`
	}
	spdxDoc := func(pkgExtra string) string {
		return `{"spdxVersion":"SPDX-2.3","dataLicense":"CC0-1.0","SPDXID":"SPDXRef-DOCUMENT","name":"x","documentNamespace":"https://x","creationInfo":{"created":"2026-01-01T00:00:00Z","creators":["Tool: x"]},` +
			`"packages":[{"name":"stdlib","SPDXID":"SPDXRef-Package-1","versionInfo":"go1.22.0","downloadLocation":"NOASSERTION","filesAnalyzed":false,` +
			`"externalRefs":[{"referenceCategory":"PACKAGE-MANAGER","referenceType":"purl","referenceLocator":"pkg:golang/stdlib@go1.22.0"}]` + pkgExtra + `}]}`
	}
	tests := []struct {
		name, doc, extractor, platform string
	}{
		{"syft cyclonedx go.mod", cdx(`{"name":"syft:package:foundBy","value":"go-module-file-cataloger"}`), "golang/gomod", ""},
		{"syft cyclonedx binary", cdx(`{"name":"syft:package:foundBy","value":"go-module-binary-cataloger"},{"name":"syft:metadata:goBuildSettings:GOOS","value":"linux"},{"name":"syft:metadata:goBuildSettings:GOARCH","value":"arm64"}`), "golang/gobinary", "linux/arm64"},
		{"trivy cyclonedx go.mod", cdx(`{"name":"aquasecurity:trivy:PkgType","value":"gomod"}`), "golang/gomod", ""},
		{"trivy cyclonedx binary", cdx(`{"name":"aquasecurity:trivy:PkgType","value":"gobinary"}`), "golang/gobinary", ""},
		{"vigil wins", cdx(`{"name":"vigil:extractor","value":"golang/gobinary"},{"name":"vigil:platform","value":"linux/amd64"},{"name":"aquasecurity:trivy:PkgType","value":"gomod"}`), "golang/gobinary", "linux/amd64"},
		{"unknown tool", cdx(``), Name, ""},
		{"syft spdx go.mod", spdxDoc(`,"sourceInfo":"acquired package info from go module information: /src/go.mod"`), "golang/gomod", ""},
		{"syft spdx binary", spdxDoc(`,"sourceInfo":"acquired package info from go module information: /usr/bin/app"`), "golang/gobinary", ""},
		{"trivy spdx go.mod", spdxDoc(`,"annotations":[{"annotator":"Tool: trivy-0.60.0","annotationDate":"2026-01-01T00:00:00Z","annotationType":"OTHER","comment":"PkgType: gomod"}]`), "golang/gomod", ""},
	}
	for _, tt := range tests {
		pkgs, _, _, err := Decode(strings.NewReader(tt.doc), "bom.json")
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if len(pkgs) != 1 || pkgs[0].Extractor != tt.extractor || pkgs[0].Platform != tt.platform || pkgs[0].Version != "1.22.0" {
			t.Errorf("%s: got %+v, want extractor %q platform %q", tt.name, pkgs, tt.extractor, tt.platform)
		}
	}
}
