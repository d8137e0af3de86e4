package terraform

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/vigil-sec/vigil/internal/iac/input"
)

// MaxPlanSize is the largest plan JSON loaded.
const MaxPlanSize = 64 << 20

// LooksLikePlan is a cheap prefilter for `terraform show -json` output.
func LooksLikePlan(src []byte) bool {
	return bytes.Contains(src, []byte(`"format_version"`)) &&
		(bytes.Contains(src, []byte(`"planned_values"`)) || bytes.Contains(src, []byte(`"resource_changes"`)))
}

// LoadPlan normalises a plan to the module document shape. Resources come
// from planned_values (root and child modules; falling back to
// resource_changes[].change.after); config is the planned values. A value
// unknown at plan time that the configuration sets from a reference is
// rendered as the reference ("aws_s3_bucket.x.id") as for HCL. It returns
// (nil, nil) when src is JSON but not a plan.
func LoadPlan(ctx context.Context, p string, src []byte) (*input.Document, error) {
	if len(src) > MaxPlanSize {
		return nil, &input.ParseError{Path: p, Err: fmt.Errorf("%w: %d bytes (limit %d)", input.ErrTooLarge, len(src), MaxPlanSize)}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	val, tree, err := decodeJSON(src)
	if err != nil {
		return nil, &input.ParseError{Path: p, Line: err.line, Err: err.err}
	}
	plan, ok := val.(map[string]any)
	if !ok || plan["format_version"] == nil || (plan["planned_values"] == nil && plan["resource_changes"] == nil) {
		return nil, nil
	}
	refs := map[string]map[string]string{} // address -> attribute -> reference
	if cfg, ok := plan["configuration"].(map[string]any); ok {
		configRefs(cfg["root_module"], "", refs, 0)
	}

	var res []any
	resTree := &input.Node{Line: 1}
	var addresses []string
	add := func(r map[string]any, rt *input.Node, values any, vt *input.Node) {
		addr := str(r["address"])
		cfg, _ := values.(map[string]any)
		if cfg == nil {
			cfg = map[string]any{}
		}
		for attr, ref := range refs[stripIndex(addr)] {
			if cfg[attr] == nil {
				cfg[attr] = ref
			}
		}
		mode := str(r["mode"])
		if mode == "" {
			mode = "managed"
		}
		res = append(res, map[string]any{
			"address": addr, "type": str(r["type"]), "name": str(r["name"]), "mode": mode,
			"module": str(r["module_address"]), "file": p, "line": lineOf(rt), "config": cfg,
		})
		n := &input.Node{File: p, Line: lineOf(rt)}
		if vt != nil {
			n.SetField("config", vt)
		}
		resTree.Items = append(resTree.Items, n)
		addresses = append(addresses, addr)
	}
	if pv, ok := plan["planned_values"].(map[string]any); ok {
		walkModule(pv["root_module"], child(child(tree, "planned_values"), "root_module"), add, 0)
	} else if rcs, ok := plan["resource_changes"].([]any); ok {
		rct := child(tree, "resource_changes")
		for i, rc := range rcs {
			r, _ := rc.(map[string]any)
			if r == nil {
				continue
			}
			ch, _ := r["change"].(map[string]any)
			rt := item(rct, i)
			add(r, rt, ch["after"], child(child(rt, "change"), "after"))
		}
	}
	vars := map[string]any{}
	varsTree := &input.Node{Line: 1}
	if vs, ok := plan["variables"].(map[string]any); ok {
		for k, v := range vs {
			vm, _ := v.(map[string]any)
			vars[k] = map[string]any{"default": vm["value"]}
			varsTree.SetField(k, child(child(tree, "variables"), k))
		}
	}
	if res == nil {
		res = []any{}
	}
	root := &input.Node{File: p, Line: 1}
	root.SetField("resources", resTree)
	root.SetField("variables", varsTree)
	return &input.Document{
		Kind:       input.Terraform,
		Path:       p,
		Value:      map[string]any{"resources": res, "variables": vars, "locals": map[string]any{}},
		Tree:       root,
		Resource:   p,
		ResourceAt: addressAt(addresses),
		Ignores:    map[string]input.Ignores{p: input.ParseIgnores(src)},
	}, nil
}

func walkModule(m any, t *input.Node, add func(map[string]any, *input.Node, any, *input.Node), depth int) {
	mod, _ := m.(map[string]any)
	if mod == nil || depth > 50 {
		return
	}
	rs, _ := mod["resources"].([]any)
	rst := child(t, "resources")
	for i, r := range rs {
		rm, _ := r.(map[string]any)
		if rm == nil {
			continue
		}
		rt := item(rst, i)
		rm["module_address"] = mod["address"]
		add(rm, rt, rm["values"], child(rt, "values"))
	}
	cms, _ := mod["child_modules"].([]any)
	cmt := child(t, "child_modules")
	for i, c := range cms {
		walkModule(c, item(cmt, i), add, depth+1)
	}
}

// configRefs collects, per resource address, attributes whose expression is
// a reference: configuration.root_module.resources[].expressions.X.references.
func configRefs(m any, prefix string, out map[string]map[string]string, depth int) {
	mod, _ := m.(map[string]any)
	if mod == nil || depth > 50 {
		return
	}
	rs, _ := mod["resources"].([]any)
	for _, r := range rs {
		rm, _ := r.(map[string]any)
		exprs, _ := rm["expressions"].(map[string]any)
		addr := prefix + str(rm["address"])
		for attr, e := range exprs {
			em, _ := e.(map[string]any)
			refs, _ := em["references"].([]any)
			if len(refs) > 0 {
				if s := str(refs[0]); s != "" {
					if out[addr] == nil {
						out[addr] = map[string]string{}
					}
					out[addr][attr] = s
				}
			}
		}
	}
	calls, _ := mod["module_calls"].(map[string]any)
	for name, c := range calls {
		cm, _ := c.(map[string]any)
		configRefs(cm["module"], prefix+"module."+name+".", out, depth+1)
	}
}

// stripIndex turns aws_instance.web[0] / ["a"] into aws_instance.web.
func stripIndex(addr string) string {
	if strings.HasSuffix(addr, "]") {
		if i := strings.LastIndexByte(addr, '['); i > 0 {
			return addr[:i]
		}
	}
	return addr
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func child(n *input.Node, k string) *input.Node {
	if n == nil {
		return nil
	}
	return n.Fields[k]
}

func item(n *input.Node, i int) *input.Node {
	if n == nil || i >= len(n.Items) {
		return nil
	}
	return n.Items[i]
}

func lineOf(n *input.Node) int {
	if n == nil || n.Line == 0 {
		return 1
	}
	return n.Line
}

type jsonError struct {
	line int
	err  error
}

// decodeJSON decodes one JSON value and records the line of every value
// (object members: the line of the key).
func decodeJSON(src []byte) (any, *input.Node, *jsonError) {
	d := &jsonDecoder{dec: json.NewDecoder(bytes.NewReader(src)), src: src}
	d.dec.UseNumber()
	v, n, err := d.value(0)
	if err != nil {
		return nil, nil, &jsonError{line: d.line(), err: err}
	}
	if _, err := d.dec.Token(); err != io.EOF {
		return nil, nil, &jsonError{line: d.line(), err: errors.New("trailing data after JSON value")}
	}
	return v, n, nil
}

type jsonDecoder struct {
	dec     *json.Decoder
	src     []byte
	lastOff int
	lastLn  int
}

// line is the line of the decoder's current offset (incremental).
func (d *jsonDecoder) line() int {
	off := int(d.dec.InputOffset())
	if off < d.lastOff {
		d.lastOff, d.lastLn = 0, 0
	}
	d.lastLn += bytes.Count(d.src[d.lastOff:off], []byte{'\n'})
	d.lastOff = off
	return d.lastLn + 1
}

// tokLine is the line of the next token: InputOffset points before the
// whitespace and separators that precede it.
func (d *jsonDecoder) tokLine() int {
	return d.line() + bytes.Count(leadingSpace(d.src[d.lastOff:]), []byte{'\n'})
}

const maxJSONDepth = 200

func (d *jsonDecoder) value(depth int) (any, *input.Node, error) {
	if depth > maxJSONDepth {
		return nil, nil, fmt.Errorf("%w (limit %d)", input.ErrTooDeep, maxJSONDepth)
	}
	ln := d.tokLine()
	tok, err := d.dec.Token()
	if err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, nil, err
	}
	n := &input.Node{Line: ln}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			m := map[string]any{}
			n.Fields = map[string]*input.Node{}
			for d.dec.More() {
				kl := d.tokLine()
				kt, err := d.dec.Token()
				if err != nil {
					return nil, nil, err
				}
				k, _ := kt.(string)
				v, vn, err := d.value(depth + 1)
				if err != nil {
					return nil, nil, err
				}
				vn.Line = kl
				m[k] = v
				n.Fields[k] = vn
			}
			if _, err := d.dec.Token(); err != nil {
				return nil, nil, err
			}
			return m, n, nil
		case '[':
			a := []any{}
			n.Items = []*input.Node{}
			for d.dec.More() {
				v, vn, err := d.value(depth + 1)
				if err != nil {
					return nil, nil, err
				}
				a = append(a, v)
				n.Items = append(n.Items, vn)
			}
			if _, err := d.dec.Token(); err != nil {
				return nil, nil, err
			}
			return a, n, nil
		}
		return nil, nil, fmt.Errorf("unexpected %v", t)
	default:
		return t, n, nil
	}
}

func leadingSpace(b []byte) []byte {
	i := 0
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r' || b[i] == ',' || b[i] == ':') {
		i++
	}
	return b[:i]
}
