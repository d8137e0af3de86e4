package tracker

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/vigil-sec/vigil/internal/severity"
	"github.com/vigil-sec/vigil/internal/store"
)

// SLA states of a group (labels sla:breached, sla:due-soon).
const (
	SLABreached = "breached"
	SLADueSoon  = "due-soon"
)

// maxRows bounds the artifact table (GitHub refuses bodies over 65,536
// characters; a row is at most some 250).
const maxRows = 200

// Marker is the hidden first line of an issue's body: the token that
// finds the issue again after a crash between its create and the write of
// its number.
func Marker(token string) string { return "<!-- vigil-tracker:" + token + " -->" }

// group is the desired state of one issue: a vulnerability group's open
// findings selected in one project.
type group struct {
	Rule     string
	Project  string
	ID       string
	Aliases  []string
	Summary  string
	Severity severity.Level
	SLA      string
	Due      time.Time
	Findings []store.FindingView
}

// newGroup gathers findings of one group and computes its severity and
// SLA state (the worst of its findings') at now.
func newGroup(rule, project string, fs []store.FindingView, sla store.SLAPolicy, dueWithin time.Duration, now time.Time) group {
	g := group{Rule: rule, Project: project, ID: fs[0].VulnerabilityID, Summary: fs[0].Summary, Findings: fs}
	aliases := map[string]bool{}
	for _, f := range fs {
		g.Severity = max(g.Severity, f.Severity)
		for _, a := range f.Aliases {
			if a != g.ID {
				aliases[a] = true
			}
		}
		if g.Summary == "" {
			g.Summary = f.Summary
		}
		days := sla.Days(project, f.Severity)
		if days <= 0 {
			continue
		}
		due := f.FirstSeen.Add(time.Duration(days) * 24 * time.Hour)
		if g.Due.IsZero() || due.Before(g.Due) {
			g.Due = due
		}
	}
	if !g.Due.IsZero() {
		switch {
		case !now.Before(g.Due):
			g.SLA = SLABreached
		case !now.Before(g.Due.Add(-dueWithin)):
			g.SLA = SLADueSoon
		}
	}
	for a := range aliases {
		g.Aliases = append(g.Aliases, a)
	}
	slices.Sort(g.Aliases)
	slices.SortFunc(g.Findings, func(a, b store.FindingView) int {
		return cmpStrings(a.Artifact.Name, b.Artifact.Name, a.Artifact.Version, b.Artifact.Version, a.Artifact.Digest, b.Artifact.Digest, pkgName(a), pkgName(b), pkgVersion(a), pkgVersion(b))
	})
	return g
}

func cmpStrings(pairs ...string) int {
	for i := 0; i+1 < len(pairs); i += 2 {
		if c := strings.Compare(pairs[i], pairs[i+1]); c != 0 {
			return c
		}
	}
	return 0
}

func pkgName(f store.FindingView) string {
	if f.Package == nil {
		return ""
	}
	return f.Package.Name
}

func pkgVersion(f store.FindingView) string {
	if f.Package == nil {
		return ""
	}
	return f.Package.Version
}

// environments are the environments where the group's artifacts run.
func (g *group) environments() []string {
	var out []string
	for _, f := range g.Findings {
		out = append(out, f.Environments...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func (g *group) artifacts() int {
	ids := map[int64]bool{}
	for _, f := range g.Findings {
		ids[f.ArtifactID] = true
	}
	return len(ids)
}

// content renders the issue: title, body (marker first) and labels.
func (g *group) content(token string, extra []string) Content {
	var pkgs []string
	for _, f := range g.Findings {
		pkgs = append(pkgs, pkgName(f))
	}
	slices.Sort(pkgs)
	pkgs = slices.Compact(pkgs)
	names := pkgs
	if len(names) > 3 {
		names = append(slices.Clip(names[:3]), fmt.Sprintf("+%d", len(pkgs)-3))
	}
	title := titleText(fmt.Sprintf("%s: %s in %s", g.ID, strings.Join(names, ", "), g.Project))

	var b strings.Builder
	b.WriteString(Marker(token))
	b.WriteString("\n")
	fmt.Fprintf(&b, "## %s: %s\n\n", plain(g.ID, 100), plain(g.Summary, 300))
	fmt.Fprintf(&b, "- **Severity:** %s\n", g.Severity)
	fmt.Fprintf(&b, "- **Project:** %s\n", code(g.Project))
	if len(g.Aliases) > 0 {
		var as []string
		for _, a := range g.Aliases {
			as = append(as, plain(a, 100))
		}
		fmt.Fprintf(&b, "- **Aliases:** %s\n", strings.Join(as, ", "))
	}
	if !g.Due.IsZero() {
		state := "within SLA"
		switch g.SLA {
		case SLABreached:
			state = "**breached**"
		case SLADueSoon:
			state = "due soon"
		}
		fmt.Fprintf(&b, "- **SLA:** %s (due %s)\n", state, g.Due.UTC().Format("2006-01-02"))
	}
	envs := g.environments()
	if len(envs) == 0 {
		b.WriteString("- **Deployed in:** not deployed\n")
	} else {
		var es []string
		for _, e := range envs {
			es = append(es, code(e))
		}
		fmt.Fprintf(&b, "- **Deployed in:** %s\n", strings.Join(es, ", "))
	}
	fmt.Fprintf(&b, "\n### Affected artifacts (%d)\n\n", g.artifacts())
	b.WriteString("| Artifact | Version | Digest | Package | Installed | Fixed in | Environments |\n")
	b.WriteString("|---|---|---|---|---|---|---|\n")
	for i, f := range g.Findings {
		if i == maxRows {
			fmt.Fprintf(&b, "\n… and %d more findings not listed.\n", len(g.Findings)-maxRows)
			break
		}
		fixed := "no fix yet"
		if f.FixedVersion != "" {
			fixed = code(f.FixedVersion)
		}
		var es []string
		for _, e := range f.Environments {
			es = append(es, code(e))
		}
		env := "–"
		if len(es) > 0 {
			env = strings.Join(es, " ")
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s |\n",
			code(f.Artifact.Name), code(f.Artifact.Version), code(shortDigest(f.Artifact.Digest)), code(pkgName(f)), code(pkgVersion(f)), fixed, env)
	}
	fmt.Fprintf(&b, "\n<sub>Kept up to date by Vigil (tracker rule %s). It is closed when every affected finding is resolved, and re-opened if the vulnerability comes back.</sub>\n", code(g.Rule))

	labels := []string{"vigil", "severity:" + strings.ToLower(g.Severity.String())}
	if g.SLA != "" {
		labels = append(labels, "sla:"+g.SLA)
	}
	labels = append(labels, extra...)
	slices.Sort(labels)
	return Content{Title: title, Body: b.String(), Labels: slices.Compact(labels)}
}

// Hash identifies what an issue says: the body is updated only when it
// changed.
func (c Content) Hash() string {
	h := sha256.New()
	h.Write([]byte(c.Title))
	h.Write([]byte{0})
	h.Write([]byte(c.Body))
	for _, l := range c.Labels {
		h.Write([]byte{0})
		h.Write([]byte(l))
	}
	return hex.EncodeToString(h.Sum(nil))
}

func shortDigest(d string) string {
	if _, hexd, ok := strings.Cut(d, ":"); ok {
		d = hexd
	}
	if len(d) > 12 {
		d = d[:12]
	}
	return d
}

// plain is untrusted text (from SBOMs and advisories) made safe for one
// line of Markdown: no control characters, no markup, no HTML, no
// @-mentions, bounded.
func plain(s string, n int) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case unicode.IsControl(r) || r == '\u2028' || r == '\u2029':
			b.WriteByte(' ')
		case strings.ContainsRune("\\`*_[]<>|#!~&@", r):
			// A backslash escapes ASCII punctuation in CommonMark; @ and &
			// as well, so neither a mention nor an entity forms.
			b.WriteByte('\\')
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
		if b.Len() >= n {
			b.WriteString("…")
			break
		}
	}
	return b.String()
}

// titleText is a title: one line, bounded (titles are plain text).
func titleText(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return ' '
		}
		return r
	}, s)
	if r := []rune(s); len(r) > 250 {
		s = string(r[:250]) + "…"
	}
	return s
}

// code is untrusted text as a table cell's code span: literal (no
// mentions, no HTML), with backticks and pipes neutralised.
func code(s string) string {
	if s == "" {
		return "–"
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case unicode.IsControl(r) || r == '\u2028' || r == '\u2029':
			b.WriteByte(' ')
		case r == '`':
			b.WriteByte('\'')
		case r == '|':
			b.WriteString(`\|`)
		default:
			b.WriteRune(r)
		}
		if b.Len() >= 120 {
			b.WriteString("…")
			break
		}
	}
	return "`" + b.String() + "`"
}
