package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Deploy records that an artifact runs in an environment and service. An
// open deployment of another artifact in the same place ends; when that
// artifact then runs nowhere, its open and accepted findings the new
// artifact does not have become fixed (replaced_by_upgrade). Deploying the
// running artifact again changes nothing.
func (s *Store) Deploy(ctx context.Context, d Deploy) (DeployResult, error) {
	if d.Service == "" {
		d.Service = d.Project
	}
	for _, v := range []struct{ kind, val string }{{"environment", d.Environment}, {"service", d.Service}} {
		if err := validName(v.kind, v.val); err != nil {
			return DeployResult{}, err
		}
	}
	if len(d.Cluster) > MaxNameLen || len(d.Namespace) > MaxNameLen {
		return DeployResult{}, fmt.Errorf("%w: cluster or namespace longer than %d bytes", ErrInvalid, MaxNameLen)
	}
	var res DeployResult
	err := s.write(ctx, func(t *tx) error {
		var projectID, artifactID int64
		err := t.queryRow(ctx, "SELECT a.project_id, a.id FROM artifacts a JOIN projects pr ON pr.id = a.project_id WHERE pr.name = ? AND a.digest = ?",
			d.Project, d.Digest).Scan(&projectID, &artifactID)
		if err != nil {
			return notFound(err, "artifact %q of project %q", d.Digest, d.Project)
		}
		at := d.At
		if at.IsZero() {
			at = s.now()
		}
		atMS := at.UnixMilli()
		prev, err := scanDeployment(t.queryRow(ctx, deploymentCols+
			" WHERE d.project_id = ? AND d.environment = ? AND d.service = ? AND d.cluster = ? AND d.namespace = ? AND d.end_at IS NULL",
			projectID, d.Environment, d.Service, d.Cluster, d.Namespace))
		switch {
		case err == nil && prev.ArtifactID == artifactID:
			res.Deployment = prev
			return nil
		case err == nil:
			if _, err := t.exec(ctx, "UPDATE deployments SET end_at = ? WHERE id = ?", atMS, prev.ID); err != nil {
				return fmt.Errorf("end deployment %d: %w", prev.ID, err)
			}
			prev.End = msTime(atMS)
			res.Replaced = &prev
			if err := t.events(ctx, []event{{kind: EventDeploymentEnded, projectID: projectID, artifactID: prev.ArtifactID, actor: d.Actor,
				data: jsonText(map[string]any{"deployment_id": prev.ID, "environment": d.Environment, "service": d.Service, "replaced_by": d.Digest})}}); err != nil {
				return err
			}
		case !errors.Is(err, sql.ErrNoRows):
			return fmt.Errorf("open deployment: %w", err)
		}
		id, err := t.insertID(ctx, "INSERT INTO deployments (project_id, artifact_id, environment, service, cluster, namespace, start_at, actor) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
			projectID, artifactID, d.Environment, d.Service, d.Cluster, d.Namespace, atMS, d.Actor)
		if err != nil {
			return fmt.Errorf("insert deployment: %w", err)
		}
		if err := t.events(ctx, []event{{kind: EventDeployment, projectID: projectID, artifactID: artifactID, actor: d.Actor,
			data: jsonText(map[string]any{"deployment_id": id, "environment": d.Environment, "service": d.Service, "cluster": d.Cluster, "namespace": d.Namespace})}}); err != nil {
			return err
		}
		if res.Deployment, err = scanDeployment(t.queryRow(ctx, deploymentCols+" WHERE d.id = ?", id)); err != nil {
			return err
		}
		rec := deployAudit{Project: d.Project, Digest: d.Digest, DeploymentID: id, Environment: d.Environment, Service: d.Service,
			Cluster: d.Cluster, Namespace: d.Namespace, Start: msTime(atMS), Changes: []auditChange{}}
		if res.Replaced != nil {
			rec.Replaced = res.Replaced.ID
			if res.Resolved, err = t.resolveReplaced(ctx, res.Replaced.ArtifactID, artifactID, d, atMS); err != nil {
				return err
			}
			for _, f := range res.Resolved {
				rec.Changes = append(rec.Changes, auditChange{FindingID: f.ID, To: f.State, Reason: f.Reason})
			}
		}
		return t.audit(ctx, d.Actor, AuditDeploy, subject("artifact", artifactID), rec)
	})
	if err != nil {
		return DeployResult{}, fmt.Errorf("deploy %q to %q: %w", d.Digest, d.Environment, err)
	}
	return res, nil
}

// deployAudit is the audit record of a deployment, with the findings it
// resolved on the artifact it replaced.
type deployAudit struct {
	Project      string        `json:"project"`
	Digest       string        `json:"digest"`
	DeploymentID int64         `json:"deployment_id"`
	Environment  string        `json:"environment"`
	Service      string        `json:"service"`
	Cluster      string        `json:"cluster,omitempty"`
	Namespace    string        `json:"namespace,omitempty"`
	Start        time.Time     `json:"start"`
	Replaced     int64         `json:"replaced_deployment,omitempty"`
	Changes      []auditChange `json:"state_changes"`
}

// resolveReplaced fixes the open and accepted findings of the replaced
// artifact that the new one does not have, when the replaced one is no
// longer deployed anywhere.
func (t *tx) resolveReplaced(ctx context.Context, oldID, newID int64, d Deploy, at int64) ([]Finding, error) {
	var n int
	if err := t.queryRow(ctx, "SELECT count(*) FROM deployments WHERE artifact_id = ? AND end_at IS NULL", oldID).Scan(&n); err != nil {
		return nil, err
	}
	if n > 0 {
		return nil, nil
	}
	have := make(map[string]bool)
	rows, err := t.query(ctx, "SELECT f.kind, f.key, f.vulnerability_id, COALESCE(p.ecosystem, ''), COALESCE(p.name, '') FROM findings f LEFT JOIN packages p ON p.id = f.package_id WHERE f.artifact_id = ?", newID)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var kind, key, vuln, eco, name string
		if err := rows.Scan(&kind, &key, &vuln, &eco, &name); err != nil {
			rows.Close()
			return nil, err
		}
		have[replaceIdentity(kind, key, vuln, eco, name)] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = t.query(ctx, "SELECT f.id, f.kind, f.key, f.vulnerability_id, COALESCE(p.ecosystem, ''), COALESCE(p.name, ''), f.state, f.project_id FROM findings f LEFT JOIN packages p ON p.id = f.package_id"+
		" WHERE f.artifact_id = ? AND f.state IN (?, ?) ORDER BY f.id", oldID, StateOpen, StateAccepted)
	if err != nil {
		return nil, err
	}
	type gone struct {
		id, projectID int64
		state         string
	}
	var fixed []gone
	for rows.Next() {
		var g gone
		var kind, key, vuln, eco, name string
		if err := rows.Scan(&g.id, &kind, &key, &vuln, &eco, &name, &g.state, &g.projectID); err != nil {
			rows.Close()
			return nil, err
		}
		if !have[replaceIdentity(kind, key, vuln, eco, name)] {
			fixed = append(fixed, g)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	reason := fmt.Sprintf("replaced by %s in %s", d.Digest, d.Environment)
	data := jsonText(map[string]string{"resolution": ResolvedReplaced, "digest": d.Digest, "environment": d.Environment, "service": d.Service})
	evs := make([]event, 0, len(fixed))
	out := make([]Finding, 0, len(fixed))
	for _, g := range fixed {
		if _, err := t.exec(ctx, "UPDATE findings SET state = ?, resolution = ?, resolved_at = ?, reason = ?, accepted_by = '', accepted_until = NULL, updated_at = ? WHERE id = ?",
			StateFixed, ResolvedReplaced, at, reason, at, g.id); err != nil {
			return nil, fmt.Errorf("resolve finding %d: %w", g.id, err)
		}
		evs = append(evs, event{kind: EventFindingState, projectID: g.projectID, artifactID: oldID, findingID: g.id, actor: d.Actor, from: g.state, to: StateFixed, reason: reason, data: data})
	}
	if err := t.events(ctx, evs); err != nil {
		return nil, err
	}
	for _, g := range fixed {
		f, err := t.finding(ctx, g.id)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, nil
}

// replaceIdentity is what makes two findings of two artifacts the same
// when one replaces the other: the vulnerability and the package (not its
// version) for vulnerabilities, the key for the rest.
func replaceIdentity(kind, key, vuln, eco, name string) string {
	if kind == KindVulnerability {
		return kind + "\x00" + vuln + "\x00" + eco + "\x00" + name
	}
	return kind + "\x00" + key
}

const deploymentCols = `SELECT d.id, pr.name, d.artifact_id, a.digest, d.environment, d.service, d.cluster, d.namespace, d.start_at, d.end_at, d.actor
 FROM deployments d JOIN projects pr ON pr.id = d.project_id JOIN artifacts a ON a.id = d.artifact_id`

func scanDeployment(r scanner) (Deployment, error) {
	var d Deployment
	var start int64
	var end sql.NullInt64
	if err := r.Scan(&d.ID, &d.Project, &d.ArtifactID, &d.Digest, &d.Environment, &d.Service, &d.Cluster, &d.Namespace, &start, &end, &d.Actor); err != nil {
		return Deployment{}, err
	}
	d.Start, d.End = msTime(start), fromMS(end)
	return d, nil
}

// ListDeployments lists deployments by id.
func (s *Store) ListDeployments(ctx context.Context, f DeploymentFilter) ([]Deployment, string, error) {
	after, err := f.after()
	if err != nil {
		return nil, "", err
	}
	var w where
	w.scope(f.Scope, "d.project_id")
	if f.Project != "" {
		w.add("pr.name = ?", f.Project)
	}
	if f.Environment != "" {
		w.add("d.environment = ?", f.Environment)
	}
	if f.ActiveOnly {
		w.add("d.end_at IS NULL")
	}
	w.add("d.id > ?", after)
	if w.err != nil {
		return nil, "", w.err
	}
	lim := f.limit()
	rows, err := s.query(ctx, deploymentCols+w.String()+" ORDER BY d.id LIMIT ?", append(w.args, lim)...)
	if err != nil {
		return nil, "", fmt.Errorf("list deployments: %w", err)
	}
	out, err := collect(rows, scanDeployment)
	if err != nil {
		return nil, "", fmt.Errorf("list deployments: %w", err)
	}
	return out, pageCursor(out, lim, func(v Deployment) int64 { return v.ID }), nil
}
