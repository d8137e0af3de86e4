// Package kubernetes loads Kubernetes manifests (multi-document YAML or JSON)
// into input documents, one per object; `kind: List` items are split.
package kubernetes

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/vigil-sec/vigil/internal/iac/input"
)

// Limits on hostile input.
const (
	// MaxFileSize is the largest manifest file loaded.
	MaxFileSize = 8 << 20
	// MaxDepth is the deepest nesting of mappings and sequences.
	MaxDepth = 100
	// MaxValues caps the number of values one document expands to once
	// aliases are resolved, which defeats "billion laughs" YAML bombs.
	MaxValues = 1_000_000
	// MaxAliases caps alias nodes dereferenced in one document.
	MaxAliases = 10_000
)

// Looks reports whether src may hold a Kubernetes object, a cheap prefilter
// run before any parsing.
func Looks(src []byte) bool {
	return bytes.Contains(src, []byte("apiVersion")) && bytes.Contains(src, []byte("kind"))
}

// Load parses the YAML (or JSON) documents in src and returns one document
// per Kubernetes object (a mapping with string `apiVersion` and `kind`).
// Other YAML documents are skipped. A malformed document yields a
// *input.ParseError (joined with the others) while the rest of the file is
// still returned.
func Load(ctx context.Context, path string, src []byte) ([]input.Document, error) {
	if len(src) > MaxFileSize {
		return nil, &input.ParseError{Path: path, Err: fmt.Errorf("%w: %d bytes (limit %d)", input.ErrTooLarge, len(src), MaxFileSize)}
	}
	ignores := input.ParseIgnores(src)
	var docs []input.Document
	var errs []error
	for _, chunk := range splitDocuments(src) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		ds, err := loadChunk(path, chunk)
		if err != nil {
			errs = append(errs, err)
		}
		for i := range ds {
			ds[i].Ignores = map[string]input.Ignores{path: ignores}
		}
		docs = append(docs, ds...)
	}
	return docs, errors.Join(errs...)
}

type chunk struct {
	src  []byte
	line int // line of src[0] in the file, 1-based
}

// splitDocuments splits a YAML stream at `---` document markers so that one
// malformed document does not hide the others.
func splitDocuments(src []byte) []chunk {
	var out []chunk
	start, startLine, line := 0, 1, 1
	for off := 0; off < len(src); {
		end := bytes.IndexByte(src[off:], '\n')
		next := len(src)
		if end >= 0 {
			next = off + end + 1
		}
		l := src[off:next]
		if isMarker(l) {
			if off > start {
				out = append(out, chunk{src: src[start:off], line: startLine})
			}
			// keep the marker line out of the chunk but account for it
			start, startLine = next, line+1
		}
		off = next
		line++
	}
	if start < len(src) {
		out = append(out, chunk{src: src[start:], line: startLine})
	}
	return out
}

func isMarker(l []byte) bool {
	l = bytes.TrimRight(l, "\r\n")
	if !bytes.HasPrefix(l, []byte("---")) {
		return false
	}
	rest := l[3:]
	return len(rest) == 0 || rest[0] == ' ' || rest[0] == '\t' || rest[0] == '#'
}

var yamlLineRe = regexp.MustCompile(`^yaml: line (\d+): `)

func loadChunk(path string, c chunk) (docs []input.Document, err error) {
	if len(bytes.TrimSpace(c.src)) == 0 {
		return nil, nil
	}
	defer func() {
		if r := recover(); r != nil { // yaml.v3 has panicked on hostile input before
			docs, err = nil, &input.ParseError{Path: path, Line: c.line, Err: fmt.Errorf("yaml parser panic: %v", r)}
		}
	}()
	var root yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(c.src))
	if err := dec.Decode(&root); err != nil {
		return nil, yamlError(path, c.line, err)
	}
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		return fromNode(path, c.line-1, root.Content[0])
	}
	return nil, nil
}

// zeroBased reports whether yaml.v3 gave a parser (not scanner) error, whose
// line it reports 0-based: the line of the construct being parsed, minus one.
func zeroBased(msg string) bool {
	rest, ok := strings.CutPrefix(msg, "did not find expected ")
	if !ok {
		return false
	}
	switch rest {
	case "<document start>", "node content", "'-' indicator", "key", "',' or ']'", "',' or '}'":
		return true
	}
	return false
}

// yamlError turns yaml.v3's "yaml: line N: msg" into a ParseError with the
// line in the whole file.
func yamlError(path string, offset int, err error) error {
	msg := err.Error()
	line := offset
	if m := yamlLineRe.FindStringSubmatch(msg); m != nil {
		n, _ := strconv.Atoi(m[1])
		msg = strings.TrimPrefix(msg, m[0])
		if zeroBased(msg) {
			n++
		}
		line = offset + n - 1
	} else {
		msg = strings.TrimPrefix(msg, "yaml: ")
	}
	return &input.ParseError{Path: path, Line: line, Err: errors.New(msg)}
}

// fromNode converts a parsed YAML node into documents. lineOffset is added to every node line.
func fromNode(path string, lineOffset int, n *yaml.Node) ([]input.Document, error) {
	c := &converter{offset: lineOffset}
	v, tree, err := c.convert(n, 0)
	if err != nil {
		return nil, &input.ParseError{Path: path, Line: n.Line + lineOffset, Err: err}
	}
	obj, ok := v.(map[string]any)
	if !ok || !isObject(obj) {
		return nil, nil
	}
	if items, ok := obj["items"].([]any); ok && strings.HasSuffix(str(obj["kind"]), "List") {
		var docs []input.Document
		itemsTree := tree.Fields["items"]
		for i, it := range items {
			o, ok := it.(map[string]any)
			if !ok || !isObject(o) {
				continue
			}
			var t *input.Node
			if itemsTree != nil && i < len(itemsTree.Items) {
				t = itemsTree.Items[i]
			}
			docs = append(docs, document(path, o, t))
		}
		return docs, nil
	}
	return []input.Document{document(path, obj, tree)}, nil
}

func document(path string, obj map[string]any, tree *input.Node) input.Document {
	return input.Document{
		Kind:     input.Kubernetes,
		Path:     path,
		Value:    obj,
		Tree:     tree,
		Resource: ResourceName(obj),
	}
}

func isObject(m map[string]any) bool {
	_, a := m["apiVersion"].(string)
	_, k := m["kind"].(string)
	return a && k
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

// clusterScoped lists common kinds that have no namespace.
var clusterScoped = map[string]bool{
	"Namespace": true, "Node": true, "PersistentVolume": true, "ClusterRole": true,
	"ClusterRoleBinding": true, "StorageClass": true, "CustomResourceDefinition": true,
	"PodSecurityPolicy": true, "PriorityClass": true, "IngressClass": true,
	"ValidatingWebhookConfiguration": true, "MutatingWebhookConfiguration": true,
	"ValidatingAdmissionPolicy": true, "ValidatingAdmissionPolicyBinding": true,
	"APIService": true, "RuntimeClass": true, "CSIDriver": true, "VolumeAttachment": true,
}

// ResourceName is "Kind/namespace/name" ("Kind/name" for cluster-scoped
// kinds); a namespaced object without a namespace is in "default".
func ResourceName(obj map[string]any) string {
	kind := str(obj["kind"])
	md, _ := obj["metadata"].(map[string]any)
	name, ns := str(md["name"]), str(md["namespace"])
	if name == "" {
		name = str(md["generateName"])
	}
	if clusterScoped[kind] {
		return input.ResourceName(kind, name)
	}
	if ns == "" {
		ns = "default"
	}
	return kind + "/" + ns + "/" + name
}

// converter turns yaml.Node trees into JSON-like values plus a position
// tree, resolving aliases under a budget.
type converter struct {
	offset  int
	values  int
	aliases int
}

func (c *converter) convert(n *yaml.Node, depth int) (any, *input.Node, error) {
	if depth > MaxDepth {
		return nil, nil, fmt.Errorf("%w (limit %d)", input.ErrTooDeep, MaxDepth)
	}
	c.values++
	if c.values > MaxValues {
		return nil, nil, fmt.Errorf("%w (limit %d)", input.ErrTooManyNodes, MaxValues)
	}
	pos := &input.Node{Line: n.Line + c.offset}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, pos, nil
		}
		return c.convert(n.Content[0], depth+1)
	case yaml.AliasNode:
		c.aliases++
		if c.aliases > MaxAliases {
			return nil, nil, fmt.Errorf("%w: more than %d aliases", input.ErrTooManyNodes, MaxAliases)
		}
		if n.Alias == nil {
			return nil, pos, nil
		}
		return c.convert(n.Alias, depth+1)
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		pos.Items = make([]*input.Node, 0, len(n.Content))
		for _, e := range n.Content {
			v, p, err := c.convert(e, depth+1)
			if err != nil {
				return nil, nil, err
			}
			out = append(out, v)
			pos.Items = append(pos.Items, p)
		}
		return out, pos, nil
	case yaml.MappingNode:
		out := make(map[string]any, len(n.Content)/2)
		pos.Fields = make(map[string]*input.Node, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Tag == "!!merge" || (k.Kind == yaml.ScalarNode && k.Value == "<<" && k.Tag != "!!str") {
				if err := c.merge(out, pos, v, depth+1); err != nil {
					return nil, nil, err
				}
				continue
			}
			key := k.Value
			if k.Kind != yaml.ScalarNode {
				key = fmt.Sprintf("<%s>", k.ShortTag())
			}
			val, p, err := c.convert(v, depth+1)
			if err != nil {
				return nil, nil, err
			}
			out[key] = val
			// a field's line is its key's line: that is where the offending
			// setting is written
			p2 := *p
			p2.Line = k.Line + c.offset
			pos.Fields[key] = &p2
		}
		return out, pos, nil
	case yaml.ScalarNode:
		return scalar(n), pos, nil
	}
	return nil, pos, nil
}

// merge applies a `<<: *alias` merge key: existing keys win.
func (c *converter) merge(out map[string]any, pos *input.Node, v *yaml.Node, depth int) error {
	val, p, err := c.convert(v, depth)
	if err != nil {
		return err
	}
	add := func(m any, p *input.Node) {
		mm, _ := m.(map[string]any)
		for k, x := range mm {
			if _, ok := out[k]; !ok {
				out[k] = x
				if p != nil && p.Fields[k] != nil {
					pos.Fields[k] = p.Fields[k]
				}
			}
		}
	}
	if seq, ok := val.([]any); ok {
		for i, m := range seq {
			var pi *input.Node
			if p != nil && i < len(p.Items) {
				pi = p.Items[i]
			}
			add(m, pi)
		}
		return nil
	}
	add(val, p)
	return nil
}

func scalar(n *yaml.Node) any {
	switch n.ShortTag() {
	case "!!null":
		return nil
	case "!!bool":
		var b bool
		if n.Decode(&b) == nil {
			return b
		}
	case "!!int":
		var i int64
		if n.Decode(&i) == nil {
			return i
		}
		var f float64
		if n.Decode(&f) == nil && !math.IsNaN(f) && !math.IsInf(f, 0) {
			return f
		}
	case "!!float":
		var f float64
		if n.Decode(&f) == nil && !math.IsNaN(f) && !math.IsInf(f, 0) {
			return f
		}
	}
	return n.Value
}
