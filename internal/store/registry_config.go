package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// AuditRegistryConfig records a new version of the shared watched-registry
// list.
const AuditRegistryConfig = "registry.config"

// MaxRegistryConfigBytes bounds one stored version.
const MaxRegistryConfigBytes = 1 << 20

// RegistryConfigVersion is one version of the watched-registry list shared
// by the replicas (docs/decisions/registry-watch.md). Spec is the shared
// part of a registries section, without secrets.
type RegistryConfigVersion struct {
	Version   int64           `json:"version"`
	Spec      json.RawMessage `json:"spec"`
	Digest    string          `json:"digest"`
	WrittenBy string          `json:"written_by"`
	CreatedAt time.Time       `json:"created_at"`
}

// RegistryConfig is the newest version (ErrNotFound when none was ever
// written).
func (s *Store) RegistryConfig(ctx context.Context) (RegistryConfigVersion, error) {
	v, err := scanRegistryConfig(s.queryRow(ctx, "SELECT version, spec, digest, written_by, created_at FROM registry_config ORDER BY version DESC LIMIT 1"))
	if errors.Is(err, sql.ErrNoRows) {
		return v, ErrNotFound
	}
	if err != nil {
		return v, fmt.Errorf("registry config: %w", err)
	}
	return v, nil
}

// PutRegistryConfig makes spec the newest version unless it already is
// (same digest: nothing is written, changed is false). A new version and
// its audit record (the previous version's number and digest, the new
// spec) are one transaction. prev is the version it replaced (Version 0
// when there was none).
func (s *Store) PutRegistryConfig(ctx context.Context, spec json.RawMessage, actor string) (cur, prev RegistryConfigVersion, changed bool, err error) {
	if len(spec) > MaxRegistryConfigBytes || !json.Valid(spec) {
		return cur, prev, false, fmt.Errorf("%w: registry config: not JSON or larger than %d bytes", ErrInvalid, MaxRegistryConfigBytes)
	}
	sum := sha256.Sum256(spec)
	digest := "sha256:" + hex.EncodeToString(sum[:])
	err = s.write(ctx, func(t *tx) error {
		changed = false
		p, err := scanRegistryConfig(t.queryRow(ctx, "SELECT version, spec, digest, written_by, created_at FROM registry_config ORDER BY version DESC LIMIT 1"))
		switch {
		case errors.Is(err, sql.ErrNoRows):
			p = RegistryConfigVersion{}
		case err != nil:
			return err
		}
		prev = p
		if p.Digest == digest {
			cur = p
			return nil
		}
		now := t.s.now().UnixMilli()
		if _, err := t.exec(ctx, "INSERT INTO registry_config (spec, digest, written_by, created_at) VALUES (?, ?, ?, ?)", string(spec), digest, actor, now); err != nil {
			return err
		}
		if cur, err = scanRegistryConfig(t.queryRow(ctx, "SELECT version, spec, digest, written_by, created_at FROM registry_config ORDER BY version DESC LIMIT 1")); err != nil {
			return err
		}
		changed = true
		return t.audit(ctx, actor, AuditRegistryConfig, fmt.Sprintf("registry-config/%d", cur.Version), map[string]any{
			"version": cur.Version, "digest": digest, "previous_version": p.Version, "previous_digest": p.Digest, "spec": spec,
		})
	})
	if err != nil {
		return cur, prev, false, fmt.Errorf("put registry config: %w", err)
	}
	return cur, prev, changed, nil
}

func scanRegistryConfig(r scanner) (RegistryConfigVersion, error) {
	var v RegistryConfigVersion
	var spec string
	var at int64
	if err := r.Scan(&v.Version, &spec, &v.Digest, &v.WrittenBy, &at); err != nil {
		return v, err
	}
	v.Spec, v.CreatedAt = json.RawMessage(spec), msTime(at)
	return v, nil
}
