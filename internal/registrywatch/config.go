// Package registrywatch polls container registries for new image digests
// (docs/registry-watch.md): configured repositories are listed through the
// OCI distribution API with go-containerregistry, tags matching a glob are
// resolved to digests, and the caller scans the digests it has not seen.
// Requests that meet a rate limit (429 with Retry-After) wait as long as
// the registry asks; server errors are retried with backoff.
package registrywatch

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"path"
	"regexp"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"gopkg.in/yaml.v3"
)

// Limits and defaults of the configuration.
const (
	// MaxConfigSize bounds the registries section.
	MaxConfigSize = 1 << 20
	// MaxRepositories bounds the watched repositories.
	MaxRepositories = 1000

	DefaultInterval         = 5 * time.Minute
	MinInterval             = time.Second
	MaxInterval             = 7 * 24 * time.Hour
	DefaultMaxTags          = 1000
	DefaultMaxNewPerPoll    = 20
	DefaultMaxManifestBytes = 4 << 20
	DefaultMaxImageBytes    = 4 << 30
	DefaultMaxRetryWait     = 5 * time.Minute
	DefaultRetries          = 4
)

// Config is the registries section of the serve config file.
type Config struct {
	// DockerConfig is a Docker config.json whose credentials (and
	// credential helpers) authenticate to the registries; empty: the
	// default keychain ($DOCKER_CONFIG, ~/.docker/config.json).
	DockerConfig string `yaml:"docker_config"`
	// MaxTags bounds the tags listed per repository and poll.
	MaxTags int `yaml:"max_tags"`
	// MaxNewPerPoll bounds the new digests scanned per repository and poll
	// (the rest wait for the next poll).
	MaxNewPerPoll int `yaml:"max_new_per_poll"`
	// MaxManifestBytes bounds a manifest (and index) by its descriptor's
	// size, before it is fetched.
	MaxManifestBytes int64 `yaml:"max_manifest_bytes"`
	// MaxImageBytes bounds the compressed layers of one image, from its
	// manifest, before any layer is fetched.
	MaxImageBytes int64 `yaml:"max_image_bytes"`
	// MaxRetryWait is the longest Retry-After a poll waits for in place;
	// a longer one ends the poll, and the repository is polled again once
	// it has passed.
	MaxRetryWait time.Duration `yaml:"max_retry_wait"`
	// Retries bounds the retries of one request (429 and 5xx).
	Retries      int          `yaml:"retries"`
	Repositories []Repository `yaml:"repositories"`
}

// Repository is one watched repository.
type Repository struct {
	// Repository is registry/name, e.g. registry.example.com/team/app.
	Repository string `yaml:"repository"`
	// Tags is a glob (path.Match) of the tags to watch; default "*".
	Tags string `yaml:"tags"`
	// Project is the Vigil project the scans are artifacts of.
	Project  string        `yaml:"project"`
	Interval time.Duration `yaml:"interval"`
	// Platform picks from multi-platform indexes (default linux/amd64).
	Platform string `yaml:"platform"`
	// Insecure allows plain HTTP (a loopback or in-cluster registry).
	Insecure bool `yaml:"insecure"`
	// Username and PasswordEnv are per-repository credentials: the
	// password is read from the named environment variable at start, never
	// from the file. Without them the Docker config is used.
	Username    string `yaml:"username"`
	PasswordEnv string `yaml:"password_env"`

	password           string
	missingCredentials bool
}

// Password is the repository's password (from PasswordEnv).
func (r *Repository) Password() string { return r.password }

// Ref is the parsed repository.
func (r *Repository) Ref() (name.Repository, error) {
	var opts []name.Option
	if r.Insecure {
		opts = append(opts, name.Insecure)
	}
	return name.NewRepository(r.Repository, opts...)
}

// Redacted is the configuration as the audit log records it: without
// secrets (the password's variable name only).
func (c *Config) Redacted() map[string]any {
	repos := make([]map[string]any, 0, len(c.Repositories))
	for _, r := range c.Repositories {
		m := map[string]any{"repository": r.Repository, "tags": r.Tags, "project": r.Project, "interval": r.Interval.String(), "insecure": r.Insecure}
		if r.Username != "" {
			m["username"], m["password_env"] = r.Username, r.PasswordEnv
		}
		if r.Platform != "" {
			m["platform"] = r.Platform
		}
		repos = append(repos, m)
	}
	return map[string]any{"docker_config": c.DockerConfig, "max_tags": c.MaxTags, "max_new_per_poll": c.MaxNewPerPoll,
		"max_manifest_bytes": c.MaxManifestBytes, "max_image_bytes": c.MaxImageBytes, "max_retry_wait": c.MaxRetryWait.String(),
		"retries": c.Retries, "repositories": repos}
}

// projectName is what a project name may be (the API's pattern).
var projectName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._/-]{0,127}$`)

// envName is what an environment variable name may be.
var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,127}$`)

// Parse decodes and validates a registries section strictly (unknown keys
// are errors), reading passwords with getenv. Every problem is reported
// at once; a section with any problem is refused.
func Parse(b []byte, getenv func(string) string) (*Config, error) {
	if len(b) > MaxConfigSize {
		return nil, fmt.Errorf("registries: larger than %d bytes", MaxConfigSize)
	}
	var c Config
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("registries: %w", err)
	}
	if err := c.validate(getenv); err != nil {
		return nil, err
	}
	return &c, nil
}

func (c *Config) validate(getenv func(string) string) error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf("registries: "+format, args...)) }
	if c.MaxTags == 0 {
		c.MaxTags = DefaultMaxTags
	}
	if c.MaxNewPerPoll == 0 {
		c.MaxNewPerPoll = DefaultMaxNewPerPoll
	}
	if c.MaxManifestBytes == 0 {
		c.MaxManifestBytes = DefaultMaxManifestBytes
	}
	if c.MaxImageBytes == 0 {
		c.MaxImageBytes = DefaultMaxImageBytes
	}
	if c.MaxRetryWait == 0 {
		c.MaxRetryWait = DefaultMaxRetryWait
	}
	if c.Retries == 0 {
		c.Retries = DefaultRetries
	}
	switch {
	case c.MaxTags < 0 || c.MaxTags > 100_000:
		bad("max_tags %d out of range 1..100000", c.MaxTags)
	case c.MaxNewPerPoll < 0 || c.MaxNewPerPoll > 1000:
		bad("max_new_per_poll %d out of range 1..1000", c.MaxNewPerPoll)
	case c.MaxManifestBytes < 0 || c.MaxManifestBytes > 64<<20:
		bad("max_manifest_bytes %d out of range 1..%d", c.MaxManifestBytes, 64<<20)
	case c.MaxImageBytes < 0:
		bad("max_image_bytes %d is negative", c.MaxImageBytes)
	case c.MaxRetryWait < 0 || c.MaxRetryWait > time.Hour:
		bad("max_retry_wait %s out of range 0..1h", c.MaxRetryWait)
	case c.Retries < 0 || c.Retries > 20:
		bad("retries %d out of range 1..20", c.Retries)
	}
	if len(c.Repositories) > MaxRepositories {
		bad("%d repositories, more than %d", len(c.Repositories), MaxRepositories)
	}
	seen := map[string]int{}
	for i := range c.Repositories {
		r := &c.Repositories[i]
		at := fmt.Sprintf("repositories[%d]", i)
		if r.Repository != "" {
			at += fmt.Sprintf(" (%s)", r.Repository)
		}
		if r.Tags == "" {
			r.Tags = "*"
		}
		if r.Interval == 0 {
			r.Interval = DefaultInterval
		}
		ref, err := r.Ref()
		switch {
		case r.Repository == "":
			bad("%s: repository is required", at)
		case err != nil:
			bad("%s: repository: %v", at, err)
		default:
			if j, dup := seen[ref.Name()]; dup {
				bad("%s: the same repository as repositories[%d]", at, j)
			}
			seen[ref.Name()] = i
		}
		if _, err := path.Match(r.Tags, ""); err != nil || len(r.Tags) > 200 {
			bad("%s: tags %q is not a valid glob", at, r.Tags)
		}
		if !projectName.MatchString(r.Project) {
			bad("%s: project %q: want a project name (letters, digits, . _ / -, at most 128)", at, r.Project)
		}
		if r.Interval < MinInterval || r.Interval > MaxInterval {
			bad("%s: interval %s out of range %s..%s", at, r.Interval, MinInterval, MaxInterval)
		}
		if r.Platform != "" {
			if _, err := v1.ParsePlatform(r.Platform); err != nil {
				bad("%s: platform %q: %v", at, r.Platform, err)
			}
		}
		switch {
		case r.Username == "" && r.PasswordEnv == "":
		case r.Username == "" || r.PasswordEnv == "":
			bad("%s: username and password_env go together", at)
		case !envName.MatchString(r.PasswordEnv):
			bad("%s: password_env %q is not an environment variable name", at, r.PasswordEnv)
		default:
			r.password = getenv(r.PasswordEnv)
			if r.password == "" {
				bad("%s: password_env %s is not set or empty", at, r.PasswordEnv)
			}
		}
	}
	return errors.Join(errs...)
}
