package report

import (
	"bufio"
	"fmt"
	"io"

	"github.com/vigil-sec/vigil/internal/scan"
)

func init() { register("markdown", Markdown) }

// Markdown writes a summary fit for a pull-request comment: counts, then a
// table per kind of finding (suppressed ones left out).
func Markdown(w io.Writer, r *scan.Result, opts Options) error {
	bw := bufio.NewWriter(w)
	s := r.Summary
	fmt.Fprintf(bw, "## Vigil scan of `%s`\n\n", r.Target.Name)
	fmt.Fprintf(bw, "| | Critical | High | Medium | Low | Unknown |\n|---|---:|---:|---:|---:|---:|\n")
	for _, x := range []struct {
		name string
		c    scan.Counts
	}{{"Vulnerabilities", s.Vulnerabilities}, {"Misconfigurations", s.Misconfigurations}, {"Secrets", s.Secrets}} {
		fmt.Fprintf(bw, "| %s | %d | %d | %d | %d | %d |\n", x.name, x.c.Critical, x.c.High, x.c.Medium, x.c.Low, x.c.Unknown)
	}
	fmt.Fprintf(bw, "\n%d packages scanned", s.Packages)
	if s.Suppressed > 0 {
		fmt.Fprintf(bw, ", %d findings suppressed", s.Suppressed)
	}
	fmt.Fprint(bw, ".\n")

	var vrows, mrows, srows []string
	for _, v := range r.Vulnerabilities {
		if skip(v.Severity, v.Suppressed, opts) {
			continue
		}
		vrows = append(vrows, fmt.Sprintf("| %s | %s | `%s` | %s | %s | %s |", v.Severity, v.ID, v.Package.Name, v.Package.Version, orDash(v.FixedVersion), mdEscape(oneLine(v.Summary))))
	}
	for _, m := range r.Misconfigurations {
		if skip(m.Severity, m.Suppressed, opts) {
			continue
		}
		mrows = append(mrows, fmt.Sprintf("| %s | %s | `%s:%d` | %s |", m.Severity, m.CheckID, m.Location.Path, m.Location.Line, mdEscape(oneLine(m.Message))))
	}
	for _, sec := range r.Secrets {
		if skip(sec.Severity, sec.Suppressed, opts) {
			continue
		}
		srows = append(srows, fmt.Sprintf("| %s | %s | `%s:%d` | `%s` |", sec.Severity, sec.RuleID, sec.Location.Path, sec.Location.Line, sec.Match))
	}
	section := func(title, head string, rows []string) {
		if len(rows) == 0 {
			return
		}
		fmt.Fprintf(bw, "\n<details><summary>%s (%d)</summary>\n\n%s\n", title, len(rows), head)
		for _, r := range rows {
			fmt.Fprintln(bw, r)
		}
		fmt.Fprint(bw, "\n</details>\n")
	}
	section("Vulnerabilities", "| Severity | ID | Package | Installed | Fixed | Title |\n|---|---|---|---|---|---|", vrows)
	section("Misconfigurations", "| Severity | Check | Location | Message |\n|---|---|---|---|", mrows)
	section("Secrets", "| Severity | Rule | Location | Match |\n|---|---|---|---|", srows)
	for _, warn := range r.Warnings {
		fmt.Fprintf(bw, "\n> **Warning:** %s\n", mdEscape(warn))
	}
	return bw.Flush()
}
