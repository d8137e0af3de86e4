// Package cyclonedx writes and reads CycloneDX 1.6 BOMs (JSON and XML) with
// the official CycloneDX Go library.
package cyclonedx

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	cdx "github.com/CycloneDX/cyclonedx-go"
	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/sbom"
)

// Encode writes doc as CycloneDX 1.6, JSON or XML.
func Encode(w io.Writer, doc *sbom.Document, xml bool) error {
	bom := cdx.NewBOM()
	bom.SerialNumber = "urn:uuid:" + sbom.DocumentID(doc.Name, doc.Packages)
	bom.Metadata = &cdx.Metadata{
		Timestamp: doc.Created.UTC().Format(time.RFC3339),
		Tools: &cdx.ToolsChoice{Components: &[]cdx.Component{{
			Type: cdx.ComponentTypeApplication, Name: "vigil", Version: doc.ToolVersion,
		}}},
		Component: rootComponent(doc),
	}

	seen := map[string]bool{}
	refs := make([]string, len(doc.Packages))
	byKey := map[string]string{}
	byPURL := map[string]string{}
	comps := make([]cdx.Component, 0, len(doc.Packages))
	for i := range doc.Packages {
		p := &doc.Packages[i]
		refs[i] = sbom.Ref(p, seen)
		byKey[p.Key()] = refs[i]
		if p.PURL != "" {
			byPURL[p.PURL] = refs[i]
		}
		comps = append(comps, component(p, refs[i]))
	}
	bom.Components = &comps

	// Dependency graph: the root depends on the direct packages (or on all
	// when the inputs do not tell), each package on its DependsOn.
	rootRef := bom.Metadata.Component.BOMRef
	var rootDeps []string
	deps := []cdx.Dependency{}
	for i := range doc.Packages {
		p := &doc.Packages[i]
		if p.Relationship != inventory.RelTransitive {
			rootDeps = append(rootDeps, refs[i])
		}
		var ds []string
		for _, d := range p.DependsOn {
			if r, ok := byPURL[d]; ok && !slices.Contains(ds, r) {
				ds = append(ds, r)
			}
		}
		slices.Sort(ds)
		dep := cdx.Dependency{Ref: refs[i]}
		if len(ds) > 0 {
			dep.Dependencies = &ds
		}
		deps = append(deps, dep)
	}
	deps = append([]cdx.Dependency{{Ref: rootRef, Dependencies: &rootDeps}}, deps...)
	bom.Dependencies = &deps

	if len(doc.Vulnerabilities) > 0 {
		vulns := make([]cdx.Vulnerability, 0, len(doc.Vulnerabilities))
		for _, v := range doc.Vulnerabilities {
			vulns = append(vulns, vulnerability(v, byKey[v.Package]))
		}
		bom.Vulnerabilities = &vulns
	}

	format := cdx.BOMFileFormatJSON
	if xml {
		format = cdx.BOMFileFormatXML
	}
	enc := cdx.NewBOMEncoder(w, format)
	enc.SetPretty(true)
	enc.SetEscapeHTML(false)
	return enc.EncodeVersion(bom, cdx.SpecVersion1_6)
}

func rootComponent(doc *sbom.Document) *cdx.Component {
	c := &cdx.Component{BOMRef: "vigil:target", Type: cdx.ComponentTypeApplication, Name: doc.Name}
	props := []cdx.Property{{Name: "vigil:target:kind", Value: doc.Kind}}
	if doc.Image != nil {
		c.Type = cdx.ComponentTypeContainer
		c.Version = doc.Image.Digest
		props = append(props, cdx.Property{Name: "vigil:image:reference", Value: doc.Image.Reference})
		if doc.Image.Platform != "" {
			props = append(props, cdx.Property{Name: "vigil:image:platform", Value: doc.Image.Platform})
		}
		if !doc.Image.Created.IsZero() {
			props = append(props, cdx.Property{Name: "vigil:image:created", Value: doc.Image.Created.UTC().Format(time.RFC3339)})
		}
		for _, l := range doc.Image.Layers {
			props = append(props, cdx.Property{Name: "vigil:image:layer", Value: strings.TrimSpace(l.Digest + " " + l.DiffID + " " + l.CreatedBy)})
		}
	}
	if doc.OS != nil {
		props = append(props, cdx.Property{Name: "vigil:os", Value: strings.TrimSpace(doc.OS.ID + " " + doc.OS.Version)})
	}
	c.Properties = &props
	return c
}

func component(p *inventory.Package, ref string) cdx.Component {
	c := cdx.Component{BOMRef: ref, Type: cdx.ComponentTypeLibrary, Name: p.Name, Version: p.Version, PackageURL: p.PURL}
	switch {
	case p.Ecosystem == "Maven":
		if g, a, ok := strings.Cut(p.Name, ":"); ok {
			c.Group, c.Name = g, a
		}
	case p.Ecosystem == "Go" && p.Name == "stdlib":
		c.Type = cdx.ComponentTypeFramework
	}
	if len(p.Licenses) > 0 {
		lc := cdx.Licenses{}
		for _, l := range p.Licenses {
			if sbom.IsSPDXExpression(l) {
				lc = append(lc, cdx.LicenseChoice{Expression: l})
			} else {
				lc = append(lc, cdx.LicenseChoice{License: &cdx.License{Name: l}})
			}
		}
		// CycloneDX allows one expression or a list of licences, not a mix.
		if len(lc) > 1 {
			for i := range lc {
				if lc[i].Expression != "" {
					lc[i] = cdx.LicenseChoice{License: &cdx.License{Name: lc[i].Expression}}
				}
			}
		}
		c.Licenses = &lc
	}
	if len(p.Hashes) > 0 {
		var hs []cdx.Hash
		for _, alg := range sortedKeys(p.Hashes) {
			if a, ok := hashAlgs[alg]; ok {
				hs = append(hs, cdx.Hash{Algorithm: a, Value: p.Hashes[alg]})
			}
		}
		if len(hs) > 0 {
			c.Hashes = &hs
		}
	}
	var props []cdx.Property
	for _, kv := range sbom.Properties(p) {
		props = append(props, cdx.Property{Name: kv[0], Value: kv[1]})
	}
	c.Properties = &props
	return c
}

var hashAlgs = map[string]cdx.HashAlgorithm{
	"md5": cdx.HashAlgoMD5, "sha1": cdx.HashAlgoSHA1, "sha256": cdx.HashAlgoSHA256,
	"sha384": cdx.HashAlgoSHA384, "sha512": cdx.HashAlgoSHA512,
}

func sortedKeys(m map[string]string) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

func vulnerability(v sbom.Vulnerability, ref string) cdx.Vulnerability {
	cv := cdx.Vulnerability{BOMRef: "vuln:" + v.ID + ":" + ref, ID: v.ID, Description: v.Summary}
	if src := sourceOf(v.ID); src != nil {
		cv.Source = src
	}
	var rs []cdx.VulnerabilityReference
	for _, a := range v.Aliases {
		r := cdx.VulnerabilityReference{ID: a}
		if s := sourceOf(a); s != nil {
			r.Source = s
		} else {
			r.Source = &cdx.Source{Name: "alias"}
		}
		rs = append(rs, r)
	}
	if len(rs) > 0 {
		cv.References = &rs
	}
	rating := cdx.VulnerabilityRating{Severity: cdx.Severity(strings.ToLower(v.Severity))}
	if v.CVSS != nil {
		score := v.CVSS.Score
		rating.Score = &score
		rating.Vector = v.CVSS.Vector
		switch {
		case strings.HasPrefix(v.CVSS.Version, "4"):
			rating.Method = cdx.ScoringMethodCVSSv4
		case v.CVSS.Version == "3.0":
			rating.Method = cdx.ScoringMethodCVSSv3
		case strings.HasPrefix(v.CVSS.Version, "3"):
			rating.Method = cdx.ScoringMethodCVSSv31
		case strings.HasPrefix(v.CVSS.Version, "2"):
			rating.Method = cdx.ScoringMethodCVSSv2
		}
	}
	cv.Ratings = &[]cdx.VulnerabilityRating{rating}
	if v.Fixed != "" {
		cv.Recommendation = "Upgrade to " + v.Fixed + " or later"
	}
	if !v.Published.IsZero() {
		cv.Published = v.Published.UTC().Format(time.RFC3339)
	}
	if !v.Modified.IsZero() {
		cv.Updated = v.Modified.UTC().Format(time.RFC3339)
	}
	if len(v.URLs) > 0 {
		var advs []cdx.Advisory
		for _, u := range v.URLs {
			advs = append(advs, cdx.Advisory{URL: u})
		}
		cv.Advisories = &advs
	}
	if ref != "" {
		aff := []cdx.Affects{{Ref: ref}}
		cv.Affects = &aff
	}
	if v.NotAffected != "" {
		cv.Analysis = &cdx.VulnerabilityAnalysis{State: cdx.IASNotAffected, Detail: v.NotAffected}
	}
	return cv
}

func sourceOf(id string) *cdx.Source {
	switch {
	case strings.HasPrefix(id, "CVE-"):
		return &cdx.Source{Name: "NVD", URL: "https://nvd.nist.gov/vuln/detail/" + id}
	case strings.HasPrefix(id, "GHSA-"):
		return &cdx.Source{Name: "GitHub", URL: "https://github.com/advisories/" + id}
	case strings.HasPrefix(id, "x_"):
		return &cdx.Source{Name: "OSV"}
	case strings.Contains(id, "-"):
		return &cdx.Source{Name: "OSV", URL: "https://osv.dev/vulnerability/" + id}
	}
	return nil
}

// Decode reads a CycloneDX BOM (JSON or XML, any 1.x version the library
// reads) into components, walking nested components.
func Decode(r io.Reader, xml bool) ([]sbom.Component, error) {
	var bom bomParts
	if xml {
		var lib cdx.BOM
		if err := cdx.NewBOMDecoder(r, cdx.BOMFileFormatXML).Decode(&lib); err != nil {
			return nil, fmt.Errorf("decode CycloneDX: %w", err)
		}
		bom = partsOf(&lib)
	} else if err := decodeJSON(r, &bom); err != nil {
		return nil, fmt.Errorf("decode CycloneDX: %w", err)
	}
	return components(&bom)
}

// DecodeBytes is Decode of a document in memory (read once, not copied
// again).
func DecodeBytes(b []byte, xml bool) ([]sbom.Component, error) {
	if xml {
		return Decode(bytes.NewReader(b), true)
	}
	var bom bomParts
	if err := decodeJSONBytes(b, &bom); err != nil {
		return nil, fmt.Errorf("decode CycloneDX: %w", err)
	}
	return components(&bom)
}

// components walks a decoded BOM's components.
func components(bom *bomParts) ([]sbom.Component, error) {
	depsOf := map[string][]string{}
	if bom.Dependencies != nil {
		for _, d := range *bom.Dependencies {
			if d.Dependencies != nil {
				depsOf[d.Ref] = *d.Dependencies
			}
		}
	}
	var out []sbom.Component
	if bom.Components != nil {
		out = make([]sbom.Component, 0, len(*bom.Components))
	}
	purlOf := make(map[string]string, cap(out))
	var walk func(cs []componentParts, depth int) error
	walk = func(cs []componentParts, depth int) error {
		if depth > 32 {
			return fmt.Errorf("decode CycloneDX: components nested deeper than 32")
		}
		for i := range cs {
			c := &cs[i]
			if c.BOMRef != "" {
				purlOf[c.BOMRef] = c.PackageURL
			}
			sc := sbom.Component{Name: c.Name, Version: c.Version, PURL: c.PackageURL, Properties: map[string][]string{}}
			if c.Properties != nil {
				for _, p := range *c.Properties {
					sc.Properties[p.Name] = append(sc.Properties[p.Name], p.Value)
				}
			}
			if c.Licenses != nil {
				for _, l := range *c.Licenses {
					switch {
					case l.Expression != "":
						sc.Licenses = append(sc.Licenses, l.Expression)
					case l.License != nil && l.License.ID != "":
						sc.Licenses = append(sc.Licenses, l.License.ID)
					case l.License != nil && l.License.Name != "":
						sc.Licenses = append(sc.Licenses, l.License.Name)
					}
				}
			}
			if c.Hashes != nil {
				sc.Hashes = map[string]string{}
				for _, h := range *c.Hashes {
					for k, a := range hashAlgs {
						if a == h.Algorithm {
							sc.Hashes[k] = h.Value
						}
					}
				}
			}
			sc.DependsOn = depsOf[c.BOMRef] // refs; mapped to purls below
			out = append(out, sc)
			if c.Components != nil {
				if err := walk(*c.Components, depth+1); err != nil {
					return err
				}
			}
		}
		return nil
	}
	if bom.Components != nil {
		if err := walk(*bom.Components, 0); err != nil {
			return nil, err
		}
	}
	for i := range out {
		var ds []string
		for _, ref := range out[i].DependsOn {
			if p := purlOf[ref]; p != "" {
				ds = append(ds, p)
			}
		}
		out[i].DependsOn = ds
	}
	return out, nil
}
