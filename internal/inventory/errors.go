package inventory

import (
	"errors"
	"fmt"
)

// ErrTooLarge is returned when a file is larger than the walker's limit.
var ErrTooLarge = errors.New("file too large")

// ParseError is a parse failure at a position in a file.
type ParseError struct {
	Path   string
	Line   int // 1-based; 0 when unknown
	Column int // 1-based; 0 when unknown
	Err    error
}

func (e *ParseError) Error() string {
	switch {
	case e.Line > 0 && e.Column > 0:
		return fmt.Sprintf("%s:%d:%d: %v", e.Path, e.Line, e.Column, e.Err)
	case e.Line > 0:
		return fmt.Sprintf("%s:%d: %v", e.Path, e.Line, e.Err)
	default:
		return fmt.Sprintf("%s: %v", e.Path, e.Err)
	}
}

func (e *ParseError) Unwrap() error { return e.Err }

// Issue records a file that could not be processed. Issues do not stop a
// scan; they are reported beside the results.
type Issue struct {
	Path      string `json:"path"`
	Line      int    `json:"line,omitempty"`
	Extractor string `json:"extractor,omitempty"`
	Message   string `json:"message"`
}

// IssueFromError builds an Issue, taking the line from a *ParseError.
func IssueFromError(path, extractor string, err error) Issue {
	is := Issue{Path: path, Extractor: extractor, Message: err.Error()}
	var pe *ParseError
	if errors.As(err, &pe) {
		is.Line = pe.Line
		if pe.Path != "" {
			is.Path = pe.Path
		}
		// The path and line are fields of their own: keep the message bare.
		is.Message = pe.Err.Error()
		if pe.Column > 0 {
			is.Message = fmt.Sprintf("column %d: %s", pe.Column, is.Message)
		}
	}
	return is
}

// LineErrors collects the errors of a line-oriented file: the first is kept
// (with its line) and the others counted, since a bad line is skipped and
// the rest of the file still counts.
type LineErrors struct {
	first *ParseError
	more  int
}

// Add records one bad line.
func (b *LineErrors) Add(e *ParseError) {
	if b.first == nil {
		b.first = e
		return
	}
	b.more++
}

// Err returns the first error, noting how many more there were, or nil.
func (b *LineErrors) Err() error {
	if b.first == nil {
		return nil
	}
	if b.more > 0 {
		b.first.Err = fmt.Errorf("%w (and %d more bad lines)", b.first.Err, b.more)
	}
	return b.first
}
