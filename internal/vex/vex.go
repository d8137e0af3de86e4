// Package vex reads VEX documents (OpenVEX and CycloneDX VEX) and applies
// their not_affected and fixed statements to a scan result as suppressions.
package vex

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/vigil-sec/vigil/internal/inventory/purl"
	"github.com/vigil-sec/vigil/internal/scan"
)

// MaxSize bounds one VEX document.
const MaxSize = 32 << 20

// Status values (OpenVEX names; CycloneDX states are mapped onto them).
const (
	StatusNotAffected        = "not_affected"
	StatusFixed              = "fixed"
	StatusAffected           = "affected"
	StatusUnderInvestigation = "under_investigation"
)

// Statement says what a vulnerability means for some products.
type Statement struct {
	// IDs are the vulnerability's name and aliases.
	IDs []string
	// Products are purls (with or without version). Empty: every package.
	Products      []string
	Status        string
	Justification string
	Impact        string
	// Source is "file" or "file#index", for messages.
	Source string
}

// Load reads a VEX file, detecting its format.
func Load(path string) ([]Statement, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxSize+1))
	if err != nil {
		return nil, fmt.Errorf("read %q: %w", path, err)
	}
	if len(data) > MaxSize {
		return nil, fmt.Errorf("%s: larger than %d bytes", path, MaxSize)
	}
	return Parse(data, path)
}

// Parse decodes an OpenVEX or CycloneDX (JSON) VEX document.
func Parse(data []byte, path string) ([]Statement, error) {
	var probe struct {
		Context     string          `json:"@context"`
		BOMFormat   string          `json:"bomFormat"`
		Statements  json.RawMessage `json:"statements"`
		Vulnerabils json.RawMessage `json:"vulnerabilities"`
	}
	if err := json.Unmarshal(data, &probe); err != nil {
		return nil, fmt.Errorf("%s: %w", path, jsonPos(data, err))
	}
	switch {
	case strings.Contains(probe.Context, "openvex") || probe.Statements != nil:
		return parseOpenVEX(data, path)
	case probe.BOMFormat == "CycloneDX":
		return parseCycloneDX(data, path)
	}
	return nil, fmt.Errorf("%s: not an OpenVEX or CycloneDX VEX document", path)
}

// jsonPos adds the line and column to a JSON syntax error.
func jsonPos(data []byte, err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) && se.Offset > 0 && int(se.Offset) <= len(data) {
		before := data[:se.Offset]
		line := bytes.Count(before, []byte("\n")) + 1
		col := int(se.Offset) - bytes.LastIndexByte(before, '\n')
		return fmt.Errorf("line %d, column %d: %w", line, col, err)
	}
	return err
}

type openVEXDoc struct {
	Statements []struct {
		Vulnerability json.RawMessage  `json:"vulnerability"`
		Products      []openVEXProduct `json:"products"`
		Status        string           `json:"status"`
		Justification string           `json:"justification"`
		Impact        string           `json:"impact_statement"`
	} `json:"statements"`
}

type openVEXProduct struct {
	ID            string            `json:"@id"`
	Identifiers   map[string]string `json:"identifiers"`
	Subcomponents []struct {
		ID          string            `json:"@id"`
		Identifiers map[string]string `json:"identifiers"`
	} `json:"subcomponents"`
}

func parseOpenVEX(data []byte, path string) ([]Statement, error) {
	var doc openVEXDoc
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", path, jsonPos(data, err))
	}
	var out []Statement
	for i, s := range doc.Statements {
		st := Statement{Status: s.Status, Justification: s.Justification, Impact: s.Impact, Source: fmt.Sprintf("%s#statements[%d]", path, i)}
		// v0.2: {"name": ..., "aliases": [...]}; v0.0.x: a plain string.
		var name string
		if json.Unmarshal(s.Vulnerability, &name) == nil && name != "" {
			st.IDs = []string{name}
		} else {
			var v struct {
				ID      string   `json:"@id"`
				Name    string   `json:"name"`
				Aliases []string `json:"aliases"`
			}
			if err := json.Unmarshal(s.Vulnerability, &v); err != nil {
				return nil, fmt.Errorf("%s: statements[%d].vulnerability: %w", path, i, err)
			}
			for _, id := range append([]string{v.Name, v.ID}, v.Aliases...) {
				if id != "" {
					st.IDs = append(st.IDs, id)
				}
			}
		}
		if len(st.IDs) == 0 {
			return nil, fmt.Errorf("%s: statements[%d]: no vulnerability name", path, i)
		}
		for _, p := range s.Products {
			// The packages are the subcomponents when given, else the
			// product itself. A product that is not a purl (an image, an
			// application) with no subcomponents covers every package.
			if len(p.Subcomponents) > 0 {
				for _, sc := range p.Subcomponents {
					st.Products = append(st.Products, purlOf(sc.ID, sc.Identifiers))
				}
				continue
			}
			if purl := purlOf(p.ID, p.Identifiers); strings.HasPrefix(purl, "pkg:") {
				st.Products = append(st.Products, purl)
			}
		}
		switch st.Status {
		case StatusNotAffected, StatusFixed, StatusAffected, StatusUnderInvestigation:
		default:
			return nil, fmt.Errorf("%s: statements[%d]: unknown status %q", path, i, st.Status)
		}
		out = append(out, st)
	}
	return out, nil
}

func purlOf(id string, identifiers map[string]string) string {
	if p := identifiers["purl"]; p != "" {
		return p
	}
	return id
}

type cdxDoc struct {
	Components []cdxComponent `json:"components"`
	Metadata   struct {
		Component *cdxComponent `json:"component"`
	} `json:"metadata"`
	Vulnerabilities []struct {
		ID         string `json:"id"`
		References []struct {
			ID string `json:"id"`
		} `json:"references"`
		Affects []struct {
			Ref string `json:"ref"`
		} `json:"affects"`
		Analysis struct {
			State         string `json:"state"`
			Justification string `json:"justification"`
			Detail        string `json:"detail"`
		} `json:"analysis"`
	} `json:"vulnerabilities"`
}

type cdxComponent struct {
	BOMRef     string         `json:"bom-ref"`
	PURL       string         `json:"purl"`
	Components []cdxComponent `json:"components"`
}

func parseCycloneDX(data []byte, path string) ([]Statement, error) {
	var doc cdxDoc
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", path, jsonPos(data, err))
	}
	refs := map[string]string{}
	var walk func(cs []cdxComponent, depth int)
	walk = func(cs []cdxComponent, depth int) {
		if depth > 64 {
			return
		}
		for _, c := range cs {
			if c.BOMRef != "" && c.PURL != "" {
				refs[c.BOMRef] = c.PURL
			}
			walk(c.Components, depth+1)
		}
	}
	walk(doc.Components, 0)
	if doc.Metadata.Component != nil {
		walk([]cdxComponent{*doc.Metadata.Component}, 0)
	}
	var out []Statement
	for i, v := range doc.Vulnerabilities {
		if v.Analysis.State == "" {
			continue // a vulnerability listing (VDR) without analysis says nothing
		}
		st := Statement{IDs: []string{v.ID}, Justification: v.Analysis.Justification, Impact: v.Analysis.Detail, Source: fmt.Sprintf("%s#vulnerabilities[%d]", path, i)}
		for _, r := range v.References {
			if r.ID != "" {
				st.IDs = append(st.IDs, r.ID)
			}
		}
		switch v.Analysis.State {
		case "not_affected", "false_positive":
			st.Status = StatusNotAffected
		case "resolved", "resolved_with_pedigree":
			st.Status = StatusFixed
		case "exploitable":
			st.Status = StatusAffected
		case "in_triage":
			st.Status = StatusUnderInvestigation
		default:
			return nil, fmt.Errorf("%s: vulnerabilities[%d]: unknown analysis state %q", path, i, v.Analysis.State)
		}
		for _, a := range v.Affects {
			p := a.Ref
			if purl, ok := refs[a.Ref]; ok {
				p = purl
			}
			if strings.HasPrefix(p, "pkg:") {
				st.Products = append(st.Products, p)
			}
		}
		out = append(out, st)
	}
	return out, nil
}

// Apply marks the vulnerabilities a not_affected or fixed statement covers.
// It returns how many findings it suppressed.
func Apply(r *scan.Result, stmts []Statement) int {
	n := 0
	for i := range r.Vulnerabilities {
		v := &r.Vulnerabilities[i]
		if v.Suppressed != nil {
			continue
		}
		ids := append([]string{v.ID}, v.Aliases...)
		for _, st := range stmts {
			if st.Status != StatusNotAffected && st.Status != StatusFixed {
				continue
			}
			if !shareID(ids, st.IDs) || !productMatches(st.Products, v.Package.PURL) {
				continue
			}
			reason := st.Status
			if st.Justification != "" {
				reason += ": " + st.Justification
			}
			if st.Impact != "" {
				reason += " (" + st.Impact + ")"
			}
			v.Suppressed = &scan.Suppression{Kind: "vex", Reason: reason}
			n++
			break
		}
	}
	r.Summarise()
	return n
}

func shareID(a, b []string) bool {
	for _, x := range a {
		for _, y := range b {
			if strings.EqualFold(x, y) {
				return true
			}
		}
	}
	return false
}

func productMatches(products []string, pkgPURL string) bool {
	if len(products) == 0 {
		return true
	}
	for _, p := range products {
		if purl.Match(p, pkgPURL) {
			return true
		}
	}
	return false
}
