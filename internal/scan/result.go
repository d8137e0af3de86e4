package scan

import (
	"time"

	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/severity"
)

// SchemaVersion is the version of the JSON report (docs/json-schema). Bump
// the minor for additions, the major for anything a consumer could trip on.
const SchemaVersion = "1.1.0"

// Result is the outcome of one scan. It is the document `--format json`
// prints (docs/json-schema/vigil-report.schema.json) and the `input` of
// gate policies.
type Result struct {
	SchemaVersion string    `json:"schema_version"`
	Tool          Tool      `json:"tool"`
	CreatedAt     time.Time `json:"created_at"`
	Target        Target    `json:"target"`
	Scanners      []string  `json:"scanners"`
	Database      *DBInfo   `json:"database,omitempty"`
	// Exploitation is the KEV/EPSS data findings were enriched with.
	Exploitation *Exploitation `json:"exploitation,omitempty"`
	Image        *Image        `json:"image,omitempty"`
	OS           *OS           `json:"os,omitempty"`

	Packages          []inventory.Package `json:"packages"`
	Vulnerabilities   []Vulnerability     `json:"vulnerabilities"`
	Misconfigurations []Misconfiguration  `json:"misconfigurations"`
	Secrets           []Secret            `json:"secrets"`
	// Issues are inputs that could not be read (file, line, message).
	Issues   []inventory.Issue `json:"issues"`
	Warnings []string          `json:"warnings"`
	Summary  Summary           `json:"summary"`
}

// Tool names the program that wrote the report.
type Tool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// Target is what was scanned.
type Target struct {
	// Kind is dir, rootfs, image, sbom, ...
	Kind string `json:"kind"`
	Name string `json:"name"`
}

// DBInfo describes the vulnerability database used.
type DBInfo struct {
	Dir       string    `json:"dir"`
	Source    string    `json:"source"`
	UpdatedAt time.Time `json:"updated_at"`
	AgeDays   int       `json:"age_days"`
	Stale     bool      `json:"stale"`
}

// Image holds container-image facts.
type Image struct {
	Reference string    `json:"reference"`
	Digest    string    `json:"digest,omitempty"`
	Platform  string    `json:"platform,omitempty"`
	Created   time.Time `json:"created,omitzero"`
	AgeDays   int       `json:"age_days,omitempty"`
	Layers    []Layer   `json:"layers,omitempty"`
	// CreatedFrom says where Created comes from: "config" (the image's
	// created time) or "history" (the newest history entry, when the
	// created time is missing or zero, as in reproducible builds).
	CreatedFrom string `json:"created_from,omitempty"`
	// BaseName and BaseDigest are the declared base image (OCI
	// annotations org.opencontainers.image.base.name / .base.digest).
	BaseName   string `json:"base_name,omitempty"`
	BaseDigest string `json:"base_digest,omitempty"`
}

// Layer is one image layer and what it added.
type Layer struct {
	Digest    string `json:"digest"`
	DiffID    string `json:"diff_id,omitempty"`
	CreatedBy string `json:"created_by,omitempty"`
	Packages  int    `json:"packages"`
}

// OS is the detected distribution.
type OS struct {
	ID        string `json:"id"`
	Version   string `json:"version"`
	Name      string `json:"name,omitempty"`
	Ecosystem string `json:"ecosystem,omitempty"`
	EOL       bool   `json:"eol"`
	EOLDate   string `json:"eol_date,omitempty"`
}

// CVSS is a scored vector.
type CVSS struct {
	Version string  `json:"version"`
	Vector  string  `json:"vector"`
	Score   float64 `json:"score"`
}

// PackageRef names the package a finding is about.
type PackageRef struct {
	Name      string `json:"name"`
	Version   string `json:"version"`
	Ecosystem string `json:"ecosystem"`
	PURL      string `json:"purl,omitempty"`
}

// Location is a place in a file.
type Location struct {
	Path   string `json:"path"`
	Line   int    `json:"line,omitempty"`
	Column int    `json:"column,omitempty"`
	Layer  string `json:"layer,omitempty"`
}

// Suppression says why a finding does not count.
type Suppression struct {
	// Kind is config (vigil.yaml ignore), inline (a comment in the code),
	// vex or baseline.
	Kind    string `json:"kind"`
	Reason  string `json:"reason,omitempty"`
	Expires string `json:"expires,omitempty"`
}

// Vulnerability is one vulnerability group affecting one package.
type Vulnerability struct {
	ID             string         `json:"id"`
	Aliases        []string       `json:"aliases"`
	Package        PackageRef     `json:"package"`
	Locations      []Location     `json:"locations"`
	Severity       severity.Level `json:"severity"`
	SeveritySource string         `json:"severity_source,omitempty"`
	CVSS           *CVSS          `json:"cvss,omitempty"`
	Summary        string         `json:"summary"`
	FixedVersion   string         `json:"fixed_version,omitempty"`
	Published      time.Time      `json:"published,omitzero"`
	Modified       time.Time      `json:"modified,omitzero"`
	References     []string       `json:"references,omitempty"`
	// KEV and EPSS are exploitation data matched by CVE id or alias.
	KEV        *KEV         `json:"kev,omitempty"`
	EPSS       *EPSS        `json:"epss,omitempty"`
	Suppressed *Suppression `json:"suppressed,omitempty"`
}

// Misconfiguration is one failed infrastructure-as-code check.
type Misconfiguration struct {
	CheckID     string            `json:"check_id"`
	Title       string            `json:"title"`
	Description string            `json:"description,omitempty"`
	Severity    severity.Level    `json:"severity"`
	Message     string            `json:"message"`
	Resource    string            `json:"resource,omitempty"`
	Location    Location          `json:"location"`
	Remediation string            `json:"remediation,omitempty"`
	References  []string          `json:"references,omitempty"`
	Controls    map[string]string `json:"controls,omitempty"`
	Suppressed  *Suppression      `json:"suppressed,omitempty"`
}

// Secret is one leaked credential. The secret itself is never stored:
// Match is a redacted prefix and Fingerprint a stable hash.
type Secret struct {
	RuleID      string         `json:"rule_id"`
	Title       string         `json:"title"`
	Severity    severity.Level `json:"severity"`
	Location    Location       `json:"location"`
	EndColumn   int            `json:"end_column,omitempty"`
	Match       string         `json:"match"`
	Fingerprint string         `json:"fingerprint"`
	Commit      string         `json:"commit,omitempty"`
	Author      string         `json:"author,omitempty"`
	Date        string         `json:"date,omitempty"`
	Suppressed  *Suppression   `json:"suppressed,omitempty"`
}

// Summary counts the findings that are not suppressed, by severity.
type Summary struct {
	Packages          int    `json:"packages"`
	Vulnerabilities   Counts `json:"vulnerabilities"`
	Misconfigurations Counts `json:"misconfigurations"`
	Secrets           Counts `json:"secrets"`
	Suppressed        int    `json:"suppressed"`
	Issues            int    `json:"issues"`
}

// Counts is a count per severity.
type Counts struct {
	Total    int `json:"total"`
	Critical int `json:"critical"`
	High     int `json:"high"`
	Medium   int `json:"medium"`
	Low      int `json:"low"`
	Unknown  int `json:"unknown"`
}

// Add counts one finding of level l.
func (c *Counts) Add(l severity.Level) {
	c.Total++
	switch l {
	case severity.Critical:
		c.Critical++
	case severity.High:
		c.High++
	case severity.Medium:
		c.Medium++
	case severity.Low:
		c.Low++
	default:
		c.Unknown++
	}
}

// Summarise recomputes r.Summary from the findings.
func (r *Result) Summarise() {
	s := Summary{Packages: len(r.Packages), Issues: len(r.Issues)}
	for _, v := range r.Vulnerabilities {
		if v.Suppressed != nil {
			s.Suppressed++
			continue
		}
		s.Vulnerabilities.Add(v.Severity)
	}
	for _, m := range r.Misconfigurations {
		if m.Suppressed != nil {
			s.Suppressed++
			continue
		}
		s.Misconfigurations.Add(m.Severity)
	}
	for _, sec := range r.Secrets {
		if sec.Suppressed != nil {
			s.Suppressed++
			continue
		}
		s.Secrets.Add(sec.Severity)
	}
	r.Summary = s
}
