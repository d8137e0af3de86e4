package pom

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"

	"golang.org/x/text/encoding/charmap"

	"github.com/vigil-sec/vigil/internal/inventory"
)

// Limits on the XML accepted. A real pom.xml is a few levels deep
// (project/build/plugins/plugin/executions/execution/configuration/...).
const (
	// MaxDepth bounds element nesting.
	MaxDepth = 64
	// MaxElements bounds the number of elements in one document.
	MaxElements = 1 << 18
	// MaxSize bounds the document: the tree costs several times the input,
	// and real pom.xml files stay well under 1 MiB.
	MaxSize = 16 << 20
)

// node is one XML element: its local name, the line of its start tag, its
// character data (trimmed) and its child elements.
type node struct {
	name     string
	line     int
	text     string
	children []*node
}

// child returns the first child element called name, or nil.
func (n *node) child(name string) *node {
	if n == nil {
		return nil
	}
	for _, c := range n.children {
		if c.name == name {
			return c
		}
	}
	return nil
}

// elements returns the child elements (nil for a nil node).
func (n *node) elements() []*node {
	if n == nil {
		return nil
	}
	return n.children
}

// all returns the child elements called name.
func (n *node) all(name string) []*node {
	if n == nil {
		return nil
	}
	var out []*node
	for _, c := range n.children {
		if c.name == name {
			out = append(out, c)
		}
	}
	return out
}

// value returns the text of the child element called name ("" if absent).
func (n *node) value(name string) string {
	if c := n.child(name); c != nil {
		return c.text
	}
	return ""
}

// parseXML reads an XML document into a tree, enforcing MaxDepth and
// MaxElements and refusing entity declarations.
func parseXML(r io.Reader, path string, maxSize int64) (*node, error) {
	lr := &io.LimitedReader{R: r, N: maxSize + 1}
	d := xml.NewDecoder(lr)
	d.Strict = true
	d.CharsetReader = charsetReader
	var (
		root     *node
		stack    []*node
		text     []bytes.Buffer
		elements int
	)
	for {
		line, _ := d.InputPos()
		tok, err := d.Token()
		if lr.N <= 0 {
			return nil, &inventory.ParseError{Path: path, Line: line, Err: fmt.Errorf("%w: over %d bytes", inventory.ErrTooLarge, maxSize)}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			pe := &inventory.ParseError{Path: path, Line: line, Err: err}
			var se *xml.SyntaxError
			if errors.As(err, &se) {
				pe.Line, pe.Err = se.Line, errors.New(se.Msg)
			}
			return nil, pe
		}
		fail := func(err error) error { return &inventory.ParseError{Path: path, Line: line, Err: err} }
		switch t := tok.(type) {
		case xml.StartElement:
			if len(stack) >= MaxDepth {
				return nil, fail(fmt.Errorf("elements nested deeper than %d", MaxDepth))
			}
			if elements++; elements > MaxElements {
				return nil, fail(fmt.Errorf("more than %d elements", MaxElements))
			}
			n := &node{name: t.Name.Local, line: line}
			if len(stack) == 0 {
				if root != nil {
					return nil, fail(errors.New("more than one root element"))
				}
				root = n
			} else {
				p := stack[len(stack)-1]
				p.children = append(p.children, n)
			}
			stack = append(stack, n)
			text = append(text, bytes.Buffer{})
		case xml.EndElement:
			n := stack[len(stack)-1]
			n.text = strings.TrimSpace(text[len(text)-1].String())
			stack, text = stack[:len(stack)-1], text[:len(text)-1]
		case xml.CharData:
			if len(text) > 0 {
				text[len(text)-1].Write(t)
			}
		case xml.Directive:
			if bytes.HasPrefix(t, []byte("DOCTYPE")) && bytes.Contains(t, []byte("<!ENTITY")) {
				return nil, fail(ErrEntityDeclaration)
			}
		}
	}
	if root == nil {
		return nil, &inventory.ParseError{Path: path, Err: errors.New("no root element")}
	}
	return root, nil
}

// charsetReader decodes the non-UTF-8 encodings pom files declare in
// practice.
func charsetReader(label string, in io.Reader) (io.Reader, error) {
	switch strings.ToLower(label) {
	case "iso-8859-1", "iso8859-1", "latin1", "latin-1", "us-ascii", "ascii":
		return charmap.ISO8859_1.NewDecoder().Reader(in), nil
	case "windows-1252", "cp1252":
		return charmap.Windows1252.NewDecoder().Reader(in), nil
	}
	return nil, fmt.Errorf("unsupported encoding %q", label)
}
