// Package policy loads, compiles and evaluates the Rego checks of the
// infrastructure-as-code scanner, and runs their Rego unit tests.
//
// A check is a Rego module whose package-scoped METADATA carries
// `custom.id` and `custom.input`; it defines a `deny` set. Modules without a
// `custom.id` are libraries. All modules are compiled once; evaluation uses
// one prepared query per input kind that reads every enabled check's `deny`.
package policy

import (
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/vigil-sec/vigil/internal/iac/input"
)

// MaxModuleSize bounds one .rego file.
const MaxModuleSize = 1 << 20

// Check is the metadata of one check.
type Check struct {
	ID          string            `json:"id"`
	Title       string            `json:"title"`
	Description string            `json:"description"`
	Severity    string            `json:"severity"` // CRITICAL, HIGH, MEDIUM or LOW
	Input       input.Kind        `json:"input"`
	Remediation string            `json:"remediation,omitempty"`
	References  []string          `json:"references,omitempty"`
	Controls    map[string]string `json:"controls,omitempty"`
	Package     string            `json:"package"` // data.vigil.checks.kubernetes.privileged
	File        string            `json:"file"`
	Custom      bool              `json:"custom,omitempty"` // loaded from a user directory

	// partialDeny: every deny rule is a partial set (deny contains ...),
	// which is always defined (empty when no body holds).
	partialDeny bool
}

// Severities lists the accepted severities, highest first.
var Severities = []string{"CRITICAL", "HIGH", "MEDIUM", "LOW"}

// Module is a parsed Rego file.
type Module struct {
	File   string
	Module *ast.Module
	Test   bool // *_test.rego
	Custom bool
}

// LoadFS parses every .rego file under fsys. Test files (*_test.rego) are
// returned only when tests is true. name maps an fs path to the file name
// used in messages.
func LoadFS(fsys fs.FS, custom, tests bool, name func(string) string) ([]Module, error) {
	var mods []Module
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != "." && strings.HasPrefix(d.Name(), ".") {
				return fs.SkipDir
			}
			return nil
		}
		if path.Ext(p) != ".rego" {
			return nil
		}
		isTest := strings.HasSuffix(p, "_test.rego")
		if isTest && !tests {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if info.Size() > MaxModuleSize {
			return fmt.Errorf("load %q: %w", name(p), input.ErrTooLarge)
		}
		src, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		m, err := parse(name(p), src, custom, isTest)
		if err != nil {
			return err
		}
		mods = append(mods, m)
		return nil
	})
	return mods, err
}

// LoadDirs parses the .rego files of user directories (or single files).
func LoadDirs(dirs []string, tests bool) ([]Module, error) {
	var out []Module
	for _, dir := range dirs {
		st, err := os.Stat(dir)
		if err != nil {
			return nil, fmt.Errorf("load policies: %w", err)
		}
		if !st.IsDir() {
			if st.Size() > MaxModuleSize {
				return nil, fmt.Errorf("load %q: %w", dir, input.ErrTooLarge)
			}
			src, err := os.ReadFile(dir)
			if err != nil {
				return nil, fmt.Errorf("load policies: %w", err)
			}
			m, err := parse(dir, src, true, strings.HasSuffix(dir, "_test.rego"))
			if err != nil {
				return nil, err
			}
			out = append(out, m)
			continue
		}
		mods, err := LoadFS(os.DirFS(dir), true, tests, func(p string) string {
			return filepath.Join(dir, filepath.FromSlash(p))
		})
		if err != nil {
			return nil, err
		}
		out = append(out, mods...)
	}
	return out, nil
}

func parse(name string, src []byte, custom, test bool) (Module, error) {
	m, err := ast.ParseModuleWithOpts(name, string(src), ast.ParserOptions{
		ProcessAnnotation: true,
		RegoVersion:       ast.RegoV1,
	})
	if err != nil {
		return Module{}, fmt.Errorf("parse policy: %w", err)
	}
	return Module{File: name, Module: m, Test: test, Custom: custom}, nil
}

// Metadata extracts a module's check metadata. ok is false for libraries
// (no custom.id).
func Metadata(m Module) (c Check, ok bool, err error) {
	var ann *ast.Annotations
	for _, a := range m.Module.Annotations {
		if a.Scope == "package" || a.Scope == "subpackages" {
			ann = a
			break
		}
	}
	if ann == nil {
		return Check{}, false, nil
	}
	id := customString(ann.Custom, "id")
	if id == "" {
		return Check{}, false, nil
	}
	c = Check{
		ID:          id,
		Title:       ann.Title,
		Description: strings.TrimSpace(ann.Description),
		Severity:    strings.ToUpper(customString(ann.Custom, "severity")),
		Input:       input.Kind(strings.ToLower(customString(ann.Custom, "input"))),
		Remediation: strings.TrimSpace(customString(ann.Custom, "remediation")),
		Package:     m.Module.Package.Path.String(),
		File:        m.File,
		Custom:      m.Custom,
	}
	if c.Title == "" {
		c.Title = c.ID
	}
	if refs, ok := ann.Custom["references"].([]any); ok {
		for _, r := range refs {
			if s, ok := r.(string); ok {
				c.References = append(c.References, s)
			}
		}
	}
	for _, r := range ann.RelatedResources {
		if r.Ref.String() != "" {
			c.References = append(c.References, r.Ref.String())
		}
	}
	if ctl, ok := ann.Custom["controls"].(map[string]any); ok {
		c.Controls = map[string]string{}
		for k, v := range ctl {
			c.Controls[k] = fmt.Sprint(v)
		}
	}
	if !slices.Contains(Severities, c.Severity) {
		return c, true, fmt.Errorf("check %s (%s): severity %q is not one of %s", c.ID, m.File, c.Severity, strings.Join(Severities, ", "))
	}
	if !slices.Contains(input.Kinds, c.Input) {
		return c, true, fmt.Errorf("check %s (%s): input %q is not one of %v", c.ID, m.File, c.Input, input.Kinds)
	}
	if !hasRule(m.Module, "deny") {
		return c, true, fmt.Errorf("check %s (%s): no deny rule", c.ID, m.File)
	}
	c.partialDeny = true
	for _, r := range m.Module.Rules {
		if ref := r.Head.Ref(); len(ref) > 0 && ref[0].Value.Compare(ast.Var("deny")) == 0 && (len(ref) != 1 || r.Head.RuleKind() != ast.MultiValue) {
			c.partialDeny = false
		}
	}
	return c, true, nil
}

func customString(m map[string]any, k string) string {
	switch v := m[k].(type) {
	case string:
		return v
	case nil:
		return ""
	default:
		return fmt.Sprint(v)
	}
}

func hasRule(m *ast.Module, name string) bool {
	for _, r := range m.Rules {
		ref := r.Head.Ref()
		if len(ref) > 0 && ref[0].Value.Compare(ast.Var(name)) == 0 {
			return true
		}
	}
	return false
}
