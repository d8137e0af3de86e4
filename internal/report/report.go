// Package report renders a scan result in the formats Vigil writes. Each
// format is one file; Formats lists them.
package report

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/vigil-sec/vigil/internal/scan"
	"github.com/vigil-sec/vigil/internal/severity"
)

// Options tune rendering.
type Options struct {
	// Color enables ANSI colours (only on a terminal, and never with NO_COLOR).
	Color bool
	// MinSeverity hides findings below it from the table. JSON and other
	// machine formats are filtered by the caller instead.
	MinSeverity severity.Level
	// ShowSuppressed lists suppressed findings in the table.
	ShowSuppressed bool
	// Template is the Go template text for the "template" format.
	Template string
	// Sort orders the table's vulnerabilities: "" groups them by file,
	// highest severity first; SortExploitability lists them in one table,
	// KEV-listed first, then by EPSS score, then by severity.
	Sort string
}

// Writer renders one format.
type Writer func(w io.Writer, r *scan.Result, opts Options) error

var writers = map[string]Writer{
	"table": Table,
	"json":  JSON,
}

// Register adds a format. It is called from this package's files only.
func register(name string, fn Writer) { writers[name] = fn }

// Formats returns the known format names, sorted.
func Formats() []string {
	names := make([]string, 0, len(writers))
	for n := range writers {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// Write renders r in the named format.
func Write(w io.Writer, format string, r *scan.Result, opts Options) error {
	fn, ok := writers[format]
	if !ok {
		return fmt.Errorf("unknown format %q (want one of %s)", format, strings.Join(Formats(), ", "))
	}
	return fn(w, r, opts)
}

// Known reports whether format is a known format name.
func Known(format string) bool {
	_, ok := writers[format]
	return ok
}
