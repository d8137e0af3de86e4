package report

import (
	"io"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	jsonv1 "github.com/go-json-experiment/json/v1"

	"github.com/vigil-sec/vigil/internal/scan"
)

// JSON writes the result as Vigil's versioned JSON document
// (docs/json-schema/vigil-report.schema.json). It streams with the v2
// encoder under v1 semantics: the same bytes encoding/json would write with
// SetIndent, without building the compact document first and re-indenting
// it (a large share of a scan's time on big inventories).
func JSON(w io.Writer, r *scan.Result, _ Options) error {
	if err := json.MarshalWrite(w, r, jsonv1.DefaultOptionsV1(), json.Deterministic(true),
		jsontext.WithIndent("  "), jsontext.EscapeForHTML(false)); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}
