// Package spdx writes and reads SPDX 2.3 documents (JSON and tag-value) with
// the official SPDX Go library (tools-golang).
package spdx

import (
	"fmt"
	"io"
	"path"
	"regexp"
	"slices"
	"strings"
	"time"

	spdxjson "github.com/spdx/tools-golang/json"
	"github.com/spdx/tools-golang/spdx"
	"github.com/spdx/tools-golang/spdx/v2/common"
	"github.com/spdx/tools-golang/tagvalue"
	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/sbom"
)

const noAssertion = "NOASSERTION"

var idUnsafe = regexp.MustCompile(`[^A-Za-z0-9.-]+`)

// Encode writes doc as SPDX 2.3 JSON, or tag-value when tagValue is set.
func Encode(w io.Writer, doc *sbom.Document, tagValue bool) error {
	id := sbom.DocumentID(doc.Name, doc.Packages)
	name := doc.Name
	if name == "" {
		name = "vigil-sbom"
	}
	d := &spdx.Document{
		SPDXVersion:       spdx.Version,
		DataLicense:       spdx.DataLicense,
		SPDXIdentifier:    "DOCUMENT",
		DocumentName:      name,
		DocumentNamespace: "https://vigil.dev/spdxdocs/" + idUnsafe.ReplaceAllString(name, "-") + "-" + id,
		CreationInfo: &spdx.CreationInfo{
			Creators: []common.Creator{{CreatorType: "Tool", Creator: "vigil-" + doc.ToolVersion}},
			Created:  doc.Created.UTC().Format(time.RFC3339),
		},
	}
	root := &spdx.Package{
		PackageName:             name,
		PackageSPDXIdentifier:   "Target",
		PackageDownloadLocation: noAssertion,
		FilesAnalyzed:           false,
		PrimaryPackagePurpose:   "APPLICATION",
		PackageComment:          "vigil target kind: " + doc.Kind,
	}
	if doc.Image != nil {
		root.PrimaryPackagePurpose = "CONTAINER"
		root.PackageVersion = doc.Image.Digest
		var lines []string
		lines = append(lines, "image: "+doc.Image.Reference, "platform: "+doc.Image.Platform)
		for _, l := range doc.Image.Layers {
			lines = append(lines, "layer: "+strings.TrimSpace(l.Digest+" "+l.CreatedBy))
		}
		root.PackageComment += "\n" + strings.Join(lines, "\n")
	}
	d.Packages = append(d.Packages, root)
	d.Relationships = append(d.Relationships, &spdx.Relationship{
		RefA: common.MakeDocElementID("", "DOCUMENT"), RefB: common.MakeDocElementID("", "Target"), Relationship: "DESCRIBES",
	})

	ids := make([]common.ElementID, len(doc.Packages))
	byPURL := map[string]common.ElementID{}
	for i := range doc.Packages {
		p := &doc.Packages[i]
		ids[i] = common.ElementID(fmt.Sprintf("Package-%d-%s", i+1, idUnsafe.ReplaceAllString(p.Name, "-")))
		if p.PURL != "" {
			byPURL[p.PURL] = ids[i]
		}
		d.Packages = append(d.Packages, pkg(p, ids[i]))
	}
	for i := range doc.Packages {
		p := &doc.Packages[i]
		rel := "CONTAINS"
		if p.Relationship == inventory.RelDirect {
			rel = "DEPENDS_ON"
		}
		if p.Relationship != inventory.RelTransitive || doc.Image != nil {
			d.Relationships = append(d.Relationships, &spdx.Relationship{
				RefA: common.MakeDocElementID("", "Target"), RefB: common.MakeDocElementID("", string(ids[i])), Relationship: rel,
			})
		}
		var deps []common.ElementID
		for _, dep := range p.DependsOn {
			if to, ok := byPURL[dep]; ok && !slices.Contains(deps, to) {
				deps = append(deps, to)
			}
		}
		slices.Sort(deps)
		for _, to := range deps {
			d.Relationships = append(d.Relationships, &spdx.Relationship{
				RefA: common.MakeDocElementID("", string(ids[i])), RefB: common.MakeDocElementID("", string(to)), Relationship: "DEPENDS_ON",
			})
		}
	}
	if tagValue {
		return tagvalue.Write(d, w)
	}
	return spdxjson.Write(d, w, spdxjson.Indent("  "))
}

var checksumAlgs = map[string]common.ChecksumAlgorithm{
	"md5": common.MD5, "sha1": common.SHA1, "sha256": common.SHA256, "sha384": common.SHA384, "sha512": common.SHA512,
}

func pkg(p *inventory.Package, id common.ElementID) *spdx.Package {
	sp := &spdx.Package{
		PackageName:             p.Name,
		PackageSPDXIdentifier:   id,
		PackageVersion:          p.Version,
		PackageDownloadLocation: noAssertion,
		FilesAnalyzed:           false,
		PackageLicenseConcluded: noAssertion,
		PackageLicenseDeclared:  noAssertion,
		PackageCopyrightText:    noAssertion,
		PrimaryPackagePurpose:   "LIBRARY",
	}
	if len(p.Licenses) == 1 && sbom.IsSPDXExpression(p.Licenses[0]) {
		sp.PackageLicenseDeclared = p.Licenses[0]
	} else if len(p.Licenses) > 0 {
		sp.PackageLicenseComments = "declared: " + strings.Join(p.Licenses, "; ")
	}
	if p.PURL != "" {
		sp.PackageExternalReferences = append(sp.PackageExternalReferences, &spdx.PackageExternalReference{
			Category: "PACKAGE-MANAGER", RefType: "purl", Locator: p.PURL,
		})
	}
	for _, alg := range sortedKeys(p.Hashes) {
		if a, ok := checksumAlgs[alg]; ok {
			sp.PackageChecksums = append(sp.PackageChecksums, common.Checksum{Algorithm: a, Value: p.Hashes[alg]})
		}
	}
	// What a purl cannot carry goes in the source info, one key=value a line.
	var info []string
	for _, kv := range sbom.Properties(p) {
		info = append(info, kv[0]+"="+kv[1])
	}
	sp.PackageSourceInfo = strings.Join(info, "\n")
	return sp
}

// properties collects what a package says beyond its purl under the
// property names the CycloneDX decoder sees: Vigil's vigil:key=value lines
// of the source info, Trivy's "Key: value" annotations (as
// aquasecurity:trivy:Key), and the cataloger Syft names in the source info
// ("acquired package info from go module information: /app/go.mod").
func properties(props map[string][]string, p *spdx.Package, docAnnotations []string) {
	for _, line := range strings.Split(p.PackageSourceInfo, "\n") {
		if k, v, ok := strings.Cut(line, "="); ok && strings.HasPrefix(k, "vigil:") {
			props[k] = append(props[k], v)
		}
	}
	comments := slices.Clone(docAnnotations)
	for _, a := range p.Annotations {
		if isTrivy(a.Annotator) {
			comments = append(comments, a.AnnotationComment)
		}
	}
	for _, c := range comments {
		if k, v, ok := strings.Cut(c, ": "); ok && k != "" && !strings.ContainsAny(k, " \n") {
			props["aquasecurity:trivy:"+k] = append(props["aquasecurity:trivy:"+k], strings.TrimSpace(v))
		}
	}
	if info, ok := strings.CutPrefix(p.PackageSourceInfo, syftGoModuleInfo); ok {
		foundBy := "go-module-binary-cataloger"
		for _, loc := range strings.Split(info, ",") {
			if path.Base(strings.TrimSpace(loc)) == "go.mod" {
				foundBy = "go-module-file-cataloger"
			}
		}
		props[sbom.SyftFoundBy] = append(props[sbom.SyftFoundBy], foundBy)
	}
}

// syftGoModuleInfo starts the source info Syft writes for Go modules, from
// a go.mod or a binary's build info.
const syftGoModuleInfo = "acquired package info from go module information: "

func isTrivy(a common.Annotator) bool {
	return a.AnnotatorType == "Tool" && strings.HasPrefix(strings.ToLower(a.Annotator), "trivy")
}

func sortedKeys(m map[string]string) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// Decode reads an SPDX 2.x document (JSON or tag-value) into components.
// Only packages with a purl external reference can be matched.
func Decode(r io.Reader, tagValue bool) ([]sbom.Component, error) {
	var (
		d   *spdx.Document
		err error
	)
	if tagValue {
		d, err = tagvalue.Read(r)
	} else {
		d, err = spdxjson.Read(r)
	}
	if err != nil {
		return nil, fmt.Errorf("decode SPDX: %w", err)
	}
	// The reader leaves nil entries for array elements it cannot fill
	// (an SPDX 2.1 or 2.2 document converted to 2.3): skip them.
	d.Packages = slices.DeleteFunc(d.Packages, func(p *spdx.Package) bool { return p == nil })
	d.Relationships = slices.DeleteFunc(d.Relationships, func(r *spdx.Relationship) bool { return r == nil })
	purlOf := map[common.ElementID]string{}
	for _, p := range d.Packages {
		for _, ref := range p.PackageExternalReferences {
			if ref != nil && ref.RefType == "purl" {
				purlOf[p.PackageSPDXIdentifier] = ref.Locator
				break
			}
		}
	}
	deps := map[common.ElementID][]string{}
	described := map[common.ElementID]bool{}
	for _, rel := range d.Relationships {
		if rel.Relationship == "DESCRIBES" {
			described[rel.RefB.ElementRefID] = true
		}
		if rel.Relationship == "DEPENDS_ON" {
			if to := purlOf[rel.RefB.ElementRefID]; to != "" {
				deps[rel.RefA.ElementRefID] = append(deps[rel.RefA.ElementRefID], to)
			}
		}
	}
	docAnnotations := map[common.ElementID][]string{}
	for _, a := range d.Annotations {
		if a != nil && isTrivy(a.Annotator) {
			id := a.AnnotationSPDXIdentifier.ElementRefID
			docAnnotations[id] = append(docAnnotations[id], a.AnnotationComment)
		}
	}
	var out []sbom.Component
	for _, p := range d.Packages {
		if described[p.PackageSPDXIdentifier] && purlOf[p.PackageSPDXIdentifier] == "" {
			continue // the document's subject (the scanned target), not a component
		}
		c := sbom.Component{Name: p.PackageName, Version: p.PackageVersion, PURL: purlOf[p.PackageSPDXIdentifier], Properties: map[string][]string{}, DependsOn: deps[p.PackageSPDXIdentifier]}
		properties(c.Properties, p, docAnnotations[p.PackageSPDXIdentifier])
		if l := p.PackageLicenseDeclared; l != "" && l != noAssertion && l != "NONE" {
			c.Licenses = []string{l}
		}
		for _, cs := range p.PackageChecksums {
			for k, a := range checksumAlgs {
				if a == cs.Algorithm {
					if c.Hashes == nil {
						c.Hashes = map[string]string{}
					}
					c.Hashes[k] = cs.Value
				}
			}
		}
		out = append(out, c)
	}
	return out, nil
}
