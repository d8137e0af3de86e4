package engine

import (
	"fmt"
	"time"

	"github.com/vigil-sec/vigil/internal/scan"
)

// VulnKey identifies a vulnerability finding within its artifact: the
// group's id (aliases merged as scan.Match merges them) and the package's
// identity. It is stable across matches of the same inventory.
func VulnKey(v scan.Vulnerability) string {
	return "vuln|" + v.ID + "|" + v.Package.Ecosystem + "|" + v.Package.Name + "|" + v.Package.Version + "|" + v.Package.PURL
}

// MisconfigKey identifies a misconfiguration finding within its artifact.
func MisconfigKey(m scan.Misconfiguration) string {
	return fmt.Sprintf("misconfig|%s|%s|%d|%s", m.CheckID, m.Location.Path, m.Location.Line, m.Resource)
}

// SecretKey identifies a secret finding within its artifact.
func SecretKey(s scan.Secret) string {
	return fmt.Sprintf("secret|%s|%s|%d|%s", s.RuleID, s.Fingerprint, s.Location.Line, s.Location.Path)
}

// Suppressions are the suppressions a report carries, by finding key: what
// Policy.Suppress marked before the report was written or pushed.
func Suppressions(r *scan.Result) map[string]scan.Suppression {
	out := map[string]scan.Suppression{}
	for _, v := range r.Vulnerabilities {
		if v.Suppressed != nil {
			out[VulnKey(v)] = *v.Suppressed
		}
	}
	for _, m := range r.Misconfigurations {
		if m.Suppressed != nil {
			out[MisconfigKey(m)] = *m.Suppressed
		}
	}
	for _, s := range r.Secrets {
		if s.Suppressed != nil {
			out[SecretKey(s)] = *s.Suppressed
		}
	}
	return out
}

// Decision is how a server records a suppression a report carried: a
// vigil.yaml ignore entry is an acceptance until the end of its expiry day
// (UTC), as the CLI honours it; a VEX statement or a secrets baseline entry
// says the finding does not apply: a false positive.
type Decision struct {
	State  string // "accepted" or "false_positive"
	Reason string
	Until  time.Time // accepted only
}

// DecisionOf maps a suppression to a finding state. ok is false for a
// config entry whose expiry has passed (the CLI would no longer honour it).
func DecisionOf(s scan.Suppression, now time.Time) (Decision, bool) {
	switch s.Kind {
	case "config":
		d, err := time.Parse(time.DateOnly, s.Expires)
		if err != nil {
			return Decision{}, false
		}
		until := d.AddDate(0, 0, 1) // valid through its whole expiry day
		if !until.After(now) {
			return Decision{}, false
		}
		return Decision{State: "accepted", Reason: "vigil.yaml: " + s.Reason, Until: until}, true
	default:
		reason := s.Kind
		if s.Reason != "" {
			reason += ": " + s.Reason
		}
		return Decision{State: "false_positive", Reason: reason}, true
	}
}
