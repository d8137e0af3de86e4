// Package sbom writes and reads software bills of materials. Each format is
// its own sub-package (cyclonedx, spdx); this package holds what they share:
// the format registry, sniffing and the mapping of package metadata.
package sbom

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"strings"

	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/inventory/purl"
)

// MaxSize bounds an SBOM read from disk.
const MaxSize = 256 << 20

// Format names.
const (
	CycloneDXJSON = "cyclonedx-json"
	CycloneDXXML  = "cyclonedx-xml"
	SPDXJSON      = "spdx-json"
	SPDXTagValue  = "spdx-tag-value"
)

// Formats lists the SBOM formats Vigil writes and reads.
var Formats = []string{CycloneDXJSON, CycloneDXXML, SPDXJSON, SPDXTagValue}

// Sniff guesses an SBOM's format from its first bytes, or returns "".
func Sniff(head []byte) string {
	h := bytes.TrimSpace(head)
	switch {
	case bytes.HasPrefix(h, []byte("{")):
		switch {
		case bytes.Contains(h, []byte(`"bomFormat"`)) && bytes.Contains(h, []byte(`"CycloneDX"`)):
			return CycloneDXJSON
		case bytes.Contains(h, []byte(`"spdxVersion"`)):
			return SPDXJSON
		}
	case bytes.HasPrefix(h, []byte("<")):
		if bytes.Contains(h, []byte("cyclonedx.org/schema/bom")) {
			return CycloneDXXML
		}
	case bytes.HasPrefix(h, []byte("SPDXVersion:")), bytes.Contains(h, []byte("\nSPDXVersion:")):
		return SPDXTagValue
	}
	return ""
}

// Property names Vigil writes to carry what a purl cannot: everything the
// matcher uses to decide whether and how a package is matched, so that a
// scan of Vigil's SBOM of x finds what a scan of x finds (docs/sbom.md).
const (
	PropEcosystem     = "vigil:ecosystem"
	PropSourceName    = "vigil:source_name"
	PropSourceVersion = "vigil:source_version"
	PropLocation      = "vigil:location"
	PropLayer         = "vigil:layer"
	PropRelationship  = "vigil:relationship"
	PropExtractor     = "vigil:extractor"
	PropEvidence      = "vigil:evidence"
	PropPlatform      = "vigil:platform"
	PropDev           = "vigil:dev"
)

// Other tools' property names read on decode. Syft's SPDX output carries no
// properties; the SPDX decoder turns what it does say into these names.
const (
	SyftFoundBy     = "syft:package:foundBy"
	SyftGOOS        = "syft:metadata:goBuildSettings:GOOS"
	SyftGOARCH      = "syft:metadata:goBuildSettings:GOARCH"
	TrivyPkgType    = "aquasecurity:trivy:PkgType"
	TrivySrcName    = "aquasecurity:trivy:SrcName"
	TrivySrcVersion = "aquasecurity:trivy:SrcVersion"
	TrivySrcRelease = "aquasecurity:trivy:SrcRelease"
	TrivySrcEpoch   = "aquasecurity:trivy:SrcEpoch"
)

var (
	sourceNameProps    = []string{PropSourceName, TrivySrcName, "syft:metadata:source"}
	sourceVersionProps = []string{PropSourceVersion, "syft:metadata:sourceVersion"}
)

// foreignExtractors maps what Syft (cataloger names) and Trivy (package
// types) say found a package to the Vigil extractor that reads the same
// file, where a matching rule depends on the extractor: the Go stdlib of a
// go.mod is not matched, that of a binary is.
var foreignExtractors = map[string]string{
	"go-module-file-cataloger":   "golang/gomod",
	"go-mod-file-cataloger":      "golang/gomod",
	"go-module-binary-cataloger": "golang/gobinary",
	"gomod":                      "golang/gomod",
	"gobinary":                   "golang/gobinary",
	"dpkg-db-cataloger":          "debian/dpkg",
	"apk-db-cataloger":           "alpine/apkdb",
	"rpm-db-cataloger":           "rpm/rpmdb",
}

// Component is the format-neutral view of one SBOM entry on decode.
type Component struct {
	Name, Version, PURL string
	Properties          map[string][]string
	Licenses            []string
	Hashes              map[string]string
	DependsOn           []string
}

// ToPackage turns a decoded component into an inventory package, or
// ok=false when it cannot be matched (no purl, or a purl type with no OSV
// ecosystem). The SBOM file is the package's location. The extractor is the
// one the SBOM names (vigil:extractor, or the Vigil equivalent of Syft's
// cataloger or Trivy's package type), else fallback.
func ToPackage(c Component, sbomPath, fallback string) (inventory.Package, bool) {
	if c.PURL == "" {
		return inventory.Package{}, false
	}
	p, err := purl.Parse(c.PURL)
	if err != nil {
		return inventory.Package{}, false
	}
	pkg := inventory.Package{
		Name: p.Name, Version: p.Version, Ecosystem: p.Ecosystem, PURL: c.PURL,
		Locations: []inventory.Location{{Path: sbomPath}}, Extractor: extractorOf(c, fallback),
		Licenses: c.Licenses, Hashes: c.Hashes, DependsOn: c.DependsOn,
	}
	if pkg.Version == "" {
		pkg.Version = c.Version
	}
	// Trivy keeps a Debian or RPM epoch in a qualifier, not in the version.
	if e := p.Qualifiers["epoch"]; e != "" && e != "0" && !strings.Contains(pkg.Version, ":") {
		pkg.Version = e + ":" + pkg.Version
	}
	// Vigil's Go extractors write module versions without the "v" (as OSV
	// ranges do); Syft and Trivy keep it in the purl.
	// Syft writes the stdlib as the toolchain names it ("go1.22.0").
	if pkg.Ecosystem == "Go" {
		pkg.Version = strings.TrimPrefix(pkg.Version, "v")
		if pkg.Name == "stdlib" {
			pkg.Version = strings.TrimPrefix(pkg.Version, "go")
		}
	}
	// A purl normalises a PyPI name ("django"); the component keeps the
	// name as the project spells it ("Django"), as a direct scan reports it.
	if pkg.Ecosystem == "PyPI" && c.Name != "" && purl.NormalizePyPI(c.Name) == pkg.Name {
		pkg.Name = c.Name
	}
	if eco := first(c.Properties[PropEcosystem]); eco != "" {
		pkg.Ecosystem = eco
	}
	pkg.SourceName = firstOf(c.Properties, sourceNameProps)
	pkg.SourceVersion = firstOf(c.Properties, sourceVersionProps)
	if pkg.SourceVersion == "" {
		pkg.SourceVersion = trivySourceVersion(c.Properties)
	}
	// Syft records a Debian source package as purl qualifier upstream=name@version.
	if up := p.Qualifiers["upstream"]; up != "" && pkg.SourceName == "" {
		name, ver, _ := strings.Cut(up, "@")
		pkg.SourceName, pkg.SourceVersion = name, ver
	}
	if pkg.SourceName != "" && pkg.SourceVersion == "" {
		pkg.SourceVersion = pkg.Version
	}
	// The evidence decides whether the package is matched.
	pkg.Evidence = first(c.Properties[PropEvidence])
	switch inventory.Relationship(first(c.Properties[PropRelationship])) {
	case inventory.RelDirect:
		pkg.Relationship = inventory.RelDirect
	case inventory.RelTransitive:
		pkg.Relationship = inventory.RelTransitive
	}
	pkg.Dev = first(c.Properties[PropDev]) == "true"
	pkg.Platform = first(c.Properties[PropPlatform])
	if goos, goarch := first(c.Properties[SyftGOOS]), first(c.Properties[SyftGOARCH]); pkg.Platform == "" && goos != "" && goarch != "" {
		pkg.Platform = goos + "/" + goarch
	}
	return pkg, true
}

// extractorOf is the extractor an SBOM says found the component.
func extractorOf(c Component, fallback string) string {
	if ex := first(c.Properties[PropExtractor]); ex != "" {
		return ex
	}
	for _, k := range []string{SyftFoundBy, TrivyPkgType} {
		if ex, ok := foreignExtractors[first(c.Properties[k])]; ok {
			return ex
		}
	}
	return fallback
}

// trivySourceVersion puts Trivy's source epoch, version and release back
// together the way the package's own version is written.
func trivySourceVersion(props map[string][]string) string {
	v := first(props[TrivySrcVersion])
	if v == "" {
		return ""
	}
	if r := first(props[TrivySrcRelease]); r != "" {
		v += "-" + r
	}
	if e := first(props[TrivySrcEpoch]); e != "" && e != "0" {
		v = e + ":" + v
	}
	return v
}

func first(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}

func firstOf(props map[string][]string, keys []string) string {
	for _, k := range keys {
		if v := first(props[k]); v != "" {
			return v
		}
	}
	return ""
}

// Properties returns the vigil:* properties of a package, in a stable order.
func Properties(p *inventory.Package) [][2]string {
	props := [][2]string{{PropEcosystem, p.Ecosystem}}
	if p.Extractor != "" {
		props = append(props, [2]string{PropExtractor, p.Extractor})
	}
	if p.Relationship != inventory.RelUnknown {
		props = append(props, [2]string{PropRelationship, string(p.Relationship)})
	}
	if p.Evidence != "" {
		props = append(props, [2]string{PropEvidence, p.Evidence})
	}
	if p.Dev {
		props = append(props, [2]string{PropDev, "true"})
	}
	if p.Platform != "" {
		props = append(props, [2]string{PropPlatform, p.Platform})
	}
	if p.SourceName != "" {
		props = append(props, [2]string{PropSourceName, p.SourceName}, [2]string{PropSourceVersion, p.SourceVersion})
	}
	for _, l := range p.Locations {
		loc := l.Path
		if l.Line > 0 {
			loc = fmt.Sprintf("%s:%d", l.Path, l.Line)
		}
		props = append(props, [2]string{PropLocation, loc})
		if l.Layer != "" {
			props = append(props, [2]string{PropLayer, l.Layer})
		}
	}
	return props
}

// Ref returns a stable, unique reference for package i: its purl when
// unique, else the purl (or name@version) with a short hash of its key.
func Ref(p *inventory.Package, seen map[string]bool) string {
	ref := p.PURL
	if ref == "" {
		ref = p.Ecosystem + ":" + p.Name + "@" + p.Version
	}
	if seen[ref] {
		sum := sha256.Sum256([]byte(p.Key() + "\x00" + fmt.Sprint(p.Locations)))
		ref += "#" + hex.EncodeToString(sum[:4])
	}
	seen[ref] = true
	return ref
}

var spdxToken = regexp.MustCompile(`^(\(|\)|AND|OR|WITH|[A-Za-z0-9][A-Za-z0-9.+-]*(:[A-Za-z0-9.+-]+)?)$`)

// IsSPDXExpression reports whether s has the shape of an SPDX licence
// expression (ids, AND, OR, WITH and parentheses), so it can be written as
// an expression rather than a free-text name.
func IsSPDXExpression(s string) bool {
	s = strings.ReplaceAll(strings.ReplaceAll(s, "(", " ( "), ")", " ) ")
	toks := strings.Fields(s)
	if len(toks) == 0 {
		return false
	}
	for _, t := range toks {
		if !spdxToken.MatchString(t) {
			return false
		}
	}
	return true
}

// DocumentID is a deterministic identifier for an SBOM of these packages.
func DocumentID(target string, pkgs []inventory.Package) string {
	h := sha256.New()
	h.Write([]byte(target))
	for i := range pkgs {
		h.Write([]byte{0})
		h.Write([]byte(pkgs[i].Key()))
	}
	sum := h.Sum(nil)
	// A version-4-shaped UUID from the hash.
	sum[6] = sum[6]&0x0f | 0x40
	sum[8] = sum[8]&0x3f | 0x80
	x := hex.EncodeToString(sum[:16])
	return x[0:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:32]
}
