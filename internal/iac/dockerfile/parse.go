// Package dockerfile loads a Dockerfile (or Containerfile) into an input
// document of stages and instructions, parsed with BuildKit's parser.
package dockerfile

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/parser"

	"github.com/vigil-sec/vigil/internal/iac/input"
	"github.com/vigil-sec/vigil/internal/secrets"
)

// MaxFileSize is the largest Dockerfile loaded.
const MaxFileSize = 2 << 20

// Match reports whether a file name is a Dockerfile: Dockerfile,
// Containerfile, *.Dockerfile, Dockerfile.* (and the Containerfile forms),
// case-insensitively.
func Match(name string) bool {
	b := strings.ToLower(path.Base(name))
	for _, n := range []string{"dockerfile", "containerfile"} {
		if b == n || strings.HasPrefix(b, n+".") || strings.HasSuffix(b, "."+n) {
			return true
		}
	}
	return false
}

// Options configure Load. The zero value is usable.
type Options struct {
	// Secrets, if set, looks for credentials in the values of ENV and ARG
	// instructions with the built-in secret rules.
	Secrets *secrets.Scanner
}

// Load parses src into one document:
//
//	{"stages": [{"name", "from": {"image","tag","digest","platform","line"}, "line",
//	             "instructions": [...]}],
//	 "instructions": [{"cmd","value","args","flags","line","end_line","stage",
//	                   "secrets"}...]}
//
// Instructions before the first FROM (global ARGs) have stage -1. With
// opts.Secrets, every ENV and ARG instruction has "secrets": the credentials
// its values hold, [{"key","rule","title","match"}] with match redacted by
// the secrets package; the secret itself is never in the document's extra
// fields.
func Load(ctx context.Context, p string, src []byte, opts Options) (docs []input.Document, err error) {
	if len(src) > MaxFileSize {
		return nil, &input.ParseError{Path: p, Err: fmt.Errorf("%w: %d bytes (limit %d)", input.ErrTooLarge, len(src), MaxFileSize)}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	defer func() {
		if r := recover(); r != nil {
			docs, err = nil, &input.ParseError{Path: p, Err: fmt.Errorf("dockerfile parser panic: %v", r)}
		}
	}()
	res, err := parser.Parse(bytes.NewReader(src))
	if err != nil {
		return nil, parseError(p, err)
	}
	value, tree := build(p, res.AST)
	if opts.Secrets != nil {
		if err := findSecrets(ctx, opts.Secrets, p, value["instructions"].([]any)); err != nil {
			return nil, err
		}
	}
	return []input.Document{{
		Kind:     input.Dockerfile,
		Path:     p,
		Value:    value,
		Tree:     tree,
		Resource: "Dockerfile",
		ResourceAt: func(path []any) string {
			return resourceAt(value, path)
		},
		Ignores: map[string]input.Ignores{p: input.ParseIgnores(src)},
	}}, nil
}

func parseError(p string, err error) error {
	line := 0
	var le *parser.LocationError
	if errors.As(err, &le) && len(le.Locations) > 0 && len(le.Locations[0]) > 0 {
		line = le.Locations[0][0].Start.Line
		err = le.Unwrap()
	}
	return &input.ParseError{Path: p, Line: line, Err: err}
}

func build(p string, ast *parser.Node) (map[string]any, *input.Node) {
	stages := []any{}
	flat := []any{}
	stagesTree := &input.Node{Line: 1}
	flatTree := &input.Node{Line: 1}
	stagesTree.Items = []*input.Node{}
	flatTree.Items = []*input.Node{}
	var cur map[string]any
	var curTree *input.Node
	stage := -1
	if ast != nil {
		for _, n := range ast.Children {
			ins := instruction(n)
			if ins["cmd"] == "from" {
				stage++
				from, name := parseFrom(n)
				cur = map[string]any{"name": name, "from": from, "line": n.StartLine, "instructions": []any{}}
				curTree = &input.Node{File: p, Line: n.StartLine}
				curTree.SetField("name", &input.Node{Line: n.StartLine})
				curTree.SetField("from", &input.Node{Line: n.StartLine})
				curTree.SetField("instructions", &input.Node{Line: n.StartLine, Items: []*input.Node{}})
				stages = append(stages, cur)
				stagesTree.Items = append(stagesTree.Items, curTree)
			}
			ins["stage"] = stage
			it := &input.Node{File: p, Line: n.StartLine}
			flat = append(flat, ins)
			flatTree.Items = append(flatTree.Items, it)
			if cur != nil {
				// the stage's own copy has no "stage" field ambiguity: same map
				cur["instructions"] = append(cur["instructions"].([]any), ins)
				il := curTree.Fields["instructions"]
				il.Items = append(il.Items, &input.Node{Line: n.StartLine})
			}
		}
	}
	root := &input.Node{Line: 1}
	root.SetField("stages", stagesTree)
	root.SetField("instructions", flatTree)
	return map[string]any{"stages": stages, "instructions": flat}, root
}

func instruction(n *parser.Node) map[string]any {
	cmd := strings.ToLower(n.Value)
	var args []any
	var sargs []string
	switch cmd {
	case "env", "label":
		// key, value, separator triplets
		for a := n.Next; a != nil; a = a.Next {
			k := a.Value
			var v string
			if a.Next != nil {
				a = a.Next
				v = a.Value
			}
			if a.Next != nil {
				a = a.Next // separator
			}
			sargs = append(sargs, k+"="+v)
		}
	default:
		for a := n.Next; a != nil; a = a.Next {
			sargs = append(sargs, a.Value)
		}
	}
	value := strings.Join(sargs, " ")
	for _, h := range n.Heredocs {
		value += "\n" + h.Content
	}
	for _, s := range sargs {
		args = append(args, s)
	}
	if args == nil {
		args = []any{}
	}
	flags := make([]any, 0, len(n.Flags))
	for _, f := range n.Flags {
		flags = append(flags, f)
	}
	return map[string]any{
		"cmd":      cmd,
		"value":    value,
		"args":     args,
		"flags":    flags,
		"json":     n.Attributes["json"],
		"original": n.Original,
		"line":     n.StartLine,
		"end_line": n.EndLine,
	}
}

// parseFrom splits "FROM [--platform=x] image[:tag][@digest] [AS name]".
func parseFrom(n *parser.Node) (map[string]any, string) {
	var ref, name string
	if n.Next != nil {
		ref = n.Next.Value
		if as := n.Next.Next; as != nil && strings.EqualFold(as.Value, "as") && as.Next != nil {
			name = as.Next.Value
		}
	}
	image, digest, _ := strings.Cut(ref, "@")
	tag := ""
	if i := strings.LastIndexByte(image, ':'); i > strings.LastIndexByte(image, '/') {
		image, tag = image[:i], image[i+1:]
	}
	platform := ""
	for _, f := range n.Flags {
		if v, ok := strings.CutPrefix(f, "--platform="); ok {
			platform = v
		}
	}
	return map[string]any{
		"image": image, "tag": tag, "digest": digest, "platform": platform,
		"ref": ref, "line": n.StartLine,
	}, name
}

// resourceAt names the stage a path points into: "stage N".
func resourceAt(v map[string]any, path []any) string {
	if len(path) < 2 {
		return ""
	}
	i, ok := input.Index(path[1])
	if !ok {
		return ""
	}
	switch path[0] {
	case "stages":
		return fmt.Sprintf("stage %d", i)
	case "instructions":
		flat, _ := v["instructions"].([]any)
		if i >= 0 && i < len(flat) {
			if ins, ok := flat[i].(map[string]any); ok {
				if s, ok := ins["stage"].(int); ok && s >= 0 {
					return fmt.Sprintf("stage %d", s)
				}
			}
		}
	}
	return ""
}

// findSecrets scans the KEY=VALUE words of the ENV and ARG instructions,
// one line each (as in a .env file, so that the rules that need a variable
// name see it), and records what the secret rules find on the instruction.
func findSecrets(ctx context.Context, sc *secrets.Scanner, p string, flat []any) error {
	type pair struct {
		ins  map[string]any
		key  string
		line int // first line of the pair in text
	}
	var (
		pairs []pair
		text  bytes.Buffer
		line  = 1
	)
	for _, x := range flat {
		ins := x.(map[string]any)
		if ins["cmd"] != "env" && ins["cmd"] != "arg" {
			continue
		}
		ins["secrets"] = []any{}
		for _, a := range ins["args"].([]any) {
			w := a.(string)
			k, v, ok := strings.Cut(w, "=")
			if !ok || k == "" || v == "" {
				continue
			}
			pairs = append(pairs, pair{ins: ins, key: k, line: line})
			text.WriteString(w)
			text.WriteByte('\n')
			line += strings.Count(w, "\n") + 1
		}
	}
	if len(pairs) == 0 {
		return nil
	}
	found, err := sc.ScanReader(ctx, p, &text)
	if err != nil {
		return fmt.Errorf("find secrets in ENV and ARG: %w", err)
	}
	for _, f := range found {
		i := sort.Search(len(pairs), func(i int) bool { return pairs[i].line > f.Line }) - 1
		if i < 0 {
			continue
		}
		pr := pairs[i]
		pr.ins["secrets"] = append(pr.ins["secrets"].([]any), map[string]any{
			"key": pr.key, "rule": f.RuleID, "title": f.Title, "match": f.Match,
		})
	}
	return nil
}
