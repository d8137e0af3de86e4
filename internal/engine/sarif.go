package engine

import (
	"github.com/vigil-sec/vigil/internal/sarif"
	"github.com/vigil-sec/vigil/internal/scan"
)

// StaticAnalysis presents a SARIF report's findings to the engine, so that
// the vigil.yaml ignore list and the gate treat them exactly as they treat
// secrets: one entry per finding (rule id, fingerprint, file, line and
// severity), an ignore entry matching by id (the rule id or the
// finding's fingerprint) and path glob, the gate counting what is not
// suppressed at or above fail_on. A suppression the analyser recorded
// (a `// nosec` comment, say) is carried as an inline suppression. refs[i]
// is the SARIF result (sarif.Finding.Ref) of r.Secrets[i].
func StaticAnalysis(rep *sarif.Report) (r *scan.Result, refs []string) {
	r = &scan.Result{}
	for _, run := range rep.Runs {
		for i := range run.Findings {
			f := &run.Findings[i]
			s := scan.Secret{RuleID: f.RuleID, Title: f.Title, Severity: f.Severity, Fingerprint: f.Fingerprint,
				Location: scan.Location{Path: f.Path, Line: f.StartLine, Column: f.StartColumn}}
			if f.Suppressed() {
				s.Suppressed = &scan.Suppression{Kind: "inline", Reason: f.Suppressions[0].Justification}
			}
			r.Secrets = append(r.Secrets, s)
			refs = append(refs, f.Ref)
		}
	}
	r.Summarise()
	return r, refs
}
