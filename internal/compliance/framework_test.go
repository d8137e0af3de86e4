package compliance

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestBuiltinFrameworks(t *testing.T) {
	fws, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{"pci-dss-4.0": {"6.3.1", "6.3.3", "11.3.1"}, "soc2": {"CC7.1"}, "iso27001-2022": {"A.8.8"}}
	for id, controls := range want {
		f, ok := fws[id]
		if !ok {
			t.Fatalf("no built-in framework %s", id)
		}
		var got []string
		for _, c := range f.Controls {
			got = append(got, c.ID)
		}
		if strings.Join(got, ",") != strings.Join(controls, ",") {
			t.Errorf("%s controls %v, want %v", id, got, controls)
		}
	}
}

func TestUserFrameworkAndErrors(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "nist.yaml"), []byte("id: nist-800-53\ntitle: NIST SP 800-53\ncontrols:\n  - id: RA-5\n    title: Vulnerability monitoring and scanning\n    evidence: [scans, remediation]\n"), 0o644)
	fws, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if fws["nist-800-53"] == nil || fws["soc2"] == nil {
		t.Fatalf("user framework not added beside the built-in ones: %v", fws)
	}
	tests := []struct{ name, in, want string }{
		{"unknown key", "id: x\ntitle: X\ncontrol: []\n", "field control not found"},
		{"unknown evidence", "id: x\ntitle: X\ncontrols:\n  - {id: A, title: A, evidence: [vibes]}\n", `unknown evidence "vibes"`},
		{"duplicate", "id: x\ntitle: X\ncontrols:\n  - {id: A, title: A, evidence: [scans]}\n  - {id: A, title: A, evidence: [scans]}\n", `duplicate id "A"`},
		{"bad id", "id: X Y\ntitle: X\ncontrols:\n  - {id: A, title: A, evidence: [scans]}\n", `id "X Y"`},
		{"alias", "id: x\ntitle: X\ne: &a [scans]\ncontrols:\n  - {id: A, title: A, evidence: *a}\n", "aliases"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.in), "f.yaml")
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "f.yaml") {
				t.Fatalf("Parse: %v, want an error naming f.yaml and %q", err, tt.want)
			}
		})
	}
	os.WriteFile(filepath.Join(dir, "bad.yaml"), []byte("id: [\n"), 0o644)
	if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), "bad.yaml") {
		t.Fatalf("Load with a bad file: %v", err)
	}
}

func TestHTMLEscapes(t *testing.T) {
	r := &EvidenceReport{Framework: "soc2", FrameworkTitle: "SOC 2", Project: `<script>alert(1)</script>`,
		From: time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC),
		Controls:    []ControlEvidence{{ID: "CC7.1", Title: "t", Evidence: []string{EvidenceAcceptances}}},
		Acceptances: []AcceptanceEvidence{{Reason: `"><img src=x onerror=alert(1)>`, Approver: "a", Audit: AuditRef{Seq: 3, Hash: "abcdef0123456789"}}},
	}
	var buf bytes.Buffer
	if err := WriteHTML(&buf, r); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if strings.Contains(out, "<script>alert") || strings.Contains(out, "<img src=x") {
		t.Fatalf("unescaped input in the HTML:\n%s", out)
	}
	if !strings.Contains(out, "#3 abcdef012345") {
		t.Errorf("audit reference not shown")
	}
}

func FuzzParse(f *testing.F) {
	ents, _ := builtin.ReadDir("frameworks")
	for _, e := range ents {
		b, _ := builtin.ReadFile("frameworks/" + e.Name())
		f.Add(b)
	}
	f.Add([]byte("a: &a [*a]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		fw, err := Parse(data, "fuzz.yaml")
		if err == nil && (fw.ID == "" || len(fw.Controls) == 0) {
			t.Fatalf("accepted a framework without id or controls: %+v", fw)
		}
	})
}
