package vex

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Decision is one triage decision on a vulnerability finding, as the
// server records it: what Export turns into VEX statements.
type Decision struct {
	VulnID  string
	Aliases []string
	// PURL is the package's purl (with version); Name and Version name it.
	PURL, Name, Version string
	// Image is set when the finding is on a container image.
	Image *Image
	// State is accepted, false_positive or fixed (by a person).
	State  string
	Reason string
	At     time.Time
	// Until is when an acceptance ends (the statement says so: a VEX
	// consumer keeps no expiry of its own).
	Until time.Time
}

// Image is a container image a finding is on.
type Image struct {
	// Name is the image's name or reference (registry/app:1.4), Digest
	// its digest (sha256:...).
	Name, Digest string
}

// ExportOptions describe the document Export writes.
type ExportOptions struct {
	// Author is the document's author (OpenVEX author; CycloneDX
	// metadata.authors).
	Author string
	// Timestamp is the document's time.
	Timestamp time.Time
	// ToolVersion is Vigil's version (CycloneDX metadata.tools).
	ToolVersion string
}

// Export formats.
const (
	FormatOpenVEX   = "openvex"
	FormatCycloneDX = "cyclonedx"
)

// Justification is a reason mapped to both formats' justification enums.
type Justification struct {
	OpenVEX, CycloneDX string
}

// justifications, longest name first: an OpenVEX name contains a
// CycloneDX one (vulnerable_code_not_present, code_not_present).
var justifications = []struct {
	names []string
	j     Justification
}{
	{[]string{"vulnerable_code_cannot_be_controlled_by_adversary"}, Justification{"vulnerable_code_cannot_be_controlled_by_adversary", "requires_environment"}},
	{[]string{"vulnerable_code_not_in_execute_path"}, Justification{"vulnerable_code_not_in_execute_path", "code_not_reachable"}},
	{[]string{"inline_mitigations_already_exist"}, Justification{"inline_mitigations_already_exist", "protected_by_mitigating_control"}},
	{[]string{"vulnerable_code_not_present"}, Justification{"vulnerable_code_not_present", "code_not_present"}},
	{[]string{"component_not_present"}, Justification{"component_not_present", "code_not_present"}},
	{[]string{"protected_by_mitigating_control"}, Justification{"inline_mitigations_already_exist", "protected_by_mitigating_control"}},
	{[]string{"protected_by_compiler"}, Justification{"inline_mitigations_already_exist", "protected_by_compiler"}},
	{[]string{"protected_at_runtime"}, Justification{"inline_mitigations_already_exist", "protected_at_runtime"}},
	{[]string{"protected_at_perimeter"}, Justification{"inline_mitigations_already_exist", "protected_at_perimeter"}},
	{[]string{"requires_configuration"}, Justification{"vulnerable_code_cannot_be_controlled_by_adversary", "requires_configuration"}},
	{[]string{"requires_environment"}, Justification{"vulnerable_code_cannot_be_controlled_by_adversary", "requires_environment"}},
	{[]string{"requires_dependency"}, Justification{"component_not_present", "requires_dependency"}},
	{[]string{"code_not_reachable"}, Justification{"vulnerable_code_not_in_execute_path", "code_not_reachable"}},
	{[]string{"code_not_present"}, Justification{"vulnerable_code_not_present", "code_not_present"}},
	// Plain words a triager writes.
	{[]string{"not reachable", "unreachable", "not in execute path", "never called", "not called"}, Justification{"vulnerable_code_not_in_execute_path", "code_not_reachable"}},
	{[]string{"not exploitable", "cannot be controlled", "no untrusted input", "not attacker controlled"}, Justification{"vulnerable_code_cannot_be_controlled_by_adversary", "requires_environment"}},
	{[]string{"mitigated", "mitigation"}, Justification{"inline_mitigations_already_exist", "protected_by_mitigating_control"}},
	{[]string{"code not present", "not present", "not used", "not included", "not shipped"}, Justification{"vulnerable_code_not_present", "code_not_present"}},
}

// Justify finds the justification a triage reason gives: a justification
// name of either format (with _, - or spaces), else one of the plain
// phrases of docs/vex.md. ok is false when the reason gives none.
func Justify(reason string) (Justification, bool) {
	r := strings.ToLower(reason)
	flat := strings.NewReplacer("-", "_", " ", "_").Replace(r)
	for _, e := range justifications {
		for _, n := range e.names {
			if strings.Contains(n, "_") && strings.Contains(flat, n) {
				return e.j, true
			}
			if !strings.Contains(n, "_") && strings.Contains(r, n) {
				return e.j, true
			}
		}
	}
	return Justification{}, false
}

// statement is one exported decision, format-neutral.
type statement struct {
	vuln    string
	aliases []string
	status  string // not_affected, fixed
	// falsePositive: a false positive with no justification (CycloneDX
	// state false_positive; OpenVEX not_affected with only an impact).
	falsePositive bool
	just          Justification
	impact        string
	purl, name    string
	version       string
	image         *Image
	at            time.Time
}

// statements maps decisions to statements; skipped says which decisions
// say nothing VEX can carry (an acceptance without a justification is a
// risk taken, not a claim that the product is not affected).
func statements(ds []Decision) ([]statement, []string) {
	var out []statement
	var skipped []string
	for _, d := range ds {
		if d.PURL == "" {
			skipped = append(skipped, fmt.Sprintf("%s on %s %s: the package has no purl", d.VulnID, d.Name, d.Version))
			continue
		}
		st := statement{vuln: d.VulnID, aliases: d.Aliases, purl: d.PURL, name: d.Name, version: d.Version, image: d.Image, at: d.At, impact: d.Reason}
		if d.State == "accepted" && !d.Until.IsZero() {
			st.impact += " (accepted until " + d.Until.UTC().Format(time.DateOnly) + ")"
		}
		switch d.State {
		case "fixed":
			st.status = StatusFixed
		case "accepted", "false_positive":
			st.status = StatusNotAffected
			j, ok := Justify(d.Reason)
			switch {
			case ok:
				st.just = j
			case d.State == "false_positive":
				st.falsePositive = true
			default:
				skipped = append(skipped, fmt.Sprintf("%s on %s: accepted without a justification (%q)", d.VulnID, d.PURL, d.Reason))
				continue
			}
		default:
			skipped = append(skipped, fmt.Sprintf("%s on %s: state %s is no VEX statement", d.VulnID, d.PURL, d.State))
			continue
		}
		out = append(out, st)
	}
	slices.SortFunc(out, func(a, b statement) int {
		return cmp.Or(cmp.Compare(a.vuln, b.vuln), cmp.Compare(a.purl, b.purl), cmp.Compare(imageKey(a.image), imageKey(b.image)), cmp.Compare(a.status, b.status), cmp.Compare(a.impact, b.impact))
	})
	return slices.CompactFunc(out, func(a, b statement) bool {
		return a.vuln == b.vuln && a.purl == b.purl && imageKey(a.image) == imageKey(b.image) && a.status == b.status && a.impact == b.impact
	}), skipped
}

func imageKey(i *Image) string {
	if i == nil {
		return ""
	}
	return i.Digest
}

// ImagePURL is the purl of a container image by digest
// (pkg:oci/NAME@sha256%3A...).
func ImagePURL(i Image) string {
	name := i.Name
	if at := strings.IndexByte(name, '@'); at >= 0 {
		name = name[:at]
	}
	if slash := strings.LastIndexByte(name, '/'); slash >= 0 {
		name = name[slash+1:]
	}
	if colon := strings.IndexByte(name, ':'); colon >= 0 {
		name = name[:colon]
	}
	name = strings.ToLower(name)
	if name == "" {
		name = "image"
	}
	return "pkg:oci/" + name + "@" + strings.ReplaceAll(i.Digest, ":", "%3A")
}

// Export writes the decisions as a VEX document in format (openvex or
// cyclonedx). skipped lists the decisions that it left out, and why.
func Export(ds []Decision, format string, o ExportOptions) (doc []byte, skipped []string, err error) {
	sts, skipped := statements(ds)
	switch format {
	case FormatOpenVEX, "":
		doc, err = openVEX(sts, o)
	case FormatCycloneDX:
		doc, err = cycloneDX(sts, o)
	default:
		return nil, nil, fmt.Errorf("VEX format %q: want openvex or cyclonedx", format)
	}
	return doc, skipped, err
}

type ovDoc struct {
	Context    string        `json:"@context"`
	ID         string        `json:"@id"`
	Author     string        `json:"author"`
	Timestamp  string        `json:"timestamp"`
	Version    int           `json:"version"`
	Tooling    string        `json:"tooling,omitempty"`
	Statements []ovStatement `json:"statements"`
}

type ovStatement struct {
	Vulnerability struct {
		Name    string   `json:"name"`
		Aliases []string `json:"aliases,omitempty"`
	} `json:"vulnerability"`
	Timestamp     string      `json:"timestamp,omitempty"`
	Products      []ovProduct `json:"products"`
	Status        string      `json:"status"`
	Justification string      `json:"justification,omitempty"`
	Impact        string      `json:"impact_statement,omitempty"`
}

type ovProduct struct {
	ID            string            `json:"@id"`
	Identifiers   map[string]string `json:"identifiers,omitempty"`
	Hashes        map[string]string `json:"hashes,omitempty"`
	Subcomponents []ovProduct       `json:"subcomponents,omitempty"`
}

func openVEX(sts []statement, o ExportOptions) ([]byte, error) {
	doc := ovDoc{Context: "https://openvex.dev/ns/v0.2.0", Author: cmp.Or(o.Author, "Vigil"), Timestamp: o.Timestamp.UTC().Format(time.RFC3339), Version: 1,
		Tooling: strings.TrimSpace("vigil " + o.ToolVersion), Statements: []ovStatement{}}
	for _, st := range sts {
		var s ovStatement
		s.Vulnerability.Name, s.Vulnerability.Aliases = st.vuln, uniq(st.aliases, st.vuln)
		if !st.at.IsZero() {
			s.Timestamp = st.at.UTC().Format(time.RFC3339)
		}
		s.Status, s.Justification = st.status, st.just.OpenVEX
		if st.status == StatusNotAffected {
			s.Impact = st.impact
			if st.falsePositive {
				s.Impact = "false positive: " + st.impact
			}
		}
		pkg := ovProduct{ID: st.purl, Identifiers: map[string]string{"purl": st.purl}}
		if st.image != nil {
			ip := ImagePURL(*st.image)
			p := ovProduct{ID: ip, Identifiers: map[string]string{"purl": ip}, Subcomponents: []ovProduct{pkg}}
			if h, ok := strings.CutPrefix(st.image.Digest, "sha256:"); ok {
				p.Hashes = map[string]string{"sha-256": h}
			}
			s.Products = []ovProduct{p}
		} else {
			s.Products = []ovProduct{pkg}
		}
		doc.Statements = append(doc.Statements, s)
	}
	body, err := json.Marshal(doc.Statements)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(body)
	doc.ID = "urn:vigil:vex:" + hex.EncodeToString(sum[:16])
	return json.MarshalIndent(doc, "", "  ")
}

type cdxOut struct {
	BOMFormat    string `json:"bomFormat"`
	SpecVersion  string `json:"specVersion"`
	SerialNumber string `json:"serialNumber"`
	Version      int    `json:"version"`
	Metadata     struct {
		Timestamp string `json:"timestamp"`
		Tools     struct {
			Components []cdxOutComponent `json:"components"`
		} `json:"tools"`
		Authors []struct {
			Name string `json:"name"`
		} `json:"authors,omitempty"`
	} `json:"metadata"`
	Components      []cdxOutComponent `json:"components"`
	Vulnerabilities []cdxOutVuln      `json:"vulnerabilities"`
}

type cdxOutComponent struct {
	Type       string            `json:"type"`
	BOMRef     string            `json:"bom-ref,omitempty"`
	Name       string            `json:"name"`
	Version    string            `json:"version,omitempty"`
	PURL       string            `json:"purl,omitempty"`
	Hashes     []cdxHash         `json:"hashes,omitempty"`
	Components []cdxOutComponent `json:"components,omitempty"`
}

type cdxHash struct {
	Alg     string `json:"alg"`
	Content string `json:"content"`
}

type cdxOutVuln struct {
	BOMRef     string `json:"bom-ref,omitempty"`
	ID         string `json:"id"`
	References []struct {
		ID     string `json:"id"`
		Source struct {
			Name string `json:"name"`
			URL  string `json:"url,omitempty"`
		} `json:"source"`
	} `json:"references,omitempty"`
	Analysis struct {
		State         string `json:"state"`
		Justification string `json:"justification,omitempty"`
		Detail        string `json:"detail,omitempty"`
		LastUpdated   string `json:"lastUpdated,omitempty"`
	} `json:"analysis"`
	Affects []struct {
		Ref string `json:"ref"`
	} `json:"affects"`
}

func cycloneDX(sts []statement, o ExportOptions) ([]byte, error) {
	var doc cdxOut
	doc.BOMFormat, doc.SpecVersion, doc.Version = "CycloneDX", "1.6", 1
	doc.Metadata.Timestamp = o.Timestamp.UTC().Format(time.RFC3339)
	doc.Metadata.Tools.Components = []cdxOutComponent{{Type: "application", Name: "vigil", Version: o.ToolVersion}}
	if o.Author != "" {
		doc.Metadata.Authors = append(doc.Metadata.Authors, struct {
			Name string `json:"name"`
		}{o.Author})
	}
	// Components: each image once with its packages inside, each package
	// of no image once at the top; bom-ref is the purl (the image's
	// package purl within it, so the same package of two images is two
	// components).
	images := map[string]int{}
	seen := map[string]bool{}
	doc.Components = []cdxOutComponent{}
	ref := func(st statement) string {
		if st.image != nil {
			return ImagePURL(*st.image) + "#" + st.purl
		}
		return st.purl
	}
	for _, st := range sts {
		r := ref(st)
		if seen[r] {
			continue
		}
		seen[r] = true
		c := cdxOutComponent{Type: "library", BOMRef: r, Name: cmp.Or(st.name, st.purl), Version: st.version, PURL: st.purl}
		if st.image == nil {
			doc.Components = append(doc.Components, c)
			continue
		}
		i, ok := images[st.image.Digest]
		if !ok {
			ip := ImagePURL(*st.image)
			img := cdxOutComponent{Type: "container", BOMRef: ip, Name: st.image.Name, Version: st.image.Digest, PURL: ip}
			if h, ok := strings.CutPrefix(st.image.Digest, "sha256:"); ok {
				img.Hashes = []cdxHash{{Alg: "SHA-256", Content: h}}
			}
			doc.Components = append(doc.Components, img)
			i = len(doc.Components) - 1
			images[st.image.Digest] = i
		}
		doc.Components[i].Components = append(doc.Components[i].Components, c)
	}
	doc.Vulnerabilities = []cdxOutVuln{}
	for _, st := range sts {
		var v cdxOutVuln
		v.ID = st.vuln
		for _, a := range uniq(st.aliases, st.vuln) {
			var r struct {
				ID     string `json:"id"`
				Source struct {
					Name string `json:"name"`
					URL  string `json:"url,omitempty"`
				} `json:"source"`
			}
			r.ID, r.Source.Name, r.Source.URL = a, sourceOf(a), "https://osv.dev/vulnerability/"+a
			v.References = append(v.References, r)
		}
		switch {
		case st.status == StatusFixed:
			v.Analysis.State = "resolved"
		case st.falsePositive:
			v.Analysis.State = "false_positive"
		default:
			v.Analysis.State, v.Analysis.Justification = "not_affected", st.just.CycloneDX
		}
		v.Analysis.Detail = st.impact
		if !st.at.IsZero() {
			v.Analysis.LastUpdated = st.at.UTC().Format(time.RFC3339)
		}
		v.Affects = append(v.Affects, struct {
			Ref string `json:"ref"`
		}{ref(st)})
		doc.Vulnerabilities = append(doc.Vulnerabilities, v)
	}
	body, err := json.Marshal(struct {
		C []cdxOutComponent
		V []cdxOutVuln
	}{doc.Components, doc.Vulnerabilities})
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(body)
	sum[6] = sum[6]&0x0f | 0x50 // a name-based (v5-style) UUID of the content
	sum[8] = sum[8]&0x3f | 0x80
	h := hex.EncodeToString(sum[:16])
	doc.SerialNumber = "urn:uuid:" + h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
	return json.MarshalIndent(doc, "", "  ")
}

// sourceOf names the database an id comes from.
func sourceOf(id string) string {
	switch {
	case strings.HasPrefix(id, "CVE-"):
		return "NVD"
	case strings.HasPrefix(id, "GHSA-"):
		return "GitHub"
	}
	return "OSV"
}

// uniq is ids without self, each once, in order.
func uniq(ids []string, self string) []string {
	var out []string
	for _, a := range ids {
		if a != "" && a != self && !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	return out
}
