// Package terraform loads a Terraform module (all *.tf files of one
// directory) or a plan (`terraform show -json`) into one input document:
//
//	{"resources": [{"address","type","name","mode","file","config"}...],
//	 "variables": {name: {"default", "description", "sensitive"}},
//	 "locals": {name: value}}
//
// Expressions are resolved statically: literals, `var.x` (from defaults),
// `local.y`, string templates and a set of pure functions. A reference to
// another resource or data source is rendered as its address string
// ("aws_s3_bucket.logs.id") so that checks can join resources. Anything else
// is unknown and becomes null; it is never an error.
package terraform

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"path"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"

	"github.com/vigil-sec/vigil/internal/iac/input"
)

// Limits on hostile input.
const (
	// MaxFileSize is the largest .tf file loaded.
	MaxFileSize = 4 << 20
	// MaxDepth bounds bracket nesting, checked before parsing because the
	// HCL parser recurses without a limit.
	MaxDepth = 200
	// maxValueDepth bounds conversion of evaluated values.
	maxValueDepth = 100
)

// File is one source file of a module.
type File struct {
	Path string // slash-separated, relative to the scan root
	Src  []byte
}

// Match reports whether a file belongs to a Terraform module.
func Match(name string) bool { return strings.HasSuffix(name, ".tf") }

type resource struct {
	mode, typ, name string
	file            string
	block           *hclsyntax.Block
}

// LoadModule parses the files of one module directory and returns its
// document. Files that do not parse are reported (joined *input.ParseError)
// and left out; the rest of the module is still returned. The document is
// nil only when no file parsed.
func LoadModule(ctx context.Context, dir string, files []File) (*input.Document, error) {
	files = slices.Clone(files)
	slices.SortFunc(files, func(a, b File) int { return strings.Compare(a.Path, b.Path) })
	var errs []error
	var resources []resource
	var localAttrs []*hclsyntax.Attribute
	localFile := map[*hclsyntax.Attribute]string{}
	var varBlocks []*hclsyntax.Block
	varFile := map[*hclsyntax.Block]string{}
	ignores := map[string]input.Ignores{}
	var first string
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		body, err := parseFile(f)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if first == "" {
			first = f.Path
		}
		ignores[f.Path] = input.ParseIgnores(f.Src)
		for _, b := range body.Blocks {
			switch {
			case b.Type == "resource" && len(b.Labels) == 2:
				resources = append(resources, resource{mode: "managed", typ: b.Labels[0], name: b.Labels[1], file: f.Path, block: b})
			case b.Type == "data" && len(b.Labels) == 2:
				resources = append(resources, resource{mode: "data", typ: b.Labels[0], name: b.Labels[1], file: f.Path, block: b})
			case b.Type == "variable" && len(b.Labels) == 1:
				varBlocks = append(varBlocks, b)
				varFile[b] = f.Path
			case b.Type == "locals":
				for _, a := range sortedAttrs(b.Body) {
					localAttrs = append(localAttrs, a)
					localFile[a] = f.Path
				}
			}
		}
	}
	if first == "" {
		return nil, errors.Join(errs...)
	}

	ev := newEvaluator()
	// variables: defaults only
	vars := map[string]any{}
	varsTree := &input.Node{Line: 1}
	varVals := map[string]cty.Value{}
	for _, b := range varBlocks {
		name := b.Labels[0]
		v := map[string]any{}
		def := cty.DynamicVal
		if a, ok := b.Body.Attributes["default"]; ok {
			def = ev.value(a.Expr, 0)
			v["default"] = toGo(def, 0)
		} else {
			v["default"] = nil
		}
		for _, k := range []string{"description", "sensitive", "nullable"} {
			if a, ok := b.Body.Attributes[k]; ok {
				v[k] = toGo(ev.value(a.Expr, 0), 0)
			}
		}
		varVals[name] = def
		vars[name] = v
		varsTree.SetField(name, &input.Node{File: varFile[b], Line: b.TypeRange.Start.Line})
	}
	ev.ctx.Variables["var"] = cty.ObjectVal(varVals)

	// locals: evaluate repeatedly until they settle, so that locals can refer
	// to each other in any order
	localVals := map[string]cty.Value{}
	for _, a := range localAttrs {
		localVals[a.Name] = cty.DynamicVal
	}
	for range len(localAttrs) + 1 {
		ev.ctx.Variables["local"] = cty.ObjectVal(localVals)
		changed := false
		for _, a := range localAttrs {
			v := ev.value(a.Expr, 0)
			if !v.RawEquals(localVals[a.Name]) {
				localVals[a.Name] = v
				changed = true
			}
		}
		if !changed {
			break
		}
	}
	ev.ctx.Variables["local"] = cty.ObjectVal(localVals)
	locals := map[string]any{}
	localsTree := &input.Node{Line: 1}
	for _, a := range localAttrs {
		locals[a.Name] = toGo(localVals[a.Name], 0)
		localsTree.SetField(a.Name, &input.Node{File: localFile[a], Line: a.SrcRange.Start.Line})
	}

	res := make([]any, 0, len(resources))
	resTree := &input.Node{Line: 1, Items: make([]*input.Node, 0, len(resources))}
	addresses := make([]string, 0, len(resources))
	for _, r := range resources {
		addr := r.typ + "." + r.name
		if r.mode == "data" {
			addr = "data." + addr
		}
		line := r.block.TypeRange.Start.Line
		cfg, cfgTree := ev.body(r.block.Body, 0, nil)
		cfgTree.Line = line
		res = append(res, map[string]any{
			"address": addr, "type": r.typ, "name": r.name, "mode": r.mode,
			"file": r.file, "line": line, "config": cfg,
		})
		n := &input.Node{File: r.file, Line: line}
		n.SetField("config", cfgTree)
		resTree.Items = append(resTree.Items, n)
		addresses = append(addresses, addr)
	}
	root := &input.Node{File: first, Line: 1}
	root.SetField("resources", resTree)
	root.SetField("variables", varsTree)
	root.SetField("locals", localsTree)
	if dir == "" {
		dir = "."
	}
	return &input.Document{
		Kind:       input.Terraform,
		Path:       first,
		Value:      map[string]any{"resources": res, "variables": vars, "locals": locals},
		Tree:       root,
		Resource:   dir,
		ResourceAt: addressAt(addresses),
		Ignores:    ignores,
	}, errors.Join(errs...)
}

// addressAt names the resource a path ["resources", i, ...] points into.
func addressAt(addresses []string) func([]any) string {
	return func(p []any) string {
		if len(p) >= 2 && p[0] == "resources" {
			if i, ok := input.Index(p[1]); ok && i >= 0 && i < len(addresses) {
				return addresses[i]
			}
		}
		return ""
	}
}

func parseFile(f File) (body *hclsyntax.Body, err error) {
	if len(f.Src) > MaxFileSize {
		return nil, &input.ParseError{Path: f.Path, Err: fmt.Errorf("%w: %d bytes (limit %d)", input.ErrTooLarge, len(f.Src), MaxFileSize)}
	}
	if line, ok := tooDeep(f.Src); !ok {
		return nil, &input.ParseError{Path: f.Path, Line: line, Err: fmt.Errorf("%w (limit %d)", input.ErrTooDeep, MaxDepth)}
	}
	defer func() {
		if r := recover(); r != nil {
			body, err = nil, &input.ParseError{Path: f.Path, Err: fmt.Errorf("hcl parser panic: %v", r)}
		}
	}()
	file, diags := hclsyntax.ParseConfig(f.Src, f.Path, hcl.Pos{Line: 1, Column: 1, Byte: 0})
	if diags.HasErrors() {
		for _, d := range diags {
			if d.Severity != hcl.DiagError {
				continue
			}
			line := 0
			if d.Subject != nil {
				line = d.Subject.Start.Line
			}
			msg := d.Summary
			if d.Detail != "" {
				msg += ": " + d.Detail
			}
			return nil, &input.ParseError{Path: f.Path, Line: line, Err: errors.New(msg)}
		}
	}
	b, ok := file.Body.(*hclsyntax.Body)
	if !ok {
		return nil, &input.ParseError{Path: f.Path, Err: errors.New("not native HCL syntax")}
	}
	return b, nil
}

// tooDeep scans bracket nesting, roughly skipping quoted strings and
// comments. It over-approximates, which only matters beyond MaxDepth.
func tooDeep(src []byte) (int, bool) {
	depth, line := 0, 1
	inStr := false
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch {
		case c == '\n':
			line++
			inStr = false
		case inStr:
			if c == '\\' {
				i++
			} else if c == '"' {
				inStr = false
			}
		case c == '"':
			inStr = true
		case c == '#':
			for i < len(src) && src[i] != '\n' {
				i++
			}
			i--
		case c == '{' || c == '[' || c == '(':
			depth++
			if depth > MaxDepth {
				return line, false
			}
		case c == '}' || c == ']' || c == ')':
			if depth > 0 {
				depth--
			}
		}
	}
	return 0, true
}

func sortedAttrs(b *hclsyntax.Body) []*hclsyntax.Attribute {
	out := make([]*hclsyntax.Attribute, 0, len(b.Attributes))
	for _, a := range b.Attributes {
		out = append(out, a)
	}
	slices.SortFunc(out, func(a, b *hclsyntax.Attribute) int { return a.SrcRange.Start.Byte - b.SrcRange.Start.Byte })
	return out
}

// evaluator resolves expressions statically.
type evaluator struct {
	ctx *hcl.EvalContext
}

func newEvaluator() *evaluator {
	return &evaluator{ctx: &hcl.EvalContext{
		Variables: map[string]cty.Value{},
		Functions: functions,
	}}
}

// functions are pure cty functions that terraform also has. Functions that
// can expand input a lot (range, setproduct, formatlist) are left out.
var functions = map[string]function.Function{
	"abs": stdlib.AbsoluteFunc, "ceil": stdlib.CeilFunc, "chomp": stdlib.ChompFunc,
	"coalesce": stdlib.CoalesceFunc, "coalescelist": stdlib.CoalesceListFunc, "compact": stdlib.CompactFunc,
	"concat": stdlib.ConcatFunc, "contains": stdlib.ContainsFunc, "distinct": stdlib.DistinctFunc,
	"element": stdlib.ElementFunc, "flatten": stdlib.FlattenFunc, "floor": stdlib.FloorFunc,
	"format": stdlib.FormatFunc, "indent": stdlib.IndentFunc, "join": stdlib.JoinFunc,
	"jsondecode": stdlib.JSONDecodeFunc, "jsonencode": stdlib.JSONEncodeFunc, "keys": stdlib.KeysFunc,
	"length": stdlib.LengthFunc, "lookup": stdlib.LookupFunc, "lower": stdlib.LowerFunc,
	"max": stdlib.MaxFunc, "merge": stdlib.MergeFunc, "min": stdlib.MinFunc,
	"parseint": stdlib.ParseIntFunc, "regex": stdlib.RegexFunc, "regexall": stdlib.RegexAllFunc,
	"replace": stdlib.ReplaceFunc, "reverse": stdlib.ReverseListFunc, "slice": stdlib.SliceFunc,
	"sort": stdlib.SortFunc, "split": stdlib.SplitFunc, "strlen": stdlib.StrlenFunc,
	"substr": stdlib.SubstrFunc, "title": stdlib.TitleFunc, "trim": stdlib.TrimFunc,
	"trimprefix": stdlib.TrimPrefixFunc, "trimspace": stdlib.TrimSpaceFunc, "trimsuffix": stdlib.TrimSuffixFunc,
	"upper": stdlib.UpperFunc, "values": stdlib.ValuesFunc, "zipmap": stdlib.ZipmapFunc,
	"tostring": stdlib.MakeToFunc(cty.String), "tonumber": stdlib.MakeToFunc(cty.Number),
	"tobool": stdlib.MakeToFunc(cty.Bool), "tolist": stdlib.MakeToFunc(cty.List(cty.DynamicPseudoType)),
	"toset": stdlib.MakeToFunc(cty.Set(cty.DynamicPseudoType)), "tomap": stdlib.MakeToFunc(cty.Map(cty.DynamicPseudoType)),
}

var toString = stdlib.MakeToFunc(cty.String)

// unknownRoots are reference roots whose value is not known statically.
var unknownRoots = map[string]bool{
	"count": true, "each": true, "self": true, "path": true, "terraform": true,
}

// body converts a block body: attributes to values, nested blocks to arrays
// of objects (`dynamic "x" { content {...} }` contributes its content to x).
func (ev *evaluator) body(b *hclsyntax.Body, depth int, iterators map[string]bool) (map[string]any, *input.Node) {
	out := map[string]any{}
	tree := &input.Node{Fields: map[string]*input.Node{}}
	if depth > maxValueDepth {
		return out, tree
	}
	for _, a := range sortedAttrs(b) {
		v := ev.valueIn(a.Expr, iterators)
		out[a.Name] = toGo(v, 0)
		n := exprTree(a.Expr, 0)
		n.Line = a.SrcRange.Start.Line
		tree.Fields[a.Name] = n
	}
	for _, blk := range b.Blocks {
		typ, content := blk.Type, blk.Body
		its := iterators
		if blk.Type == "dynamic" && len(blk.Labels) == 1 {
			typ = blk.Labels[0]
			content = nil
			for _, c := range blk.Body.Blocks {
				if c.Type == "content" {
					content = c.Body
				}
			}
			if content == nil {
				continue
			}
			its = map[string]bool{typ: true}
			for k := range iterators {
				its[k] = true
			}
			if a, ok := blk.Body.Attributes["iterator"]; ok {
				if kw := hcl.ExprAsKeyword(a.Expr); kw != "" {
					its[kw] = true
				}
			}
		}
		v, n := ev.body(content, depth+1, its)
		n.Line = blk.TypeRange.Start.Line
		list, _ := out[typ].([]any)
		out[typ] = append(list, v)
		if tree.Fields[typ] == nil {
			tree.Fields[typ] = &input.Node{Line: n.Line}
		}
		tree.Fields[typ].Items = append(tree.Fields[typ].Items, n)
	}
	return out, tree
}

// exprTree gives positions inside object and tuple constructors.
func exprTree(e hclsyntax.Expression, depth int) *input.Node {
	n := &input.Node{Line: e.Range().Start.Line}
	if depth > maxValueDepth {
		return n
	}
	switch x := e.(type) {
	case *hclsyntax.TupleConsExpr:
		n.Items = make([]*input.Node, 0, len(x.Exprs))
		for _, it := range x.Exprs {
			n.Items = append(n.Items, exprTree(it, depth+1))
		}
	case *hclsyntax.ObjectConsExpr:
		n.Fields = map[string]*input.Node{}
		for _, it := range x.Items {
			k := objectKey(it.KeyExpr, nil)
			if k == "" {
				continue
			}
			c := exprTree(it.ValueExpr, depth+1)
			c.Line = it.KeyExpr.Range().Start.Line
			n.Fields[k] = c
		}
	}
	return n
}

func objectKey(e hclsyntax.Expression, ev *evaluator) string {
	if k, ok := e.(*hclsyntax.ObjectConsKeyExpr); ok {
		if kw := hcl.ExprAsKeyword(k.Wrapped); kw != "" && !k.ForceNonLiteral {
			return kw
		}
		e = k.Wrapped
	}
	if t, ok := e.(*hclsyntax.TemplateExpr); ok && t.IsStringLiteral() {
		v, _ := t.Value(nil)
		return v.AsString()
	}
	if ev != nil {
		v := ev.value(e, 0)
		if v.IsKnown() && !v.IsNull() && v.Type() == cty.String {
			return v.AsString()
		}
	}
	return ""
}

func (ev *evaluator) valueIn(e hclsyntax.Expression, iterators map[string]bool) cty.Value {
	if len(iterators) > 0 {
		for _, t := range e.Variables() {
			if iterators[t.RootName()] {
				return cty.DynamicVal
			}
		}
	}
	return ev.value(e, 0)
}

// value evaluates e. It never fails: what cannot be known is cty.DynamicVal.
func (ev *evaluator) value(e hclsyntax.Expression, depth int) (v cty.Value) {
	if depth > maxValueDepth {
		return cty.DynamicVal
	}
	defer func() {
		if r := recover(); r != nil {
			v = cty.DynamicVal
		}
	}()
	switch x := e.(type) {
	case *hclsyntax.ScopeTraversalExpr:
		root := x.Traversal.RootName()
		switch {
		case root == "var" || root == "local":
			val, diags := x.Traversal.TraverseAbs(ev.ctx)
			if diags.HasErrors() {
				return cty.DynamicVal
			}
			return val
		case unknownRoots[root]:
			return cty.DynamicVal
		default:
			if s := traversalString(x.Traversal); s != "" {
				return cty.StringVal(s)
			}
			return cty.DynamicVal
		}
	case *hclsyntax.TemplateWrapExpr:
		return ev.value(x.Wrapped, depth+1)
	case *hclsyntax.TemplateExpr:
		var sb strings.Builder
		for _, p := range x.Parts {
			pv := ev.value(p, depth+1)
			if !pv.IsWhollyKnown() || pv.IsNull() {
				return cty.UnknownVal(cty.String)
			}
			pv, _ = pv.Unmark()
			s, err := toString.Call([]cty.Value{pv})
			if err != nil || !s.IsKnown() || s.IsNull() {
				return cty.UnknownVal(cty.String)
			}
			sb.WriteString(s.AsString())
		}
		return cty.StringVal(sb.String())
	case *hclsyntax.TupleConsExpr:
		vals := make([]cty.Value, 0, len(x.Exprs))
		for _, it := range x.Exprs {
			vals = append(vals, ev.value(it, depth+1))
		}
		return cty.TupleVal(vals)
	case *hclsyntax.ObjectConsExpr:
		attrs := map[string]cty.Value{}
		for _, it := range x.Items {
			k := objectKey(it.KeyExpr, ev)
			if k == "" {
				continue
			}
			attrs[k] = ev.value(it.ValueExpr, depth+1)
		}
		return cty.ObjectVal(attrs)
	case *hclsyntax.FunctionCallExpr:
		f, ok := functions[x.Name]
		if !ok || x.ExpandFinal {
			return cty.DynamicVal
		}
		args := make([]cty.Value, 0, len(x.Args))
		for _, a := range x.Args {
			args = append(args, ev.value(a, depth+1))
		}
		out, err := f.Call(args)
		if err != nil {
			return cty.DynamicVal
		}
		return out
	case *hclsyntax.ParenthesesExpr:
		return ev.value(x.Expression, depth+1)
	}
	val, diags := e.Value(ev.ctx)
	if diags.HasErrors() {
		return cty.DynamicVal
	}
	return val
}

// traversalString renders a reference such as aws_s3_bucket.logs.id or
// data.aws_iam_policy_document.p.json; index steps are kept ([0], ["k"]).
func traversalString(t hcl.Traversal) string {
	var sb strings.Builder
	for _, step := range t {
		switch s := step.(type) {
		case hcl.TraverseRoot:
			sb.WriteString(s.Name)
		case hcl.TraverseAttr:
			sb.WriteString(".")
			sb.WriteString(s.Name)
		case hcl.TraverseIndex:
			switch {
			case s.Key.Type() == cty.String && s.Key.IsKnown():
				fmt.Fprintf(&sb, "[%q]", s.Key.AsString())
			case s.Key.Type() == cty.Number && s.Key.IsKnown():
				fmt.Fprintf(&sb, "[%s]", s.Key.AsBigFloat().Text('f', -1))
			default:
				return ""
			}
		case hcl.TraverseSplat:
			sb.WriteString("[*]")
		}
	}
	return sb.String()
}

// toGo converts a cty value to a JSON-like Go value. Unknown and null
// values are nil; numbers are int64 when integral, else float64.
func toGo(v cty.Value, depth int) any {
	if depth > maxValueDepth || !v.IsKnown() || v.IsNull() {
		return nil
	}
	v, _ = v.UnmarkDeep()
	t := v.Type()
	switch {
	case t == cty.String:
		return v.AsString()
	case t == cty.Bool:
		return v.True()
	case t == cty.Number:
		bf := v.AsBigFloat()
		if bf.IsInt() {
			if i, acc := bf.Int64(); acc == big.Exact {
				return i
			}
		}
		f, _ := bf.Float64()
		return f
	case t.IsListType() || t.IsSetType() || t.IsTupleType():
		out := make([]any, 0, v.LengthInt())
		for it := v.ElementIterator(); it.Next(); {
			_, e := it.Element()
			out = append(out, toGo(e, depth+1))
		}
		return out
	case t.IsMapType() || t.IsObjectType():
		out := make(map[string]any, v.LengthInt())
		for it := v.ElementIterator(); it.Next(); {
			k, e := it.Element()
			out[k.AsString()] = toGo(e, depth+1)
		}
		return out
	}
	return nil
}

// Dir returns the module directory of a .tf file path ("." for the root).
func Dir(p string) string { return path.Dir(p) }
