package gate

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/scan"
)

// ServerInput is the extra top-level key ("server") of the Rego input
// document of a server gate: which artifact of which project the document
// is about and where it runs. Everything else is the JSON report shape of
// a local scan (scan.Result), so one policy works in both places.
type ServerInput struct {
	Project      string   `json:"project"`
	Artifact     string   `json:"artifact"`
	ArtifactName string   `json:"artifact_name,omitempty"`
	Environments []string `json:"environments"`
	Deployed     bool     `json:"deployed"`
}

// serverArtifact is one artifact of a server answer as a local report.
type serverArtifact struct {
	result scan.Result
	server ServerInput
}

// serverDocuments groups a server answer by artifact (those with findings
// and the images), in the answer's order, each as the report a local scan
// of that artifact would print: its open findings, its image's build time.
func serverDocuments(st *ServerState) []*serverArtifact {
	var order []*serverArtifact
	by := map[string]*serverArtifact{}
	get := func(digest, name string, envs []string) *serverArtifact {
		a := by[digest]
		if a == nil {
			target := name
			if target == "" {
				target = digest
			}
			a = &serverArtifact{
				result: scan.Result{
					SchemaVersion: scan.SchemaVersion, Tool: scan.Tool{Name: "vigil", Version: "server"}, CreatedAt: st.Now,
					Target: scan.Target{Kind: "artifact", Name: target}, Scanners: []string{},
					Packages: []inventory.Package{}, Vulnerabilities: []scan.Vulnerability{}, Misconfigurations: []scan.Misconfiguration{}, Secrets: []scan.Secret{},
					Warnings: []string{},
				},
				server: ServerInput{Project: st.Project, Artifact: digest, ArtifactName: name, Environments: []string{}},
			}
			by[digest] = a
			order = append(order, a)
		}
		if a.server.ArtifactName == "" && name != "" {
			a.server.ArtifactName, a.result.Target.Name = name, name
		}
		for _, e := range envs {
			if !slices.Contains(a.server.Environments, e) {
				a.server.Environments = append(a.server.Environments, e)
			}
		}
		return a
	}
	for _, f := range st.Findings {
		a := get(f.Artifact, f.ArtifactName, f.Environments)
		sev, _ := parseServerSeverity(f.Severity)
		switch f.Kind {
		case "vulnerability":
			name, version := f.Package, ""
			if i := strings.LastIndex(f.Package, "@"); i > 0 {
				name, version = f.Package[:i], f.Package[i+1:]
			}
			a.result.Vulnerabilities = append(a.result.Vulnerabilities, scan.Vulnerability{
				ID: f.VulnerabilityID, Aliases: nonNilStrings(f.Aliases), Locations: []scan.Location{},
				Package:  scan.PackageRef{Name: name, Version: version, Ecosystem: f.Ecosystem, PURL: f.PURL},
				Severity: sev, FixedVersion: f.FixedVersion, Published: f.Published,
			})
		case "misconfiguration":
			a.result.Misconfigurations = append(a.result.Misconfigurations, scan.Misconfiguration{CheckID: f.VulnerabilityID, Severity: sev})
		case "secret":
			a.result.Secrets = append(a.result.Secrets, scan.Secret{RuleID: f.VulnerabilityID, Severity: sev})
		}
	}
	for _, im := range st.Images {
		a := get(im.Artifact, im.Name, im.Environments)
		ref := im.Name
		if ref == "" {
			ref = im.Artifact
		}
		a.result.Target.Kind = "image"
		a.result.Image = &scan.Image{Reference: ref, Digest: im.Artifact, Created: im.Built}
		if !im.Built.IsZero() {
			a.result.Image.AgeDays = int(st.Now.Sub(im.Built).Hours() / 24)
		}
	}
	for _, a := range order {
		sort.Strings(a.server.Environments)
		a.server.Deployed = len(a.server.Environments) > 0
		a.result.Summarise()
	}
	return order
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// EvalServer evaluates data.vigil.deny and data.vigil.warn once per
// artifact of a server answer, with input = the JSON report a local scan
// of that artifact would print plus input.server (ServerInput). Each
// message is suffixed with the artifact and where it runs, so that a
// policy written for a local report names them on the server too.
func (p *Policies) EvalServer(ctx context.Context, st *ServerState) (denies, warns []string, err error) {
	for _, a := range serverDocuments(st) {
		b, err := json.Marshal(a.result)
		if err != nil {
			return nil, nil, err
		}
		var input map[string]any
		if err := json.Unmarshal(b, &input); err != nil {
			return nil, nil, err
		}
		sb, _ := json.Marshal(a.server)
		var srv any
		_ = json.Unmarshal(sb, &srv)
		input["server"] = srv
		d, w, err := p.eval(ctx, input)
		if err != nil {
			return nil, nil, fmt.Errorf("artifact %s: %w", a.server.Artifact, err)
		}
		on := fmt.Sprintf(" (on %s, %s)", artifactOf(ServerFinding{Artifact: a.server.Artifact, ArtifactName: a.server.ArtifactName}), where(a.server.Environments))
		for _, m := range d {
			denies = append(denies, m+on)
		}
		for _, m := range w {
			warns = append(warns, m+on)
		}
	}
	sort.Strings(denies)
	sort.Strings(warns)
	return denies, warns, nil
}

// eval runs the prepared query on one input document.
func (p *Policies) eval(ctx context.Context, input any) (denies, warns []string, err error) {
	rs, err := p.pq.Eval(ctx, rego.EvalInput(input))
	if err != nil {
		return nil, nil, fmt.Errorf("evaluate policies: %w", err)
	}
	for _, res := range rs {
		for _, v := range each(res.Bindings["d"]) {
			denies = append(denies, messages(v)...)
		}
		for _, v := range each(res.Bindings["w"]) {
			warns = append(warns, messages(v)...)
		}
	}
	sort.Strings(denies)
	sort.Strings(warns)
	return slices.Compact(denies), slices.Compact(warns), nil
}
