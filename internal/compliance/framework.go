// Package compliance maps controls of compliance frameworks (PCI DSS, SOC
// 2, ISO/IEC 27001) to the evidence the server holds, and renders the
// evidence report as JSON and self-contained HTML. Mappings are data: one
// YAML file per framework, embedded, plus any a user adds from a
// directory. See docs/compliance.md.
package compliance

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

//go:embed frameworks/*.yaml
var builtin embed.FS

// Evidence kinds a control may draw on.
const (
	EvidenceScans        = "scans"         // ingests (scans pushed) and their findings
	EvidenceOpenFindings = "open_findings" // open findings against the SLA
	EvidenceRemediation  = "remediation"   // fixed in the period, and MTTR
	EvidenceAcceptances  = "acceptances"   // risk acceptances: approver, reason, expiry
	EvidenceIaC          = "iac_checks"    // failed IaC checks with their CIS/PSS control ids
)

var evidenceKinds = []string{EvidenceScans, EvidenceOpenFindings, EvidenceRemediation, EvidenceAcceptances, EvidenceIaC}

// Limits on a framework file.
const (
	MaxFrameworkSize = 1 << 20
	maxControls      = 1000
)

// Framework is one mapping file.
type Framework struct {
	ID       string    `yaml:"id" json:"id"`
	Title    string    `yaml:"title" json:"title"`
	Controls []Control `yaml:"controls" json:"controls"`
	// Source is the file it came from ("builtin:..." for embedded ones).
	Source string `yaml:"-" json:"source"`
}

// Control is a control and the evidence it is shown with.
type Control struct {
	ID          string   `yaml:"id" json:"id"`
	Title       string   `yaml:"title" json:"title"`
	Description string   `yaml:"description" json:"description,omitempty"`
	Evidence    []string `yaml:"evidence" json:"evidence"`
}

var idRE = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{0,63}$`)

// Parse reads a framework strictly (unknown keys are errors; no aliases)
// and validates it. name is the file for errors.
func Parse(data []byte, name string) (*Framework, error) {
	if len(data) > MaxFrameworkSize {
		return nil, fmt.Errorf("%s: larger than %d bytes", name, MaxFrameworkSize)
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if hasAlias(&root, 0) {
		return nil, fmt.Errorf("%s: YAML aliases or nesting deeper than 16 are not allowed", name)
	}
	var f Framework
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	f.Source = name
	var errs []error
	if !idRE.MatchString(f.ID) {
		errs = append(errs, fmt.Errorf("id %q: want lower case letters, digits, '.' and '-'", f.ID))
	}
	if f.Title == "" {
		errs = append(errs, errors.New("title is required"))
	}
	if len(f.Controls) == 0 || len(f.Controls) > maxControls {
		errs = append(errs, fmt.Errorf("want 1 to %d controls, got %d", maxControls, len(f.Controls)))
	}
	seen := map[string]bool{}
	for i, c := range f.Controls {
		switch {
		case c.ID == "" || len(c.ID) > 64:
			errs = append(errs, fmt.Errorf("controls[%d]: id is required (at most 64 bytes)", i))
		case seen[c.ID]:
			errs = append(errs, fmt.Errorf("controls[%d]: duplicate id %q", i, c.ID))
		}
		seen[c.ID] = true
		if c.Title == "" {
			errs = append(errs, fmt.Errorf("controls[%d] (%s): title is required", i, c.ID))
		}
		if len(c.Evidence) == 0 {
			errs = append(errs, fmt.Errorf("controls[%d] (%s): evidence is required (%s)", i, c.ID, strings.Join(evidenceKinds, ", ")))
		}
		for _, e := range c.Evidence {
			if !slices.Contains(evidenceKinds, e) {
				errs = append(errs, fmt.Errorf("controls[%d] (%s): unknown evidence %q (want %s)", i, c.ID, e, strings.Join(evidenceKinds, ", ")))
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return &f, nil
}

func hasAlias(n *yaml.Node, depth int) bool {
	if n.Kind == yaml.AliasNode || depth > 16 {
		return true
	}
	for _, c := range n.Content {
		if hasAlias(c, depth+1) {
			return true
		}
	}
	return false
}

// Load returns the built-in frameworks and those in dir ("" for none),
// by id. A file in dir with a built-in id replaces it; a bad file is an
// error naming it.
func Load(dir string) (map[string]*Framework, error) {
	out := map[string]*Framework{}
	ents, err := fs.ReadDir(builtin, "frameworks")
	if err != nil {
		return nil, err
	}
	for _, e := range ents {
		b, err := builtin.ReadFile("frameworks/" + e.Name())
		if err != nil {
			return nil, err
		}
		f, err := Parse(b, "builtin:"+e.Name())
		if err != nil {
			return nil, err
		}
		out[f.ID] = f
	}
	if dir == "" {
		return out, nil
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		return nil, err
	}
	for _, p := range files {
		fi, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if fi.Size() > MaxFrameworkSize {
			return nil, fmt.Errorf("%s: larger than %d bytes", p, MaxFrameworkSize)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		f, err := Parse(b, p)
		if err != nil {
			return nil, err
		}
		out[f.ID] = f
	}
	return out, nil
}
