package sbom

import (
	"time"

	"github.com/vigil-sec/vigil/internal/inventory"
)

// Document is what an SBOM encoder writes: the inventory of one target with
// its image and OS facts, and optionally vulnerabilities (a CycloneDX VDR).
type Document struct {
	// Name is the scanned target (path or image reference).
	Name string
	// Kind is dir, file, rootfs, image or sbom.
	Kind        string
	ToolVersion string
	Created     time.Time
	Packages    []inventory.Package
	Image       *Image
	OS          *OS
	// Vulnerabilities turn a CycloneDX BOM into a VDR; ignored by SPDX.
	Vulnerabilities []Vulnerability
}

// Image facts.
type Image struct {
	Reference, Digest, Platform string
	Created                     time.Time
	Layers                      []Layer
}

// Layer of an image.
type Layer struct {
	Digest, DiffID, CreatedBy string
}

// OS is the distribution.
type OS struct {
	ID, Version, Name string
}

// Vulnerability is one finding for a VDR.
type Vulnerability struct {
	ID        string
	Aliases   []string
	Severity  string // CRITICAL, HIGH, MEDIUM, LOW, UNKNOWN
	CVSS      *CVSS
	Summary   string
	Fixed     string
	Published time.Time
	Modified  time.Time
	URLs      []string
	// Package is the affected package's Key() (inventory.Package.Key).
	Package string
	// NotAffected holds the reason when the finding is suppressed.
	NotAffected string
}

// CVSS is a scored vector.
type CVSS struct {
	Version string // "3.1", "4.0"
	Vector  string
	Score   float64
}
