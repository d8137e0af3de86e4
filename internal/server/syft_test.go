package server_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestPushSyftSBOM: a CycloneDX SBOM made by Syft (testdata/syft, of the
// npm project beside it: lodash 4.17.4 and minimist 1.2.0; the shared
// corpus has advisories for that lodash) pushed as it is
// yields exactly the findings `vigil scan` of the same file reports.
func TestPushSyftSBOM(t *testing.T) {
	e := startWith(t, startOptions{ecosystems: []string{"npm"}})
	sbom := filepath.Join("testdata", "syft", "sbom.cdx.json")
	report := filepath.Join(t.TempDir(), "r.json")
	if code, _, stderr := vigil(t, "scan", sbom, "--offline", "--db-dir", filepath.Join(e.data, "vulndb"), "--scanners", "vuln", "-f", "json", "-o", report); code != 0 && code != 1 {
		t.Fatalf("vigil scan %s: exit %d\n%s", sbom, code, stderr)
	}
	var local struct {
		Vulnerabilities []struct {
			ID      string
			Package struct{ Name, Version, Ecosystem string }
		}
	}
	b, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &local); err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, v := range local.Vulnerabilities {
		want = append(want, v.ID+" "+v.Package.Ecosystem+"/"+v.Package.Name+"@"+v.Package.Version)
	}

	body, err := os.Open(sbom)
	if err != nil {
		t.Fatal(err)
	}
	defer body.Close()
	var out struct {
		Artifact struct {
			ID       int64  `json:"id"`
			Format   string `json:"format"`
			ToolName string `json:"tool_name"`
		} `json:"artifact"`
		Findings int `json:"findings"`
	}
	if code := e.do("POST", "/api/v1/projects/syft/artifacts", e.admin, body, &out); code != 201 {
		t.Fatalf("push of the Syft SBOM: %d", code)
	}
	if out.Artifact.Format != "cyclonedx-json" {
		t.Errorf("artifact format %q, want cyclonedx-json", out.Artifact.Format)
	}
	var have []string
	for _, f := range e.findings(e.admin, fmt.Sprintf("project=syft&artifact=%d", out.Artifact.ID)) {
		have = append(have, f.VulnerabilityID+" "+f.Package.Ecosystem+"/"+f.Package.Name+"@"+f.Package.Version)
	}
	slices.Sort(want)
	slices.Sort(have)
	if !slices.Equal(want, have) {
		t.Errorf("server findings differ from vigil scan of the same SBOM:\nscan:   %v\nserver: %v", want, have)
	}
	if out.Findings != len(have) {
		t.Errorf("push answered %d findings, %d are listed", out.Findings, len(have))
	}
	lodash := 0
	for _, h := range want {
		if strings.HasSuffix(h, " npm/lodash@4.17.4") {
			lodash++
		}
	}
	if lodash == 0 {
		t.Errorf("findings %v: none on lodash 4.17.4, so the comparison proves little", want)
	}
}
