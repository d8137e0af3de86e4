package compliance

import (
	"embed"
	"html/template"
	"io"
	"slices"
	"strings"
	"time"
)

//go:embed report.html.tmpl
var tmplFS embed.FS

var tmpl = template.Must(template.New("report.html.tmpl").Funcs(template.FuncMap{
	"date": func(t time.Time) string {
		if t.IsZero() {
			return "-"
		}
		return t.UTC().Format("2006-01-02 15:04 MST")
	},
	"day":   func(t time.Time) string { return t.UTC().Format("2006-01-02") },
	"short": func(h string) string { return h[:min(12, len(h))] },
	"has":   func(l []string, s string) bool { return slices.Contains(l, s) },
	"controls": func(m map[string]string) string {
		var parts []string
		for k, v := range m {
			parts = append(parts, k+" "+v)
		}
		slices.Sort(parts)
		return strings.Join(parts, ", ")
	},
	"days": func(f float64) string {
		return template.HTMLEscapeString(strings.TrimRight(strings.TrimRight(fmtFloat(f), "0"), "."))
	},
}).ParseFS(tmplFS, "report.html.tmpl"))

// WriteHTML renders r as one self-contained, printable HTML page: no
// scripts, no external assets, every value escaped by html/template. Each
// page (the cover, each control, each evidence section) is a <section>
// with an id (Pages): printed, each starts a new page; on screen, the URL
// fragment #<id> shows that page alone.
func WriteHTML(w io.Writer, r *EvidenceReport) error { return tmpl.Execute(w, r) }

// Pages are the ids of the report's pages, in order.
func Pages(r *EvidenceReport) []string {
	out := []string{"cover"}
	for _, c := range r.Controls {
		out = append(out, "c-"+c.ID)
	}
	return append(out, "e-"+EvidenceScans, "e-"+EvidenceOpenFindings, "e-"+EvidenceRemediation, "e-"+EvidenceAcceptances, "e-"+EvidenceIaC, "refs")
}
