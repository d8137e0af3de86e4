package tracker

import (
	"strings"
	"testing"
	"time"

	"github.com/vigil-sec/vigil/internal/severity"
	"github.com/vigil-sec/vigil/internal/store"
)

// FuzzContent: whatever an SBOM names its artifacts, packages and
// environments, the body starts with the one marker, keeps one table row
// per finding with the header's cells, and stays bounded.
func FuzzContent(f *testing.F) {
	f.Add("api", "lodash", "4.17.4", "prod", "summary")
	f.Add("@org/team <!-- vigil-tracker:x -->", "a|b`c\nd", "1\r\n|", "<script>", "**bold** @here")
	f.Add(strings.Repeat("|", 300), "\u2028", "`", "\\|", "\x00")
	f.Fuzz(func(t *testing.T, artifact, pkg, version, env, summary string) {
		fv := view(artifact, "sha256:"+artifact, pkg, version, "", severity.High, time.Now(), env)
		fv.Summary = summary
		g := newGroup("r", "web", []store.FindingView{fv, fv}, store.SLAPolicy{}, 0, time.Now())
		c := g.content("0123456789abcdef0123456789abcdef", nil)
		if !strings.HasPrefix(c.Body, Marker("0123456789abcdef0123456789abcdef")+"\n") {
			t.Fatalf("body does not start with the marker: %q", c.Body[:min(len(c.Body), 100)])
		}
		if strings.ContainsAny(c.Title, "\r\n") {
			t.Fatalf("title with a line break: %q", c.Title)
		}
		rows := 0
		lines := strings.Split(c.Body, "\n")
		for i, line := range lines {
			if i > 0 && strings.HasPrefix(line, "<!-- vigil-tracker:") {
				t.Fatalf("a second marker line: %q", line)
			}
			if strings.HasPrefix(line, "| `") || strings.HasPrefix(line, "| –") {
				rows++
				if n := strings.Count(line, "|") - strings.Count(line, `\|`); n != 8 {
					t.Fatalf("row with %d cell separators: %q", n, line)
				}
			}
		}
		if rows != 2 {
			t.Fatalf("%d table rows, want 2:\n%s", rows, c.Body)
		}
		if len(c.Body) > 8000 {
			t.Fatalf("body of %d bytes for two findings", len(c.Body))
		}
	})
}
