package gate

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkEvaluateServerPolicies: a Rego policy over a server answer of
// 10 000 open findings on 500 artifacts (the answer's maximum), evaluated
// per artifact.
func BenchmarkEvaluateServerPolicies(b *testing.B) {
	dir := b.TempDir()
	src := `package vigil

deny contains msg if {
	input.server.deployed
	some v in input.vulnerabilities
	v.severity == "CRITICAL"
	msg := sprintf("%s in %s", [v.id, v.package.name])
}
`
	if err := os.WriteFile(filepath.Join(dir, "gate.rego"), []byte(src), 0o644); err != nil {
		b.Fatal(err)
	}
	pol, err := LoadPolicies(b.Context(), []string{dir})
	if err != nil {
		b.Fatal(err)
	}
	st := &ServerState{Project: "p", Now: now, Images: []ServerImage{}}
	sevs := []string{"LOW", "MEDIUM", "HIGH", "CRITICAL"}
	for i := range 10000 {
		envs := []string{}
		if i%500 < 50 {
			envs = []string{"prod"}
		}
		st.Findings = append(st.Findings, ServerFinding{ID: int64(i + 1), Kind: "vulnerability", VulnerabilityID: fmt.Sprintf("CVE-2026-%d", i),
			Package: fmt.Sprintf("pkg-%d@1.0.%d", i%97, i%7), Severity: sevs[i%4], Artifact: fmt.Sprintf("sha256:%064x", i%500), Environments: envs, FirstSeen: now})
	}
	b.ReportAllocs()
	for b.Loop() {
		out, err := EvaluateServer(b.Context(), st, Options{Policies: pol, IgnoreSLABreach: true})
		if err != nil || !out.Failed {
			b.Fatal(err, out.Failed)
		}
	}
}
