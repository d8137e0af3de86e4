package cli

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigil-sec/vigil/internal/report"
	"github.com/vigil-sec/vigil/internal/secrets/corpus"
)

// TestDockerfileCredentialNotInOutput: a Dockerfile whose ENV and ARG
// values hold a credential of every format the secret rules know is
// reported by the misconfiguration check (and the secret scanner), and no
// output format shows a secret, its end or its middle.
func TestDockerfileCredentialNotInOutput(t *testing.T) {
	dir := t.TempDir()
	var src strings.Builder
	src.WriteString("FROM alpine:3.20\n")
	samples := corpus.Samples(20260602)
	for i, s := range samples {
		v := strings.ReplaceAll(s.Value, "\n", `\n`)
		samples[i].Secret = strings.ReplaceAll(s.Secret, "\n", `\n`)
		fmt.Fprintf(&src, "ENV SETTING=\"%s\"\nARG API_TOKEN=\"%s\"\n", v, v)
	}
	if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte(src.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("VIGIL_DB_DIR", filepath.Join(dir, "db"))
	t.Setenv("XDG_CACHE_HOME", filepath.Join(dir, ".cache"))
	t.Setenv("VIGIL_DB_SOURCE", "http://127.0.0.1:1/") // never reached: no ecosystem
	for _, format := range report.Formats() {
		t.Run(format, func(t *testing.T) {
			args := []string{"scan", "--format", format, dir}
			if format == "template" {
				args = append(args, "--template", "{{range .Misconfigurations}}{{.Message}}\n{{end}}{{range .Secrets}}{{.Match}}\n{{end}}")
			}
			var stdout, stderr bytes.Buffer
			if code := Run(t.Context(), args, nil, &stdout, &stderr); code != ExitOK {
				t.Fatalf("vigil %s: exit %d\n%s", strings.Join(args, " "), code, stderr.String())
			}
			out := stdout.String() + stderr.String()
			// The CycloneDX VDR holds vulnerabilities only.
			if format != "cyclonedx" && !strings.Contains(out, "is set to a credential (AWS access key ID: AKIA…)") {
				t.Errorf("%s output does not report the AWS key in ENV:\n%.2000s", format, out)
			}
			for _, s := range samples {
				for _, part := range []string{s.Secret, s.Secret[len(s.Secret)-8:], s.Secret[len(s.Secret)/2-4 : len(s.Secret)/2+4]} {
					if strings.Contains(out, part) {
						t.Errorf("%s output leaks %q of a %s", format, part, s.Kind)
					}
				}
			}
		})
	}
}
