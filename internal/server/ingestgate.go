package server

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/vigil-sec/vigil/internal/engine"
	"github.com/vigil-sec/vigil/internal/gate"
	"github.com/vigil-sec/vigil/internal/scan"
)

// IngestGate is the gate of a push as its artifact.ingest audit record
// holds it: the pushing CLI's claim, labelled as the client's, and the
// server's own decision on the same artifact (docs/server.md).
type IngestGate struct {
	Client *gate.Claim `json:"client"`
	Server ServerGate  `json:"server"`
}

// ServerGate is the server's decision on a pushed artifact: the
// findings it matched with its own vulnerability database (suppressions
// as the pushed report marks them), judged by gate.Evaluate with the
// client's thresholds. Rego policies are not evaluated (a claim names
// their files; the server does not hold them), so Rules says
// "thresholds".
type ServerGate struct {
	Passed         bool     `json:"passed"`
	FailedFindings int      `json:"failed_findings"`
	Reasons        []string `json:"reasons,omitempty"`
	Rules          string   `json:"rules"`
	VulnDBRevision int64    `json:"vulndb_revision"`
}

// ingestGateOf evaluates the server's gate on a push and returns the
// record's gate as JSON. Exploitation data (KEV, EPSS) is the pushed
// report's, by finding key: a threshold on it without data fails closed.
func ingestGateOf(ctx context.Context, res *scan.Result, vulns []scan.Vulnerability, claim *gate.Claim, now time.Time, rev int64) (json.RawMessage, error) {
	sups := engine.Suppressions(res)
	pushed := make(map[string]*scan.Vulnerability, len(res.Vulnerabilities))
	for i := range res.Vulnerabilities {
		pushed[engine.VulnKey(res.Vulnerabilities[i])] = &res.Vulnerabilities[i]
	}
	sr := *res
	sr.Vulnerabilities = make([]scan.Vulnerability, len(vulns))
	for i, v := range vulns {
		key := engine.VulnKey(v)
		if sup, ok := sups[key]; ok {
			v.Suppressed = &sup
		}
		if p, ok := pushed[key]; ok {
			v.KEV, v.EPSS = p.KEV, p.EPSS
		}
		sr.Vulnerabilities[i] = v
	}
	out, err := gate.Evaluate(ctx, &sr, claim.Thresholds.Options(func() time.Time { return now }))
	if err != nil {
		return nil, fmt.Errorf("server gate: %w", err)
	}
	g := IngestGate{Client: claim, Server: ServerGate{Passed: !out.Failed, FailedFindings: out.Findings, Reasons: out.Reasons, Rules: "thresholds", VulnDBRevision: rev}}
	return json.Marshal(g)
}
