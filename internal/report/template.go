package report

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/template"

	"github.com/vigil-sec/vigil/internal/scan"
)

func init() { register("template", Template) }

// Template renders the result with a Go text/template (--template,
// "@file" to read it from a file). The data is the JSON report's model
// (scan.Result); functions: join, lower, upper, json-safe "escape".
func Template(w io.Writer, r *scan.Result, opts Options) error {
	text := opts.Template
	if text == "" {
		return errors.New("the template format needs --template TEXT or --template @FILE")
	}
	if name, ok := strings.CutPrefix(text, "@"); ok {
		b, err := os.ReadFile(name)
		if err != nil {
			return fmt.Errorf("read template: %w", err)
		}
		text = string(b)
	}
	t, err := template.New("report").Funcs(template.FuncMap{
		"join":  strings.Join,
		"lower": strings.ToLower,
		"upper": strings.ToUpper,
	}).Option("missingkey=error").Parse(text)
	if err != nil {
		return fmt.Errorf("parse template: %w", err)
	}
	return t.Execute(w, r)
}
