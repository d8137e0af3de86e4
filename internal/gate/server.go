package gate

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/vigil-sec/vigil/internal/severity"
)

// ServerState is what a Vigil server knows about a project for the gate:
// its open findings (with the environments their artifacts run in and
// their SLA) and the build times of its images. It is the body of
// GET /api/v1/projects/{project}/gate (docs/gate-server.md), so that
// `vigil gate` and `vigil scan --server` judge it with the same rules as
// a local scan.
type ServerState struct {
	Project string `json:"project"`
	// Now is the server's clock when it answered.
	Now time.Time `json:"now"`
	// Findings are open findings: not fixed, not accepted, not false
	// positives (the server's triage is its suppression).
	Findings []ServerFinding `json:"findings"`
	// Images are the image artifacts the answer covers, with their build
	// times.
	Images []ServerImage `json:"images"`
	// MaxImageAgeDays is the server's image-age limit (serve config
	// freshness.max_image_age_days; 0: none). The gate applies it when its
	// own gate.max_image_age_days is not set; the gate's value overrides.
	MaxImageAgeDays int `json:"max_image_age_days,omitempty"`
	// Truncated is set when the server had more findings than it returns;
	// the gate fails closed on it.
	Truncated bool `json:"truncated,omitempty"`
}

// ServerFinding is one open finding of the project.
type ServerFinding struct {
	ID              int64     `json:"id"`
	Kind            string    `json:"kind" enum:"vulnerability,misconfiguration,secret"`
	VulnerabilityID string    `json:"vulnerability_id"`
	Package         string    `json:"package,omitempty" doc:"name@version of the affected package"`
	Severity        string    `json:"severity" doc:"CRITICAL, HIGH, MEDIUM, LOW or UNKNOWN"`
	FixedVersion    string    `json:"fixed_version,omitempty"`
	Published       time.Time `json:"published,omitzero" doc:"when the advisory was published (min_advisory_age)"`
	Artifact        string    `json:"artifact" doc:"digest of the artifact that has it"`
	ArtifactName    string    `json:"artifact_name,omitempty"`
	// Environments the artifact runs in now (empty: not deployed).
	Environments []string  `json:"environments"`
	FirstSeen    time.Time `json:"first_seen"`
	// SLADue is when the finding's SLA runs out (zero: no SLA).
	SLADue      time.Time `json:"sla_due,omitzero"`
	SLABreached bool      `json:"sla_breached"`
	// Aliases, Ecosystem and PURL complete the Rego input of a server
	// gate (the shape of a local report's vulnerability; summaries are
	// left out to keep 10 000 findings well under the CLI's 16 MiB).
	Aliases   []string `json:"aliases,omitempty"`
	Ecosystem string   `json:"ecosystem,omitempty"`
	PURL      string   `json:"purl,omitempty"`
}

// ServerImage is an image artifact of the project and where it runs.
type ServerImage struct {
	Artifact string `json:"artifact"`
	Name     string `json:"name,omitempty"`
	// Built is the image's build time (zero: unknown); see docs/freshness.md.
	Built        time.Time `json:"built,omitzero"`
	Environments []string  `json:"environments"`
}

// Validate rejects an answer the gate cannot judge: the gate fails
// closed on a server that answers garbage.
func (st *ServerState) Validate(project string) error {
	if st.Project != project {
		return fmt.Errorf("answer is about project %q, not %q", st.Project, project)
	}
	if st.Now.IsZero() {
		return fmt.Errorf("answer has no server time")
	}
	if st.Findings == nil || st.Images == nil {
		return fmt.Errorf("answer has no findings or images list")
	}
	if st.MaxImageAgeDays < 0 || st.MaxImageAgeDays > 100000 {
		return fmt.Errorf("max_image_age_days %d is out of range 0-100000", st.MaxImageAgeDays)
	}
	for i, f := range st.Findings {
		switch f.Kind {
		case "vulnerability", "misconfiguration", "secret":
		default:
			return fmt.Errorf("finding %d (index %d): unknown kind %q", f.ID, i, f.Kind)
		}
		if f.ID <= 0 || f.Artifact == "" {
			return fmt.Errorf("finding index %d: no id or artifact", i)
		}
		if _, err := parseServerSeverity(f.Severity); err != nil {
			return fmt.Errorf("finding %d: %w", f.ID, err)
		}
	}
	return nil
}

func parseServerSeverity(s string) (severity.Level, error) {
	if strings.EqualFold(s, "unknown") {
		return severity.Unknown, nil
	}
	l, err := severity.Parse(s)
	if err == nil && l == severity.Unknown {
		err = fmt.Errorf("empty severity")
	}
	return l, err
}

// MaxReasons bounds the findings a server gate names one by one; the rest
// are counted.
const MaxReasons = 20

// EvaluateServer judges what the server knows about a project with the
// rules of Evaluate: FailOn (with OnlyFixable, MinAdvisoryAge,
// IgnoreUnknownSeverity) over the open findings, MaxImageAge over the
// images (the server's MaxImageAgeDays when the gate sets none), and SLA
// breaches unless IgnoreSLABreach. Each failing finding is named with its
// artifact and environments. The Rego policies (Policies, or PolicyDirs
// loaded here) are evaluated per artifact with the input of a local scan
// (Policies.EvalServer); a policy that does not compile or fails to
// evaluate is an error, never a pass. Call Validate first.
func EvaluateServer(ctx context.Context, st *ServerState, o Options) (Outcome, error) {
	now := st.Now
	if o.MaxImageAge == 0 && st.MaxImageAgeDays > 0 {
		o.MaxImageAge = time.Duration(st.MaxImageAgeDays) * 24 * time.Hour
	}
	var out Outcome
	var named []string
	extra := 0
	name := func(s string) {
		if len(named) < MaxReasons {
			named = append(named, s)
		} else {
			extra++
		}
	}
	fs := append([]ServerFinding(nil), st.Findings...)
	// Deployed first, then the most severe, then by id: the message leads
	// with what runs in production.
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		if (len(a.Environments) > 0) != (len(b.Environments) > 0) {
			return len(a.Environments) > 0
		}
		la, _ := parseServerSeverity(a.Severity)
		lb, _ := parseServerSeverity(b.Severity)
		if la != lb {
			return la > lb
		}
		return a.ID < b.ID
	})
	for _, f := range fs {
		sev, _ := parseServerSeverity(f.Severity)
		c := countNo
		if f.Kind == "vulnerability" {
			c = o.vulnCounts(false, sev, f.FixedVersion, f.Published, now)
		} else if o.FailOn != severity.Unknown && sev >= o.FailOn {
			c = countYes
		}
		if c != countNo || (f.SLABreached && !o.IgnoreSLABreach) {
			out.Findings++
		}
		switch c {
		case countYes:
			name(fmt.Sprintf("%s %s%s on %s (%s)", sev, describe(f), pkgOf(f), artifactOf(f), where(f.Environments)))
		case countUnknown:
			name(fmt.Sprintf("%s of unknown severity%s on %s (%s; gate.ignore_unknown_severity lets it pass)", describe(f), pkgOf(f), artifactOf(f), where(f.Environments)))
		}
		if f.SLABreached && !o.IgnoreSLABreach {
			name(fmt.Sprintf("%s %s%s on %s (%s) is past its SLA (due %s)", sev, describe(f), pkgOf(f), artifactOf(f), where(f.Environments), f.SLADue.UTC().Format(time.DateOnly)))
		}
	}
	for _, im := range st.Images {
		n := im.Name
		if n == "" {
			n = im.Artifact
		}
		if reason, ok := o.imageTooOld(n, im.Built, now); ok {
			name(fmt.Sprintf("%s (%s)", reason, where(im.Environments)))
		}
	}
	out.Reasons = named
	if extra > 0 {
		out.Reasons = append(out.Reasons, fmt.Sprintf("and %d more", extra))
	}
	if err := o.applyPolicies(ctx, &out, func(p *Policies) ([]string, []string, error) { return p.EvalServer(ctx, st) }); err != nil {
		return out, err
	}
	if st.Truncated {
		out.Reasons = append(out.Reasons, "the server has more findings than it returned; the gate fails closed")
	}
	out.Failed = len(out.Reasons) > 0
	return out, nil
}

func describe(f ServerFinding) string {
	id := f.VulnerabilityID
	if id == "" {
		id = fmt.Sprintf("#%d", f.ID)
	}
	if f.Kind == "vulnerability" {
		return id
	}
	return f.Kind + " " + id
}

func pkgOf(f ServerFinding) string {
	if f.Package == "" {
		return ""
	}
	return " in " + f.Package
}

func artifactOf(f ServerFinding) string {
	if f.ArtifactName != "" && f.ArtifactName != f.Artifact {
		return f.ArtifactName + " " + f.Artifact
	}
	return f.Artifact
}

func where(envs []string) string {
	if len(envs) == 0 {
		return "not deployed"
	}
	return "deployed in " + strings.Join(envs, ", ")
}
