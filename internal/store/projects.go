package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

// MaxNameLen bounds project names (and other identifying strings).
const MaxNameLen = 200

func validName(kind, name string) error {
	if strings.TrimSpace(name) == "" {
		return fmt.Errorf("%w: empty %s name", ErrInvalid, kind)
	}
	if len(name) > MaxNameLen {
		return fmt.Errorf("%w: %s name longer than %d bytes", ErrInvalid, kind, MaxNameLen)
	}
	return nil
}

// EnsureProject returns the project, creating it when missing.
func (s *Store) EnsureProject(ctx context.Context, name string) (Project, error) {
	if p, err := s.GetProject(ctx, name); err == nil || !errors.Is(err, ErrNotFound) {
		return p, err
	}
	var p Project
	err := s.write(ctx, func(t *tx) error {
		id, err := t.ensureProject(ctx, name)
		if err != nil {
			return err
		}
		p, err = t.project(ctx, id)
		return err
	})
	return p, err
}

// CreateProject creates a project; ErrExists when the name is taken.
func (s *Store) CreateProject(ctx context.Context, p Project) (Project, error) {
	if err := validName("project", p.Name); err != nil {
		return Project{}, err
	}
	if p.Labels == nil {
		p.Labels = map[string]string{}
	}
	err := s.write(ctx, func(t *tx) error {
		id, err := t.insertID(ctx, "INSERT INTO projects (name, team, labels, created_at) VALUES (?, ?, ?, ?)",
			p.Name, p.Team, jsonText(p.Labels), s.now().UnixMilli())
		if isUniqueViolation(err) {
			return fmt.Errorf("project %q: %w", p.Name, ErrExists)
		}
		if err != nil {
			return fmt.Errorf("create project %q: %w", p.Name, err)
		}
		if err := t.audit(ctx, p.CreatedBy, AuditProjectCreate, "project:"+p.Name, map[string]any{"team": p.Team, "labels": p.Labels}); err != nil {
			return err
		}
		p, err = t.project(ctx, id)
		return err
	})
	return p, err
}

// GetProject returns a project by name.
func (s *Store) GetProject(ctx context.Context, name string) (Project, error) {
	p, err := scanProject(s.queryRow(ctx, projectCols+" WHERE name = ?", name))
	if errors.Is(err, sql.ErrNoRows) {
		return Project{}, fmt.Errorf("project %q: %w", name, ErrNotFound)
	}
	return p, err
}

// ListProjects lists the projects of the scope by id.
func (s *Store) ListProjects(ctx context.Context, sc Scope, pg Page) ([]Project, string, error) {
	after, err := pg.after()
	if err != nil {
		return nil, "", err
	}
	var w where
	w.scope(sc, "id")
	w.add("id > ?", after)
	if w.err != nil {
		return nil, "", w.err
	}
	lim := pg.limit()
	rows, err := s.query(ctx, projectCols+w.String()+" ORDER BY id LIMIT ?", append(w.args, lim)...)
	if err != nil {
		return nil, "", fmt.Errorf("list projects: %w", err)
	}
	defer rows.Close()
	var out []Project
	for rows.Next() {
		p, err := scanProject(rows)
		if err != nil {
			return nil, "", err
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	return out, pageCursor(out, lim, func(v Project) int64 { return v.ID }), nil
}

const projectCols = "SELECT id, name, team, labels, created_at FROM projects"

type scanner interface{ Scan(dest ...any) error }

func scanProject(r scanner) (Project, error) {
	var p Project
	var labels sql.NullString
	var created int64
	if err := r.Scan(&p.ID, &p.Name, &p.Team, &labels, &created); err != nil {
		return Project{}, err
	}
	p.CreatedAt = msTime(created)
	p.Labels = map[string]string{}
	if err := unmarshalText(labels, &p.Labels); err != nil {
		return Project{}, fmt.Errorf("project %q labels: %w", p.Name, err)
	}
	return p, nil
}

func (t *tx) project(ctx context.Context, id int64) (Project, error) {
	return scanProject(t.queryRow(ctx, projectCols+" WHERE id = ?", id))
}

// ensureProject returns the id of the named project, creating it.
func (t *tx) ensureProject(ctx context.Context, name string) (int64, error) {
	if err := validName("project", name); err != nil {
		return 0, err
	}
	var id int64
	err := t.queryRow(ctx, "SELECT id FROM projects WHERE name = ?", name).Scan(&id)
	if err == nil {
		return id, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("project %q: %w", name, err)
	}
	id, err = t.insertID(ctx, "INSERT INTO projects (name, team, labels, created_at) VALUES (?, '', '{}', ?)", name, t.s.now().UnixMilli())
	if err != nil {
		return 0, fmt.Errorf("create project %q: %w", name, err)
	}
	return id, nil
}
