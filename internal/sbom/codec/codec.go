// Package codec dispatches SBOM encoding and decoding to the format
// packages, and exposes SBOM files to the inventory as an extractor.
package codec

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"strings"

	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/sbom"
	"github.com/vigil-sec/vigil/internal/sbom/cyclonedx"
	"github.com/vigil-sec/vigil/internal/sbom/spdx"
)

// Encode writes doc in the named format (sbom.Formats).
func Encode(w io.Writer, format string, doc *sbom.Document) error {
	switch format {
	case sbom.CycloneDXJSON:
		return cyclonedx.Encode(w, doc, false)
	case sbom.CycloneDXXML:
		return cyclonedx.Encode(w, doc, true)
	case sbom.SPDXJSON:
		return spdx.Encode(w, doc, false)
	case sbom.SPDXTagValue:
		return spdx.Encode(w, doc, true)
	}
	return fmt.Errorf("unknown SBOM format %q (want one of %s)", format, strings.Join(sbom.Formats, ", "))
}

// Decode sniffs the format of an SBOM and reads its packages. Components
// that cannot be matched (no purl, or a purl type without an OSV ecosystem)
// are counted in skipped.
func Decode(r io.Reader, path string) (pkgs []inventory.Package, format string, skipped int, err error) {
	br := bufio.NewReaderSize(r, 64<<10)
	head, _ := br.Peek(4096)
	format = sbom.Sniff(head)
	var comps []sbom.Component
	switch format {
	case sbom.CycloneDXJSON:
		comps, err = cyclonedx.Decode(br, false)
	case sbom.CycloneDXXML:
		comps, err = cyclonedx.Decode(br, true)
	case sbom.SPDXJSON:
		comps, err = spdx.Decode(br, false)
	case sbom.SPDXTagValue:
		comps, err = spdx.Decode(br, true)
	}
	return packagesOf(comps, format, path, err)
}

// DecodeBytes is Decode of a document in memory, as the server holds a
// pushed one: not buffered or copied again.
func DecodeBytes(data []byte, path string) (pkgs []inventory.Package, format string, skipped int, err error) {
	format = sbom.Sniff(data[:min(len(data), 4096)])
	var comps []sbom.Component
	switch format {
	case sbom.CycloneDXJSON:
		comps, err = cyclonedx.DecodeBytes(data, false)
	case sbom.CycloneDXXML:
		comps, err = cyclonedx.DecodeBytes(data, true)
	case sbom.SPDXJSON:
		comps, err = spdx.Decode(bytes.NewReader(data), false)
	case sbom.SPDXTagValue:
		comps, err = spdx.Decode(bytes.NewReader(data), true)
	}
	return packagesOf(comps, format, path, err)
}

// packagesOf turns the decoded components of a document of format into
// packages.
func packagesOf(comps []sbom.Component, format, path string, err error) (pkgs []inventory.Package, _ string, skipped int, _ error) {
	if format == "" {
		return nil, "", 0, fmt.Errorf("%s: not a CycloneDX or SPDX document", path)
	}
	if err != nil {
		return nil, format, 0, fmt.Errorf("%s: %w", path, err)
	}
	pkgs = make([]inventory.Package, 0, len(comps))
	for _, c := range comps {
		p, ok := sbom.ToPackage(c, path, Name)
		if !ok {
			skipped++
			continue
		}
		pkgs = append(pkgs, p)
	}
	if len(pkgs) == 0 {
		pkgs = nil // as before: no packages is a nil list
	}
	return pkgs, format, skipped, nil
}

// Name is the extractor's name.
const Name = "sbom/sbom"

// Extractor reads SBOM files found in a tree (by their conventional names)
// or given as the scan target.
type Extractor struct{}

var _ inventory.Extractor = Extractor{}

// Name implements inventory.Extractor.
func (Extractor) Name() string { return Name }

// Version implements inventory.Extractor.
func (Extractor) Version() int { return 1 }

// Match implements inventory.Extractor: the names CycloneDX and SPDX
// recommend.
func (Extractor) Match(path string, _ fs.DirEntry) bool {
	base := strings.ToLower(inventory.Base(path))
	for _, suf := range []string{".cdx.json", ".cdx.xml", ".spdx.json", ".spdx", ".bom.json", ".bom.xml"} {
		if strings.HasSuffix(base, suf) {
			return true
		}
	}
	switch base {
	case "bom.json", "bom.xml", "sbom.json", "sbom.xml":
		return true
	}
	return false
}

// Extract implements inventory.Extractor.
func (Extractor) Extract(_ context.Context, in *inventory.Input) ([]inventory.Package, error) {
	pkgs, _, _, err := Decode(in.Reader, in.Path)
	return pkgs, err
}
