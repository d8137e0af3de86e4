package cyclonedx

import (
	"io"

	cdx "github.com/CycloneDX/cyclonedx-go"
	jsonv2 "github.com/go-json-experiment/json"
	jsonv1 "github.com/go-json-experiment/json/v1"
)

// bomParts is the part of a CycloneDX BOM that Vigil reads: the
// components, nested ones included, and the dependency graph. JSON is
// decoded straight into it, skipping every other member (their syntax
// is still checked); XML is decoded by the library into cdx.BOM and
// copied (partsOf). The member names and value types are the library's,
// so a document decodes to the same parts either way; the spec version
// keeps the library's check of it.
type bomParts struct {
	SpecVersion  cdx.SpecVersion   `json:"specVersion"`
	Components   *[]componentParts `json:"components,omitempty"`
	Dependencies *[]cdx.Dependency `json:"dependencies,omitempty"`
}

// componentParts is the part of a cdx.Component that Vigil reads.
type componentParts struct {
	BOMRef     string            `json:"bom-ref,omitempty"`
	Name       string            `json:"name"`
	Version    string            `json:"version,omitempty"`
	PackageURL string            `json:"purl,omitempty"`
	Licenses   *cdx.Licenses     `json:"licenses,omitempty"`
	Hashes     *[]cdx.Hash       `json:"hashes,omitempty"`
	Properties *[]cdx.Property   `json:"properties,omitempty"`
	Components *[]componentParts `json:"components,omitempty"`
}

// decodeJSON decodes the parts of a CycloneDX JSON BOM with the
// encoding/json/v2 implementation (github.com/go-json-experiment/json) set
// to encoding/json's semantics (DefaultOptionsV1: case-insensitive names,
// duplicate names allowed, invalid UTF-8 replaced, the types' UnmarshalJSON
// methods called), as cdx.NewBOMDecoder decodes them with encoding/json.
// It is about twice as fast as the library, and decoding only the parts
// again about twice as fast (the server spends most of a push's decode
// here: docs/decisions/cyclonedx-json.md). TestDecodeJSONEqualsLibrary and
// FuzzDecodeJSONEqualsLibrary hold the parts equal to the library's
// wherever the library reads the document.
func decodeJSON(r io.Reader, bom *bomParts) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	return decodeJSONBytes(b, bom)
}

// decodeJSONBytes is decodeJSON of a document in memory.
func decodeJSONBytes(b []byte, bom *bomParts) error {
	return jsonv2.Unmarshal(b, bom, jsonv1.DefaultOptionsV1())
}

// partsOf copies the parts Vigil reads out of a BOM the library decoded.
func partsOf(bom *cdx.BOM) bomParts {
	p := bomParts{SpecVersion: bom.SpecVersion, Dependencies: bom.Dependencies}
	if bom.Components != nil {
		cs := componentsOf(*bom.Components)
		p.Components = &cs
	}
	return p
}

func componentsOf(cs []cdx.Component) []componentParts {
	out := make([]componentParts, len(cs))
	for i := range cs {
		c := &cs[i]
		out[i] = componentParts{BOMRef: c.BOMRef, Name: c.Name, Version: c.Version, PackageURL: c.PackageURL,
			Licenses: c.Licenses, Hashes: c.Hashes, Properties: c.Properties}
		if c.Components != nil {
			sub := componentsOf(*c.Components)
			out[i].Components = &sub
		}
	}
	return out
}
