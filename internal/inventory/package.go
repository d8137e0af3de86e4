// Package inventory holds the software inventory model (packages and where
// they were found) and the extractor framework that produces it.
package inventory

import (
	"cmp"
	"slices"
)

// Relationship says how a package relates to the project that declares it.
type Relationship string

// Relationship values. Unknown means the format does not tell.
const (
	RelUnknown    Relationship = ""
	RelDirect     Relationship = "direct"
	RelTransitive Relationship = "transitive"
)

// Location is where a package was found: a file and, when the format allows,
// the 1-based line of the entry. Layer is set for packages found in a
// container image layer.
type Location struct {
	Path string `json:"path"`
	Line int    `json:"line,omitempty"`
	// Layer is the digest of the image layer that added the file.
	Layer string `json:"layer,omitempty"`
	// LayerCreatedBy is the image history entry of that layer.
	LayerCreatedBy string `json:"layer_created_by,omitempty"`
}

// Package is one software component.
type Package struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	// Ecosystem is the OSV ecosystem string ("npm", "Go", "PyPI",
	// "Debian:12", "Alpine:v3.20", ...).
	Ecosystem string `json:"ecosystem"`
	PURL      string `json:"purl,omitempty"`
	// Locations are the files (and lines) that declare the package. A
	// package declared by several files keeps all of them.
	Locations    []Location   `json:"locations"`
	Relationship Relationship `json:"relationship,omitempty"`
	// Dev marks development-only dependencies where the format tells.
	Dev bool `json:"dev,omitempty"`
	// Extractor is the Name() of the extractor that found the package.
	Extractor string `json:"extractor"`
	// SourceName and SourceVersion are the source package for OS packages
	// (Debian advisories are keyed by source package).
	SourceName    string `json:"source_name,omitempty"`
	SourceVersion string `json:"source_version,omitempty"`
	// Licenses are SPDX expressions or free-text licence names, as found.
	Licenses []string `json:"licenses,omitempty"`
	// Hashes maps an algorithm ("sha256", "sha512", "sha1") to a hex digest.
	Hashes map[string]string `json:"hashes,omitempty"`
	// Platform is "os/arch" for packages compiled into a binary (Go): an
	// advisory that only affects other platforms does not apply.
	Platform string `json:"platform,omitempty"`
	// Evidence says where the name and version came from, for formats
	// with more than one source (Java archives: pom.properties, the
	// manifest, the file name). Empty when the format states them.
	Evidence string `json:"evidence,omitempty"`
	// DependsOn lists the PURLs (or "name@version" when no PURL) of the
	// direct dependencies of this package, where the format gives a graph.
	DependsOn []string `json:"depends_on,omitempty"`
}

// Evidence values (Package.Evidence).
const (
	// EvidencePOMProperties: a Java archive's META-INF/maven/**/pom.properties.
	EvidencePOMProperties = "pom.properties"
	// EvidenceManifest: a Java archive's MANIFEST.MF gives group, artifact
	// and version, confirmed by the file name.
	EvidenceManifest = "manifest"
	// EvidenceManifestUnconfirmed: from the manifest and the file name,
	// which do not confirm each other.
	EvidenceManifestUnconfirmed = "manifest-unconfirmed"
	// EvidenceFileName: from the file name alone ("name-1.2.3.jar").
	EvidenceFileName = "file-name"
)

// Confident reports whether the package's identity is known well enough
// to match advisories against it: false when Evidence says the name was
// guessed (EvidenceManifestUnconfirmed, EvidenceFileName). Such packages
// are listed (and written to SBOMs) but never matched.
func (p *Package) Confident() bool {
	return p.Evidence != EvidenceManifestUnconfirmed && p.Evidence != EvidenceFileName
}

// Key identifies a package for de-duplication: ecosystem, name and version.
func (p *Package) Key() string { return p.Ecosystem + "\x00" + p.Name + "\x00" + p.Version }

// Compare orders packages by ecosystem, name, version, then first location.
func Compare(a, b *Package) int {
	if c := cmp.Compare(a.Ecosystem, b.Ecosystem); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Name, b.Name); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Version, b.Version); c != 0 {
		return c
	}
	return cmp.Compare(firstPath(a), firstPath(b))
}

func firstPath(p *Package) string {
	if len(p.Locations) == 0 {
		return ""
	}
	return p.Locations[0].Path
}

// Sort sorts packages in place in the canonical order, and each package's
// locations by path and line.
func Sort(pkgs []Package) {
	for i := range pkgs {
		slices.SortFunc(pkgs[i].Locations, compareLocation)
	}
	slices.SortFunc(pkgs, func(a, b Package) int { return Compare(&a, &b) })
}

func compareLocation(a, b Location) int {
	if c := cmp.Compare(a.Path, b.Path); c != 0 {
		return c
	}
	return cmp.Compare(a.Line, b.Line)
}
