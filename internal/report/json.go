package report

import (
	"encoding/json"
	"io"

	"github.com/vigil-sec/vigil/internal/scan"
)

// JSON writes the result as Vigil's versioned JSON document
// (docs/json-schema/vigil-report.schema.json).
func JSON(w io.Writer, r *scan.Result, _ Options) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(r)
}
