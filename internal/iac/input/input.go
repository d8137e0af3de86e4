// Package input holds the types shared by the infrastructure-as-code loaders
// and the policy engine: the document handed to Rego as `input`, a tree of
// source positions used to map a finding's path back to a line, and the
// inline `vigil:ignore` comments found in a file.
package input

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Kind names the family of a document. It matches the `custom.input` value
// of a check's METADATA.
type Kind string

// Document kinds.
const (
	Kubernetes Kind = "kubernetes"
	Dockerfile Kind = "dockerfile"
	Terraform  Kind = "terraform"
)

// Kinds lists every known kind, sorted.
var Kinds = []Kind{Dockerfile, Kubernetes, Terraform}

// Document is one unit of evaluation: the value passed to Rego as `input`
// plus what the engine needs to turn a check's `path` into a file and line.
type Document struct {
	Kind Kind
	// Path is the file the document came from (slash-separated, relative to
	// the scan root). For a Terraform module it is a representative file of
	// the module; Tree nodes carry the exact file of each resource.
	Path string
	// Value is the JSON-like value (map[string]any, []any, string, bool,
	// int, float64, json.Number, nil) evaluated as `input`.
	Value any
	// Tree mirrors Value with source positions. Nil means "line 1 of Path".
	Tree *Node
	// Resource names the document for findings that do not point inside a
	// sub-resource ("Deployment/default/web", "stage 0", a module dir).
	Resource string
	// ResourceAt, when set, names the sub-resource a path points into
	// (Terraform addresses, Dockerfile stages). An empty result falls back to
	// Resource.
	ResourceAt func(path []any) string
	// Ignores holds the inline suppressions of each file that contributes to
	// the document, keyed by file path.
	Ignores map[string]Ignores
}

// Node is a source position tree. Object members are in Fields, array
// elements in Items.
type Node struct {
	File   string // overrides the enclosing file when set
	Line   int    // 1-based; 0 when unknown
	Fields map[string]*Node
	Items  []*Node
}

// Field returns the named member, creating the map on first use.
func (n *Node) SetField(name string, c *Node) {
	if n.Fields == nil {
		n.Fields = make(map[string]*Node)
	}
	n.Fields[name] = c
}

// Position is where a path resolves to.
type Position struct {
	File string
	Line int
	// Start is the line of the enclosing resource, for "on or above the
	// resource" suppressions: the deepest node that carries a File, or the
	// document root.
	Start int
}

// Locate maps a path into the document to the longest existing prefix in
// the tree and returns its file and line. Path elements are strings (object
// keys) or numbers (array indexes, as int, float64 or json.Number or a
// numeric string). A missing field resolves to its nearest existing parent.
func (d *Document) Locate(path []any) Position {
	pos := Position{File: d.Path, Line: 1, Start: 1}
	n := d.Tree
	if n == nil {
		return pos
	}
	if n.File != "" {
		pos.File = n.File
	}
	if n.Line > 0 {
		pos.Line, pos.Start = n.Line, n.Line
	}
	for _, el := range path {
		var next *Node
		switch {
		case n.Fields != nil:
			if k, ok := el.(string); ok {
				next = n.Fields[k]
			}
		case n.Items != nil:
			if i, ok := Index(el); ok && i >= 0 && i < len(n.Items) {
				next = n.Items[i]
			}
		}
		if next == nil {
			break
		}
		n = next
		if n.File != "" {
			pos.File = n.File
			pos.Start = n.Line
		}
		if n.Line > 0 {
			pos.Line = n.Line
		}
	}
	return pos
}

// Index converts a path element to an array index.
func Index(el any) (int, bool) {
	switch v := el.(type) {
	case int:
		return v, true
	case int64:
		return int(v), true
	case float64:
		if v == float64(int(v)) {
			return int(v), true
		}
	case interface{ String() string }: // json.Number
		i, err := strconv.Atoi(v.String())
		return i, err == nil
	case string:
		i, err := strconv.Atoi(v)
		return i, err == nil
	}
	return 0, false
}

// ParseError is a parse failure at a position in a file.
type ParseError struct {
	Path string
	Line int // 1-based; 0 when unknown
	Err  error
}

func (e *ParseError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %v", e.Path, e.Line, e.Err)
	}
	return fmt.Sprintf("%s: %v", e.Path, e.Err)
}

func (e *ParseError) Unwrap() error { return e.Err }

// Errors splits an error produced by errors.Join into its parts.
func Errors(err error) []error {
	if err == nil {
		return nil
	}
	var j interface{ Unwrap() []error }
	if errors.As(err, &j) {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, Errors(e)...)
		}
		return out
	}
	return []error{err}
}

// ErrTooLarge is returned for input beyond a loader's size limit.
var ErrTooLarge = errors.New("input too large")

// ErrTooDeep is returned for input nested beyond a loader's depth limit.
var ErrTooDeep = errors.New("input nested too deeply")

// ErrTooManyNodes is returned when expanding YAML aliases (or similar)
// would produce more values than a loader allows: a "YAML bomb".
var ErrTooManyNodes = errors.New("input expands to too many values (alias bomb?)")

// ResourceName is a helper for loaders: "Kind/namespace/name" with empty
// parts dropped.
func ResourceName(parts ...string) string {
	var keep []string
	for _, p := range parts {
		if p != "" {
			keep = append(keep, p)
		}
	}
	return strings.Join(keep, "/")
}
