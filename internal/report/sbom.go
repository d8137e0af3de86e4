package report

import (
	"io"

	"github.com/vigil-sec/vigil/internal/sbom"
	"github.com/vigil-sec/vigil/internal/sbom/codec"
	"github.com/vigil-sec/vigil/internal/scan"
)

func init() {
	// A CycloneDX BOM with the vulnerabilities (a VDR); suppressed findings
	// carry analysis.state not_affected.
	register("cyclonedx", func(w io.Writer, r *scan.Result, _ Options) error {
		return codec.Encode(w, sbom.CycloneDXJSON, SBOMDocument(r, true))
	})
}

// SBOMDocument converts a scan result into what the SBOM encoders write.
// With vulns set, the vulnerabilities are included (CycloneDX VDR).
func SBOMDocument(r *scan.Result, vulns bool) *sbom.Document {
	doc := &sbom.Document{Name: r.Target.Name, Kind: r.Target.Kind, ToolVersion: r.Tool.Version, Created: r.CreatedAt, Packages: r.Packages}
	if r.Image != nil {
		img := &sbom.Image{Reference: r.Image.Reference, Digest: r.Image.Digest, Platform: r.Image.Platform, Created: r.Image.Created}
		for _, l := range r.Image.Layers {
			img.Layers = append(img.Layers, sbom.Layer{Digest: l.Digest, DiffID: l.DiffID, CreatedBy: l.CreatedBy})
		}
		doc.Image = img
	}
	if r.OS != nil {
		doc.OS = &sbom.OS{ID: r.OS.ID, Version: r.OS.Version, Name: r.OS.Name}
	}
	if !vulns {
		return doc
	}
	for _, v := range r.Vulnerabilities {
		sv := sbom.Vulnerability{ID: v.ID, Aliases: v.Aliases, Severity: v.Severity.String(), Summary: v.Summary, Fixed: v.FixedVersion,
			Published: v.Published, Modified: v.Modified, URLs: v.References,
			Package: v.Package.Ecosystem + "\x00" + v.Package.Name + "\x00" + v.Package.Version}
		if v.CVSS != nil {
			sv.CVSS = &sbom.CVSS{Version: v.CVSS.Version, Vector: v.CVSS.Vector, Score: v.CVSS.Score}
		}
		if v.Suppressed != nil {
			sv.NotAffected = v.Suppressed.Kind + ": " + v.Suppressed.Reason
		}
		doc.Vulnerabilities = append(doc.Vulnerabilities, sv)
	}
	return doc
}
