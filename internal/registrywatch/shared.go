package registrywatch

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// sharedConfig is the part of a registries section the replicas share
// through the database (docs/decisions/registry-watch.md): the limits and
// the repositories. It holds no secret (a repository's password is named
// by password_env and read from each replica's own environment) and no
// local path (docker_config is each replica's).
type sharedConfig struct {
	MaxTags          int          `json:"max_tags"`
	MaxNewPerPoll    int          `json:"max_new_per_poll"`
	MaxManifestBytes int64        `json:"max_manifest_bytes"`
	MaxImageBytes    int64        `json:"max_image_bytes"`
	MaxRetryWait     string       `json:"max_retry_wait"`
	Retries          int          `json:"retries"`
	Repositories     []sharedRepo `json:"repositories"`
}

type sharedRepo struct {
	Repository  string `json:"repository"`
	Tags        string `json:"tags"`
	Project     string `json:"project"`
	Interval    string `json:"interval"`
	Platform    string `json:"platform,omitempty"`
	Insecure    bool   `json:"insecure,omitempty"`
	Username    string `json:"username,omitempty"`
	PasswordEnv string `json:"password_env,omitempty"`
}

func (c *Config) shared() sharedConfig {
	s := sharedConfig{MaxTags: c.MaxTags, MaxNewPerPoll: c.MaxNewPerPoll, MaxManifestBytes: c.MaxManifestBytes, MaxImageBytes: c.MaxImageBytes,
		MaxRetryWait: c.MaxRetryWait.String(), Retries: c.Retries, Repositories: make([]sharedRepo, 0, len(c.Repositories))}
	for _, r := range c.Repositories {
		s.Repositories = append(s.Repositories, sharedRepo{Repository: r.Repository, Tags: r.Tags, Project: r.Project, Interval: r.Interval.String(),
			Platform: r.Platform, Insecure: r.Insecure, Username: r.Username, PasswordEnv: r.PasswordEnv})
	}
	slices.SortFunc(s.Repositories, func(a, b sharedRepo) int { return strings.Compare(a.Repository, b.Repository) })
	return s
}

// Shared is the configuration as the replicas share it through the
// database: canonical JSON (repositories sorted), without secrets or
// local paths, so that equal sections give equal bytes.
func (c *Config) Shared() (json.RawMessage, error) {
	return json.Marshal(c.shared())
}

// FromShared builds the configuration of a replica from the shared list
// b: dockerConfig is the replica's own Docker config (empty: the default
// keychain) and getenv its environment, which holds the passwords the
// repositories name. It is validated as a section is. A repository whose
// password_env is not set in this replica's environment is kept but
// marked (MissingCredentials): this replica does not poll it.
func FromShared(b []byte, dockerConfig string, getenv func(string) string) (*Config, error) {
	if len(b) > MaxConfigSize {
		return nil, fmt.Errorf("registries (shared): larger than %d bytes", MaxConfigSize)
	}
	var s sharedConfig
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("registries (shared): %w", err)
	}
	c := &Config{DockerConfig: dockerConfig, MaxTags: s.MaxTags, MaxNewPerPoll: s.MaxNewPerPoll, MaxManifestBytes: s.MaxManifestBytes,
		MaxImageBytes: s.MaxImageBytes, Retries: s.Retries}
	var err error
	if c.MaxRetryWait, err = time.ParseDuration(s.MaxRetryWait); err != nil {
		return nil, fmt.Errorf("registries (shared): max_retry_wait: %w", err)
	}
	for _, r := range s.Repositories {
		iv, err := time.ParseDuration(r.Interval)
		if err != nil {
			return nil, fmt.Errorf("registries (shared): %s: interval: %w", r.Repository, err)
		}
		c.Repositories = append(c.Repositories, Repository{Repository: r.Repository, Tags: r.Tags, Project: r.Project, Interval: iv,
			Platform: r.Platform, Insecure: r.Insecure, Username: r.Username, PasswordEnv: r.PasswordEnv})
	}
	missing := map[string]bool{}
	lenient := func(k string) string {
		v := getenv(k)
		if v == "" {
			missing[k] = true
			return "\x00missing"
		}
		return v
	}
	if err := c.validate(lenient); err != nil {
		return nil, err
	}
	for i := range c.Repositories {
		r := &c.Repositories[i]
		if r.PasswordEnv != "" && missing[r.PasswordEnv] {
			r.password, r.missingCredentials = "", true
		}
	}
	return c, nil
}

// MissingCredentials tells whether the repository names a password_env
// this replica's environment does not set (FromShared): the replica
// leaves its polls to the replicas that have it.
func (r *Repository) MissingCredentials() bool { return r.missingCredentials }

// Diff names the differences between two configurations' shared parts,
// one line per difference ("" when there is none): repositories only in
// one of them, and the fields of a repository or the limits that differ.
func Diff(from, to *Config, fromName, toName string) []string {
	a, b := from.shared(), to.shared()
	var out []string
	la, _ := json.Marshal(sharedConfig{MaxTags: a.MaxTags, MaxNewPerPoll: a.MaxNewPerPoll, MaxManifestBytes: a.MaxManifestBytes, MaxImageBytes: a.MaxImageBytes, MaxRetryWait: a.MaxRetryWait, Retries: a.Retries})
	lb, _ := json.Marshal(sharedConfig{MaxTags: b.MaxTags, MaxNewPerPoll: b.MaxNewPerPoll, MaxManifestBytes: b.MaxManifestBytes, MaxImageBytes: b.MaxImageBytes, MaxRetryWait: b.MaxRetryWait, Retries: b.Retries})
	if !bytes.Equal(la, lb) {
		out = append(out, fmt.Sprintf("limits: %s %s, %s %s", fromName, la, toName, lb))
	}
	byName := map[string]sharedRepo{}
	for _, r := range a.Repositories {
		byName[r.Repository] = r
	}
	for _, r := range b.Repositories {
		old, ok := byName[r.Repository]
		delete(byName, r.Repository)
		if !ok {
			out = append(out, fmt.Sprintf("repository %s: only in %s", r.Repository, toName))
			continue
		}
		if old != r {
			ja, _ := json.Marshal(old)
			jb, _ := json.Marshal(r)
			out = append(out, fmt.Sprintf("repository %s: %s %s, %s %s", r.Repository, fromName, ja, toName, jb))
		}
	}
	for _, r := range a.Repositories {
		if _, left := byName[r.Repository]; left {
			out = append(out, fmt.Sprintf("repository %s: only in %s", r.Repository, fromName))
		}
	}
	return out
}
