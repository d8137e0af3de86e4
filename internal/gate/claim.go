package gate

import (
	"bytes"
	_ "embed"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/vigil-sec/vigil/internal/severity"
)

// ClaimHeader is the push request header that carries a claim: its JSON,
// base64url-encoded without padding.
const ClaimHeader = "Vigil-Gate"

// MaxClaimSize bounds a claim's JSON (the Vigil-Gate header carries it
// base64url-encoded: about 22 KiB, within the server's header limit).
const MaxClaimSize = 16 << 10

// Claim is a gate decision with the inputs that made it: what `vigil scan
// --audit-log` records and what `vigil scan --push` sends with its push
// (the Vigil-Gate header, docs/server.md), so the server's ingest record
// holds the CI's decision. Its shape is claim.schema.json.
type Claim struct {
	Passed   bool `json:"passed"`
	ExitCode int  `json:"exit_code"`
	// FailedFindings counts the findings that failed the gate: those at
	// or above fail_on (and unscored ones), KEV-listed or above min_epss.
	FailedFindings int        `json:"failed_findings"`
	Reasons        []string   `json:"reasons,omitempty"`
	Denies         []string   `json:"denies,omitempty"`
	Warnings       []string   `json:"warnings,omitempty"`
	Thresholds     Thresholds `json:"thresholds"`
	// PolicyFiles are the files that decided (config, Rego, VEX, secrets
	// baseline), by SHA-256.
	PolicyFiles []FileDigest `json:"policy_files"`
	// VulnDB is the vulnerability database the findings were matched
	// with (nil: the scan matched none).
	VulnDB *DBState `json:"vulndb"`
}

// Thresholds are the gate options a claim was decided with.
type Thresholds struct {
	FailOn                string   `json:"fail_on,omitempty"`
	OnlyFixable           bool     `json:"only_fixable,omitempty"`
	IgnoreUnknownSeverity bool     `json:"ignore_unknown_severity,omitempty"`
	MinAdvisoryAgeHours   float64  `json:"min_advisory_age_hours,omitempty"`
	MaxImageAgeDays       int      `json:"max_image_age_days,omitempty"`
	FailOnKEV             bool     `json:"fail_on_kev,omitempty"`
	MinEPSS               float64  `json:"min_epss,omitempty"`
	DenyLicenses          []string `json:"deny_licenses,omitempty"`
	DenyPackages          []string `json:"deny_packages,omitempty"`
}

// FileDigest is a policy file by its SHA-256.
type FileDigest struct {
	Path   string `json:"path"`
	SHA256 string `json:"sha256"`
}

// DBState is the vulnerability database behind a decision: its content
// fingerprint, where it came from, and how old it was.
type DBState struct {
	SHA256    string    `json:"sha256,omitempty"`
	Source    string    `json:"source,omitempty"`
	UpdatedAt time.Time `json:"updated_at"`
	AgeDays   int       `json:"age_days"`
	Stale     bool      `json:"stale,omitempty"`
}

// ThresholdsOf lists the options o decides with.
func ThresholdsOf(o Options) Thresholds {
	t := Thresholds{OnlyFixable: o.OnlyFixable, IgnoreUnknownSeverity: o.IgnoreUnknownSeverity, MinAdvisoryAgeHours: o.MinAdvisoryAge.Hours(),
		MaxImageAgeDays: int(o.MaxImageAge / (24 * time.Hour)), FailOnKEV: o.FailOnKEV, MinEPSS: o.MinEPSS, DenyLicenses: o.DenyLicenses, DenyPackages: o.DenyPackages}
	if o.FailOn != severity.Unknown {
		t.FailOn = o.FailOn.String()
	}
	return t
}

//go:embed claim.schema.json
var claimSchemaJSON []byte

var claimSchema = sync.OnceValues(func() (*jsonschema.Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(claimSchemaJSON))
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	const id = "https://vigil.dev/schema/gate-claim-1.json"
	if err := c.AddResource(id, doc); err != nil {
		return nil, err
	}
	return c.Compile(id)
})

// ParseClaim reads a claim from untrusted JSON: at most MaxClaimSize
// bytes, valid against claim.schema.json, and consistent (a passed gate
// exits 0 and failed none; a failed one names a reason).
func ParseClaim(data []byte) (*Claim, error) {
	if len(data) > MaxClaimSize {
		return nil, fmt.Errorf("gate claim: larger than %d bytes", MaxClaimSize)
	}
	sch, err := claimSchema()
	if err != nil {
		return nil, fmt.Errorf("gate claim schema: %w", err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("gate claim: not JSON: %w", err)
	}
	if err := sch.Validate(inst); err != nil {
		return nil, fmt.Errorf("gate claim: %w", err)
	}
	var c Claim
	if err := json.Unmarshal(data, &c); err != nil {
		return nil, fmt.Errorf("gate claim: %w", err)
	}
	switch {
	case c.Passed && (c.FailedFindings != 0 || len(c.Reasons) > 0):
		return nil, fmt.Errorf("gate claim: passed, yet %d failed findings and %d reasons", c.FailedFindings, len(c.Reasons))
	case !c.Passed && len(c.Reasons) == 0:
		return nil, fmt.Errorf("gate claim: failed without a reason")
	}
	if c.PolicyFiles == nil {
		c.PolicyFiles = []FileDigest{}
	}
	return &c, nil
}

// Options are the gate options of t (without Rego policies: a claim
// names their files, it does not carry them).
func (t Thresholds) Options(now func() time.Time) Options {
	o := Options{OnlyFixable: t.OnlyFixable, IgnoreUnknownSeverity: t.IgnoreUnknownSeverity, MinAdvisoryAge: time.Duration(t.MinAdvisoryAgeHours * float64(time.Hour)),
		MaxImageAge: time.Duration(t.MaxImageAgeDays) * 24 * time.Hour, FailOnKEV: t.FailOnKEV, MinEPSS: t.MinEPSS, DenyLicenses: t.DenyLicenses, DenyPackages: t.DenyPackages, Now: now}
	if t.FailOn != "" {
		o.FailOn, _ = severity.Parse(t.FailOn) // the schema allows only levels
	}
	return o
}

// DecodeClaimHeader reads the Vigil-Gate header's value (base64url JSON,
// padding optional) with ParseClaim.
func DecodeClaimHeader(v string) (*Claim, error) {
	if len(v) > base64.RawURLEncoding.EncodedLen(MaxClaimSize)+2 {
		return nil, fmt.Errorf("gate claim: larger than %d bytes", MaxClaimSize)
	}
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(v, "="))
	if err != nil {
		return nil, fmt.Errorf("gate claim: %s header is not base64url: %w", ClaimHeader, err)
	}
	return ParseClaim(b)
}
