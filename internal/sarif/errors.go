package sarif

import (
	"errors"
	"fmt"
)

// ErrTooLarge is returned for a document over a limit (size, depth, runs,
// results).
var ErrTooLarge = errors.New("over a limit")

// ParseError is a document that is not well-formed SARIF 2.1.0: where
// (the file, a JSON path such as runs[0].results[3].locations[0], and the
// line and column when the JSON decoder knows them) and what.
type ParseError struct {
	File string
	// Path is the JSON path of the offending value ("" for the document).
	Path string
	// Line and Column are 1-based; 0 when unknown.
	Line, Column int
	Err          error
}

func (e *ParseError) Error() string {
	s := e.File
	if s == "" {
		s = "sarif"
	}
	if e.Line > 0 {
		s += fmt.Sprintf(":%d:%d", e.Line, e.Column)
	}
	if e.Path != "" {
		s += ": " + e.Path
	}
	return s + ": " + e.Err.Error()
}

func (e *ParseError) Unwrap() error { return e.Err }
