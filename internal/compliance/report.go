package compliance

import (
	"time"
)

// AuditRef names an audit record behind a figure: its sequence number and hash
// (GET /api/v1/audit?after=<seq-1>&limit=1 shows it; `vigil audit verify`
// checks the chain through it).
type AuditRef struct {
	Seq  int64  `json:"seq"`
	Hash string `json:"hash"`
}

// EvidenceReport is the evidence of one project over [From, To) for the controls
// of one framework.
type EvidenceReport struct {
	Framework      string    `json:"framework"`
	FrameworkTitle string    `json:"framework_title"`
	Project        string    `json:"project"`
	From           time.Time `json:"from"`
	To             time.Time `json:"to"`
	GeneratedAt    time.Time `json:"generated_at"`
	// AuditHead is the audit log's last record when the report was made:
	// every AuditRef is at or before it.
	AuditHead AuditRef `json:"audit_head"`

	Controls    []ControlEvidence    `json:"controls"`
	Scans       []ScanEvidence       `json:"scans"`
	Open        OpenEvidence         `json:"open_findings"`
	Remediation RemediationEvidence  `json:"remediation"`
	Acceptances []AcceptanceEvidence `json:"acceptances"`
	IaC         []IaCEvidence        `json:"iac_checks"`
}

// ControlEvidence is one control and the evidence sections that show it.
type ControlEvidence struct {
	ID          string   `json:"id"`
	Title       string   `json:"title"`
	Description string   `json:"description,omitempty"`
	Evidence    []string `json:"evidence"`
	// Scans counts the period's scans by gate, for a control shown by
	// scans (nil otherwise).
	Scans *ScanCounts `json:"scans,omitempty"`
}

// ScanCounts are the period's scans by their gate: gated ones (a push
// that carried the CI's decision), of which failed (the CI's gate failed)
// and server_failed (the server's own decision failed), and ungated ones
// (a plain SBOM, a registry watch, a SARIF upload).
type ScanCounts struct {
	Total        int `json:"total"`
	Gated        int `json:"gated"`
	Failed       int `json:"failed"`
	ServerFailed int `json:"server_failed"`
	Ungated      int `json:"ungated"`
}

// ScanEvidence is one scan pushed to the server (an ingest) in the period.
type ScanEvidence struct {
	Time       time.Time `json:"time"`
	Actor      string    `json:"actor"`
	ArtifactID int64     `json:"artifact_id"`
	Kind       string    `json:"kind"`
	Name       string    `json:"name"`
	Digest     string    `json:"digest"`
	Tool       string    `json:"tool,omitempty"`
	Packages   int       `json:"packages"`
	Findings   int       `json:"findings"`
	// Gate is the scan's gate as its ingest record holds it (null: not
	// gated).
	Gate  *ScanGate `json:"gate"`
	Audit AuditRef  `json:"audit"`
}

// ScanGate is a scan's gate: the pushing CLI's decision (its exit code,
// the findings that failed it, the policy files and vulnerability
// database it decided with) and the server's own on the same artifact.
type ScanGate struct {
	Passed         bool         `json:"passed"`
	ExitCode       int          `json:"exit_code"`
	FailedFindings int          `json:"failed_findings"`
	FailOn         string       `json:"fail_on,omitempty"`
	PolicyFiles    []PolicyFile `json:"policy_files"`
	// VulnDBSHA256 and VulnDBAgeDays describe the CLI's database (empty
	// and -1 when the scan matched none).
	VulnDBSHA256         string `json:"vulndb_sha256,omitempty"`
	VulnDBAgeDays        int    `json:"vulndb_age_days"`
	ServerPassed         bool   `json:"server_passed"`
	ServerFailedFindings int    `json:"server_failed_findings"`
}

// PolicyFile is a file the gate decided with, by SHA-256.
type PolicyFile struct {
	Path   string `json:"path"`
	SHA256 string `json:"sha256"`
}

// OpenEvidence are the project's open findings now, against the SLA (the
// remediation metrics' totals).
type OpenEvidence struct {
	Open            int             `json:"open"`
	Breached        int             `json:"breached"`
	DueSoon         int             `json:"due_soon"`
	MeanOpenAgeDays float64         `json:"mean_open_age_days"`
	BySeverity      []SeverityCount `json:"by_severity"`
	// Audit are the ingests (in the period or before) of the artifacts that
	// hold open findings.
	Audit []AuditRef `json:"audit"`
}

// SeverityCount is a figure of one group.
type SeverityCount struct {
	Key      string `json:"key"`
	Open     int    `json:"open"`
	Breached int    `json:"breached"`
}

// RemediationEvidence is what was fixed in the period and how fast.
type RemediationEvidence struct {
	Remediated     int     `json:"remediated"`
	RemediatedLate int     `json:"remediated_late"`
	MTTRDays       float64 `json:"mttr_days"`
	// Fixes are the period's fixes one by one, each with the audit record
	// of the change that fixed it.
	Fixes []FixEvidence `json:"fixes"`
	// Audit are the records in the period that changed the project's
	// findings (ingests, reconciliations and state changes).
	Audit []AuditRef `json:"audit"`
}

// FixEvidence is one finding fixed in the period and the record of the
// change that fixed it: a state change (finding.state), a re-match or
// upload that no longer found it (findings.reconcile), or a deployment
// that replaced its artifact (deployment.start).
type FixEvidence struct {
	Time            time.Time `json:"time"`
	FindingID       int64     `json:"finding_id"`
	VulnerabilityID string    `json:"vulnerability_id"`
	ArtifactID      int64     `json:"artifact_id"`
	// By is the kind of the record: finding.state, findings.reconcile or
	// deployment.start.
	By     string   `json:"by"`
	Reason string   `json:"reason,omitempty"`
	Audit  AuditRef `json:"audit"`
}

// AcceptanceEvidence is one risk acceptance decided in the period.
type AcceptanceEvidence struct {
	Time            time.Time `json:"time"`
	FindingID       int64     `json:"finding_id"`
	VulnerabilityID string    `json:"vulnerability_id"`
	Approver        string    `json:"approver"`
	Reason          string    `json:"reason"`
	Until           time.Time `json:"until,omitzero"`
	Audit           AuditRef  `json:"audit"`
}

// IaCEvidence is a failed infrastructure-as-code check found on the
// project's artifacts, with the benchmark controls it maps to (CIS, PSS).
type IaCEvidence struct {
	CheckID    string            `json:"check_id"`
	Title      string            `json:"title"`
	Severity   string            `json:"severity"`
	State      string            `json:"state"`
	ArtifactID int64             `json:"artifact_id"`
	Controls   map[string]string `json:"controls,omitempty"`
	// Audit is the ingest of the artifact the check failed on.
	Audit AuditRef `json:"audit"`
}

// Refs lists every audit reference of the report (for checks).
func (r *EvidenceReport) Refs() []AuditRef {
	var out []AuditRef
	for _, s := range r.Scans {
		out = append(out, s.Audit)
	}
	out = append(out, r.Open.Audit...)
	out = append(out, r.Remediation.Audit...)
	for _, f := range r.Remediation.Fixes {
		out = append(out, f.Audit)
	}
	for _, a := range r.Acceptances {
		out = append(out, a.Audit)
	}
	for _, c := range r.IaC {
		out = append(out, c.Audit)
	}
	return out
}
