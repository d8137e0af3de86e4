package report

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/vigil-sec/vigil/internal/scan"
	"github.com/vigil-sec/vigil/internal/severity"
)

func init() { register("sarif", SARIF) }

// SARIF 2.1.0 document, trimmed to the properties Vigil fills.
type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool               sarifTool                        `json:"tool"`
	Results            []sarifResult                    `json:"results"`
	OriginalURIBaseIDs map[string]sarifArtifactLocation `json:"originalUriBaseIds,omitempty"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version,omitempty"`
	InformationURI string      `json:"informationUri"`
	Rules          []sarifRule `json:"rules"`
}

type sarifText struct {
	Text     string `json:"text"`
	Markdown string `json:"markdown,omitempty"`
}

type sarifRule struct {
	ID                   string         `json:"id"`
	Name                 string         `json:"name,omitempty"`
	ShortDescription     sarifText      `json:"shortDescription"`
	FullDescription      sarifText      `json:"fullDescription"`
	Help                 sarifText      `json:"help"`
	HelpURI              string         `json:"helpUri,omitempty"`
	DefaultConfiguration sarifConfig    `json:"defaultConfiguration"`
	Properties           sarifRuleProps `json:"properties"`
}

type sarifConfig struct {
	Level string `json:"level"`
}

type sarifRuleProps struct {
	SecuritySeverity string   `json:"security-severity,omitempty"`
	Tags             []string `json:"tags,omitempty"`
	Precision        string   `json:"precision,omitempty"`
}

type sarifResult struct {
	RuleID              string             `json:"ruleId"`
	RuleIndex           int                `json:"ruleIndex"`
	Level               string             `json:"level"`
	Message             sarifText          `json:"message"`
	Locations           []sarifLocation    `json:"locations"`
	PartialFingerprints map[string]string  `json:"partialFingerprints,omitempty"`
	Suppressions        []sarifSuppression `json:"suppressions,omitempty"`
	Properties          map[string]any     `json:"properties,omitempty"`
}

type sarifLocation struct {
	PhysicalLocation sarifPhysical `json:"physicalLocation"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifactLocation `json:"artifactLocation"`
	Region           *sarifRegion          `json:"region,omitempty"`
}

type sarifArtifactLocation struct {
	URI       string `json:"uri"`
	URIBaseID string `json:"uriBaseId,omitempty"`
}

type sarifRegion struct {
	StartLine   int `json:"startLine"`
	StartColumn int `json:"startColumn,omitempty"`
	EndColumn   int `json:"endColumn,omitempty"`
}

type sarifSuppression struct {
	Kind          string `json:"kind"`
	Status        string `json:"status"`
	Justification string `json:"justification,omitempty"`
}

// sarifLevel maps a severity to a SARIF level.
func sarifLevel(l severity.Level) string {
	switch l {
	case severity.Critical, severity.High:
		return "error"
	case severity.Medium:
		return "warning"
	}
	return "note"
}

// securitySeverity is the numeric score code-scanning UIs sort by.
func securitySeverity(l severity.Level, cvss *scan.CVSS) string {
	if cvss != nil && cvss.Score > 0 {
		return fmt.Sprintf("%.1f", cvss.Score)
	}
	switch l {
	case severity.Critical:
		return "9.5"
	case severity.High:
		return "8.0"
	case severity.Medium:
		return "5.5"
	case severity.Low:
		return "2.0"
	}
	return "0.0"
}

type ruleSet struct {
	rules []sarifRule
	index map[string]int
}

func (s *ruleSet) add(r sarifRule) int {
	if i, ok := s.index[r.ID]; ok {
		return i
	}
	s.index[r.ID] = len(s.rules)
	s.rules = append(s.rules, r)
	return len(s.rules) - 1
}

func sarifLoc(l scan.Location, endCol int) sarifLocation {
	uri := l.Path
	if uri == "" {
		uri = "."
	}
	loc := sarifLocation{PhysicalLocation: sarifPhysical{ArtifactLocation: sarifArtifactLocation{URI: uriEscape(uri), URIBaseID: "%SRCROOT%"}}}
	if l.Line > 0 {
		loc.PhysicalLocation.Region = &sarifRegion{StartLine: l.Line, StartColumn: l.Column}
		if endCol > l.Column && l.Column > 0 {
			loc.PhysicalLocation.Region.EndColumn = endCol
		}
	}
	return loc
}

// uriEscape escapes what a relative URI reference may not contain.
func uriEscape(p string) string {
	r := strings.NewReplacer(" ", "%20", "#", "%23", "?", "%3F", "%", "%25")
	return r.Replace(p)
}

func sarifSuppressions(s *scan.Suppression) []sarifSuppression {
	if s == nil {
		return nil
	}
	kind := "external"
	if s.Kind == "inline" {
		kind = "inSource"
	}
	j := s.Reason
	if s.Expires != "" {
		j = strings.TrimSpace(j + " (expires " + s.Expires + ")")
	}
	return []sarifSuppression{{Kind: kind, Status: "accepted", Justification: j}}
}

// SARIF writes a SARIF 2.1.0 log: one rule per vulnerability, check or
// secret rule, with help text and severity; results located at file:line
// (and column for secrets) so code-scanning UIs annotate them.
func SARIF(w io.Writer, r *scan.Result, _ Options) error {
	rs := &ruleSet{index: map[string]int{}}
	results := []sarifResult{}

	for _, v := range r.Vulnerabilities {
		help := fmt.Sprintf("%s\n\nPackage: %s %s (%s)\nFixed in: %s\nAliases: %s", v.Summary, v.Package.Name, v.Package.Version, v.Package.Ecosystem, orDash(v.FixedVersion), orDash(strings.Join(v.Aliases, ", ")))
		md := fmt.Sprintf("**%s** %s\n\n| Package | Installed | Fixed | Ecosystem |\n|---|---|---|---|\n| %s | %s | %s | %s |\n\nAliases: %s", v.ID, mdEscape(v.Summary), v.Package.Name, v.Package.Version, orDash(v.FixedVersion), v.Package.Ecosystem, orDash(strings.Join(v.Aliases, ", ")))
		for _, ref := range v.References {
			md += "\n- " + ref
		}
		uri := ""
		if len(v.References) > 0 {
			uri = v.References[0]
		}
		idx := rs.add(sarifRule{
			ID: v.ID, Name: "Vulnerability",
			ShortDescription:     sarifText{Text: firstNonEmpty(oneLine(v.Summary), v.ID)},
			FullDescription:      sarifText{Text: firstNonEmpty(v.Summary, v.ID)},
			Help:                 sarifText{Text: help, Markdown: md},
			HelpURI:              uri,
			DefaultConfiguration: sarifConfig{Level: sarifLevel(v.Severity)},
			Properties:           sarifRuleProps{SecuritySeverity: securitySeverity(v.Severity, v.CVSS), Tags: []string{"security", "vulnerability", v.Package.Ecosystem}, Precision: "very-high"},
		})
		var locs []sarifLocation
		for _, l := range v.Locations {
			locs = append(locs, sarifLoc(l, 0))
		}
		if len(locs) == 0 {
			locs = []sarifLocation{sarifLoc(scan.Location{}, 0)}
		}
		msg := fmt.Sprintf("%s %s is affected by %s (%s)", v.Package.Name, v.Package.Version, v.ID, v.Severity)
		if v.FixedVersion != "" {
			msg += "; fixed in " + v.FixedVersion
		}
		results = append(results, sarifResult{RuleID: v.ID, RuleIndex: idx, Level: sarifLevel(v.Severity), Message: sarifText{Text: msg},
			Locations: locs, PartialFingerprints: map[string]string{"vigil/v1": v.ID + "|" + v.Package.PURL + "|" + v.Package.Name + "@" + v.Package.Version},
			Suppressions: sarifSuppressions(v.Suppressed)})
	}
	for _, m := range r.Misconfigurations {
		help := strings.TrimSpace(m.Description + "\n\nRemediation: " + m.Remediation)
		md := fmt.Sprintf("**%s** %s\n\n%s\n\n**Remediation:** %s", m.CheckID, mdEscape(m.Title), mdEscape(m.Description), mdEscape(m.Remediation))
		for _, ref := range m.References {
			md += "\n- " + ref
		}
		var tags []string
		tags = append(tags, "security", "misconfiguration")
		ctl := make([]string, 0, len(m.Controls))
		for k, v := range m.Controls {
			ctl = append(ctl, k+":"+v)
		}
		slices.Sort(ctl)
		tags = append(tags, ctl...)
		uri := ""
		if len(m.References) > 0 {
			uri = m.References[0]
		}
		idx := rs.add(sarifRule{
			ID: m.CheckID, Name: "Misconfiguration",
			ShortDescription:     sarifText{Text: m.Title},
			FullDescription:      sarifText{Text: firstNonEmpty(m.Description, m.Title)},
			Help:                 sarifText{Text: help, Markdown: md},
			HelpURI:              uri,
			DefaultConfiguration: sarifConfig{Level: sarifLevel(m.Severity)},
			Properties:           sarifRuleProps{SecuritySeverity: securitySeverity(m.Severity, nil), Tags: tags, Precision: "high"},
		})
		results = append(results, sarifResult{RuleID: m.CheckID, RuleIndex: idx, Level: sarifLevel(m.Severity), Message: sarifText{Text: m.Message},
			Locations:           []sarifLocation{sarifLoc(m.Location, 0)},
			PartialFingerprints: map[string]string{"vigil/v1": m.CheckID + "|" + m.Location.Path + "|" + m.Resource},
			Suppressions:        sarifSuppressions(m.Suppressed)})
	}
	for _, s := range r.Secrets {
		idx := rs.add(sarifRule{
			ID: s.RuleID, Name: "Secret",
			ShortDescription:     sarifText{Text: s.Title},
			FullDescription:      sarifText{Text: s.Title},
			Help:                 sarifText{Text: "A credential is committed in the code. Revoke it, rotate it, and remove it from the code and its history. Suppress a false positive with an inline vigil:allow comment, a vigil.yaml ignore entry for its fingerprint, or a baseline.", Markdown: "**" + mdEscape(s.Title) + "**\n\nA credential is committed in the code. **Revoke and rotate it**, then remove it from the code and its history.\n\nFalse positive? Add `vigil:allow` on the line, or ignore its fingerprint in `vigil.yaml`."},
			DefaultConfiguration: sarifConfig{Level: sarifLevel(s.Severity)},
			Properties:           sarifRuleProps{SecuritySeverity: securitySeverity(s.Severity, nil), Tags: []string{"security", "secret"}, Precision: "high"},
		})
		msg := fmt.Sprintf("%s: %s (fingerprint %s)", s.Title, s.Match, s.Fingerprint)
		props := map[string]any{}
		if s.Commit != "" {
			props["commit"] = s.Commit
			props["author"] = s.Author
			props["date"] = s.Date
		}
		if len(props) == 0 {
			props = nil
		}
		results = append(results, sarifResult{RuleID: s.RuleID, RuleIndex: idx, Level: sarifLevel(s.Severity), Message: sarifText{Text: msg},
			Locations:           []sarifLocation{sarifLoc(s.Location, s.EndColumn)},
			PartialFingerprints: map[string]string{"vigil/v1": s.Fingerprint},
			Suppressions:        sarifSuppressions(s.Suppressed), Properties: props})
	}

	log := sarifLog{
		Schema:  "https://json.schemastore.org/sarif-2.1.0.json",
		Version: "2.1.0",
		Runs: []sarifRun{{
			Tool:    sarifTool{Driver: sarifDriver{Name: "vigil", Version: r.Tool.Version, InformationURI: "https://github.com/vigil-sec/vigil", Rules: rs.rules}},
			Results: results,
		}},
	}
	if log.Runs[0].Tool.Driver.Rules == nil {
		log.Runs[0].Tool.Driver.Rules = []sarifRule{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(log)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if strings.TrimSpace(s) != "" {
			return s
		}
	}
	return ""
}

func mdEscape(s string) string {
	return strings.NewReplacer("|", "\\|", "<", "&lt;", ">", "&gt;").Replace(s)
}
