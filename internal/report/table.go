package report

import (
	"bufio"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/vigil-sec/vigil/internal/scan"
	"github.com/vigil-sec/vigil/internal/severity"
)

const (
	ansiReset = "\x1b[0m"
	ansiBold  = "\x1b[1m"
	ansiDim   = "\x1b[2m"
)

var sevColor = map[severity.Level]string{
	severity.Critical: "\x1b[1;31m",
	severity.High:     "\x1b[31m",
	severity.Medium:   "\x1b[33m",
	severity.Low:      "\x1b[36m",
	severity.Unknown:  "\x1b[2m",
}

// row is one line of the table, in a file's group.
type row struct {
	file  string
	sev   severity.Level
	cells []string
	note  string
	// kev and epss rank a vulnerability row for SortExploitability.
	kev  bool
	epss float64
}

// Table writes a human-readable report: findings grouped per file, then a
// summary line.
func Table(w io.Writer, r *scan.Result, opts Options) error {
	bw := bufio.NewWriter(w)
	p := &printer{w: bw, color: opts.Color}

	if r.Image != nil {
		p.header(fmt.Sprintf("Image %s", r.Image.Reference))
		fmt.Fprintf(bw, "  digest %s  platform %s", r.Image.Digest, r.Image.Platform)
		if !r.Image.Created.IsZero() {
			fmt.Fprintf(bw, "  created %s (%d days ago", r.Image.Created.Format("2006-01-02"), r.Image.AgeDays)
			if r.Image.CreatedFrom == "history" {
				fmt.Fprint(bw, ", from the layer history")
			}
			fmt.Fprint(bw, ")")
		}
		fmt.Fprintln(bw)
		if r.Image.BaseName != "" || r.Image.BaseDigest != "" {
			fmt.Fprintf(bw, "  base image %s", strings.TrimSpace(r.Image.BaseName+" "+r.Image.BaseDigest))
			fmt.Fprintln(bw)
		}
	}
	if r.OS != nil {
		fmt.Fprintf(bw, "  os %s %s", r.OS.ID, r.OS.Version)
		if r.OS.EOL {
			fmt.Fprintf(bw, "  END OF LIFE since %s", r.OS.EOLDate)
		}
		fmt.Fprintln(bw)
	}

	var vulnRows, miscRows, secRows []row
	for _, v := range r.Vulnerabilities {
		if skip(v.Severity, v.Suppressed, opts) {
			continue
		}
		id := v.ID
		if n := len(v.Aliases); n > 0 {
			id = fmt.Sprintf("%s (+%d)", v.ID, n)
		}
		fixed := v.FixedVersion
		if fixed == "" {
			fixed = "-"
		}
		file := ""
		if len(v.Locations) > 0 {
			file = v.Locations[0].Path
		}
		rw := row{file: file, sev: v.Severity,
			cells: []string{id, v.Package.Name, v.Package.Version + " -> " + fixed, truncate(oneLine(v.Summary), 72)},
			note:  suppressNote(v.Suppressed)}
		if r.Exploitation != nil {
			rw = exploitRow(rw, &v)
		}
		vulnRows = append(vulnRows, rw)
	}
	for _, m := range r.Misconfigurations {
		if skip(m.Severity, m.Suppressed, opts) {
			continue
		}
		miscRows = append(miscRows, row{file: m.Location.Path, sev: m.Severity,
			cells: []string{m.CheckID, lineRef(m.Location), m.Resource, truncate(oneLine(m.Message), 80)},
			note:  suppressNote(m.Suppressed)})
	}
	for _, s := range r.Secrets {
		if skip(s.Severity, s.Suppressed, opts) {
			continue
		}
		where := lineRef(s.Location)
		if s.Commit != "" {
			where += " @" + shortCommit(s.Commit)
		}
		secRows = append(secRows, row{file: s.Location.Path, sev: s.Severity,
			cells: []string{s.RuleID, where, s.Match, s.Fingerprint},
			note:  suppressNote(s.Suppressed)})
	}

	vulnHead := []string{"SEVERITY", "ID", "PACKAGE", "INSTALLED -> FIXED", "TITLE"}
	if r.Exploitation != nil {
		vulnHead = append(vulnHead[:2], append([]string{"EXPLOIT"}, vulnHead[2:]...)...)
	}
	if opts.Sort == SortExploitability {
		p.exploitSection("Vulnerabilities", vulnHead, vulnRows)
	} else {
		p.section("Vulnerabilities", vulnHead, vulnRows)
	}
	p.section("Misconfigurations", []string{"SEVERITY", "CHECK", "LINE", "RESOURCE", "MESSAGE"}, miscRows)
	p.section("Secrets", []string{"SEVERITY", "RULE", "LINE", "MATCH", "FINGERPRINT"}, secRows)

	if len(r.Issues) > 0 {
		p.header(fmt.Sprintf("Could not read %d input(s)", len(r.Issues)))
		for _, is := range r.Issues {
			loc := is.Path
			if is.Line > 0 {
				loc = fmt.Sprintf("%s:%d", is.Path, is.Line)
			}
			fmt.Fprintf(bw, "  %s: %s\n", loc, is.Message)
		}
		fmt.Fprintln(bw)
	}
	for _, warn := range r.Warnings {
		fmt.Fprintf(bw, "%s %s\n", p.paint("\x1b[33m", "warning:"), warn)
	}
	fmt.Fprintln(bw, summaryLine(r))
	return bw.Flush()
}

type printer struct {
	w     *bufio.Writer
	color bool
}

func (p *printer) paint(code, s string) string {
	if !p.color {
		return s
	}
	return code + s + ansiReset
}

func (p *printer) header(s string) { fmt.Fprintln(p.w, p.paint(ansiBold, s)) }

// section prints rows grouped by file, each group as an aligned table.
func (p *printer) section(title string, head []string, rows []row) {
	if len(rows) == 0 {
		return
	}
	slices.SortStableFunc(rows, func(a, b row) int {
		if a.file != b.file {
			return strings.Compare(a.file, b.file)
		}
		return int(b.sev) - int(a.sev)
	})
	p.header(fmt.Sprintf("%s (%d)", title, len(rows)))
	for start := 0; start < len(rows); {
		end := start
		for end < len(rows) && rows[end].file == rows[start].file {
			end++
		}
		file := rows[start].file
		if file == "" {
			file = "(no file)"
		}
		fmt.Fprintf(p.w, "\n  %s\n", p.paint(ansiBold, file))
		tw := tabwriter.NewWriter(p.w, 0, 0, 2, ' ', 0)
		fmt.Fprintf(tw, "  %s\n", p.paint(ansiDim, strings.Join(head, "\t")))
		for _, r := range rows[start:end] {
			sev := fmt.Sprintf("%-8s", r.sev.String())
			line := "  " + p.paint(sevColor[r.sev], sev) + "\t" + strings.Join(r.cells, "\t")
			if r.note != "" {
				line += "\t" + p.paint(ansiDim, r.note)
			}
			fmt.Fprintln(tw, line)
		}
		tw.Flush()
		start = end
	}
	fmt.Fprintln(p.w)
}

func skip(l severity.Level, s *scan.Suppression, opts Options) bool {
	if s != nil && !opts.ShowSuppressed {
		return true
	}
	return l < opts.MinSeverity
}

func suppressNote(s *scan.Suppression) string {
	if s == nil {
		return ""
	}
	if s.Reason == "" {
		return "suppressed (" + s.Kind + ")"
	}
	return "suppressed (" + s.Kind + "): " + s.Reason
}

func lineRef(l scan.Location) string {
	if l.Line == 0 {
		return "-"
	}
	if l.Column > 0 {
		return fmt.Sprintf("%d:%d", l.Line, l.Column)
	}
	return fmt.Sprint(l.Line)
}

func shortCommit(c string) string {
	if len(c) > 12 {
		return c[:12]
	}
	return c
}

func oneLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}

func truncate(s string, n int) string {
	if len([]rune(s)) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

func countsText(c scan.Counts) string {
	if c.Total == 0 {
		return "0"
	}
	var parts []string
	for _, x := range []struct {
		n    int
		name string
	}{{c.Critical, "critical"}, {c.High, "high"}, {c.Medium, "medium"}, {c.Low, "low"}, {c.Unknown, "unknown"}} {
		if x.n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", x.n, x.name))
		}
	}
	return fmt.Sprintf("%d (%s)", c.Total, strings.Join(parts, ", "))
}

// summaryLine is the last line of the table: counts that the gate sees.
func summaryLine(r *scan.Result) string {
	s := r.Summary
	var parts []string
	parts = append(parts, fmt.Sprintf("%d packages", s.Packages))
	for _, sc := range r.Scanners {
		switch sc {
		case "vuln":
			parts = append(parts, "vulnerabilities: "+countsText(s.Vulnerabilities))
		case "misconfig":
			parts = append(parts, "misconfigurations: "+countsText(s.Misconfigurations))
		case "secret":
			parts = append(parts, "secrets: "+countsText(s.Secrets))
		}
	}
	if s.Suppressed > 0 {
		parts = append(parts, fmt.Sprintf("%d suppressed", s.Suppressed))
	}
	if s.Issues > 0 {
		parts = append(parts, fmt.Sprintf("%d unreadable inputs", s.Issues))
	}
	return "Summary: " + strings.Join(parts, "; ")
}
