package tracker

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"regexp"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/vigil-sec/vigil/internal/notify"
)

// Limits of the trackers section: it comes from an operator's file, but a
// mistake (or a generated file) must not cost the server's memory.
const (
	MaxConfigBytes = 1 << 20
	MaxConfigDepth = 16
	MaxRules       = 200
	MaxTokenBytes  = 16 << 10
)

// Config is the `trackers` section of the serve config file.
type Config struct {
	// Debounce is how long the server waits after a change before it
	// syncs the issues of the projects the change touched, so that a burst
	// (one advisory hitting thousands of artifacts) becomes one sync per
	// project (default 5s).
	Debounce time.Duration `yaml:"debounce"`
	// FullReconcile is how often every project's issues are reconciled as
	// a safety net (default 1h).
	FullReconcile time.Duration `yaml:"full_reconcile"`
	Rules         []Rule        `yaml:"rules"`
}

// Rule maps the findings a selector chooses to issues in one tracker.
type Rule struct {
	// Name identifies the rule in the database: renaming a rule starts
	// its issues afresh.
	Name string `yaml:"name"`
	// Select chooses projects, environments, min severity and fixable
	// findings (notify.Selector; kinds do not apply).
	Select notify.Selector `yaml:"select"`
	// Labels are added to every issue of the rule.
	Labels []string `yaml:"labels"`
	GitHub *GitHub  `yaml:"github"`
	GitLab *GitLab  `yaml:"gitlab"`
}

// Credentials name where a tracker token is read from: an environment
// variable or a file (never the config file itself).
type Credentials struct {
	TokenEnv  string `yaml:"token_env"`
	TokenFile string `yaml:"token_file"`
}

// GitHub is a GitHub (or GitHub Enterprise) repository.
type GitHub struct {
	// Repo is owner/name.
	Repo string `yaml:"repo"`
	// BaseURL is the REST API root (default https://api.github.com/; GitHub
	// Enterprise: https://HOST/api/v3/).
	BaseURL     string `yaml:"base_url"`
	Credentials `yaml:",inline"`
}

// GitLab is a GitLab project.
type GitLab struct {
	// Project is the project path (group/name) or numeric id.
	Project string `yaml:"project"`
	// BaseURL is the GitLab instance (default https://gitlab.com); the API
	// is at BaseURL/api/v4.
	BaseURL     string `yaml:"base_url"`
	Credentials `yaml:",inline"`
}

var (
	ruleName  = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]{0,63}$`)
	ghRepo    = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,100}/[A-Za-z0-9_.-]{1,100}$`)
	glProject = regexp.MustCompile(`^([0-9]{1,18}|[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)+)$`)
	envName   = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,127}$`)
	labelText = regexp.MustCompile(`^[^\x00-\x1f,]{1,100}$`)
)

// Parse decodes a trackers section strictly (unknown keys are errors) and
// validates it; name is the file the section is from, for errors.
func Parse(name string, data []byte) (Config, error) {
	if len(data) > MaxConfigBytes {
		return Config{}, fmt.Errorf("%s: trackers: %d bytes, more than %d", name, len(data), MaxConfigBytes)
	}
	var n yaml.Node
	if err := yaml.Unmarshal(data, &n); err != nil {
		return Config{}, fmt.Errorf("%s: trackers: %w", name, err)
	}
	if err := checkDepth(&n, 0); err != nil {
		return Config{}, fmt.Errorf("%s: trackers: %w", name, err)
	}
	var c Config
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil && !errors.Is(err, io.EOF) {
		return Config{}, fmt.Errorf("%s: trackers: %w", name, err)
	}
	if err := c.Validate(); err != nil {
		return Config{}, fmt.Errorf("%s: trackers: %w", name, err)
	}
	return c, nil
}

func checkDepth(n *yaml.Node, d int) error {
	if d > MaxConfigDepth {
		return fmt.Errorf("line %d: nested deeper than %d", n.Line, MaxConfigDepth)
	}
	if n.Kind == yaml.AliasNode {
		return fmt.Errorf("line %d: aliases are not allowed", n.Line)
	}
	for _, c := range n.Content {
		if err := checkDepth(c, d+1); err != nil {
			return err
		}
	}
	return nil
}

// Validate reports every problem of the section at once.
func (c Config) Validate() error {
	var errs []error
	if c.Debounce < 0 || c.Debounce > time.Hour {
		errs = append(errs, fmt.Errorf("debounce %s: want 0 to 1h", c.Debounce))
	}
	if c.FullReconcile < 0 || (c.FullReconcile > 0 && c.FullReconcile < time.Minute) {
		errs = append(errs, fmt.Errorf("full_reconcile %s: want at least 1m", c.FullReconcile))
	}
	if len(c.Rules) > MaxRules {
		errs = append(errs, fmt.Errorf("%d rules, more than %d", len(c.Rules), MaxRules))
		return errors.Join(errs...)
	}
	seen := map[string]bool{}
	for i, r := range c.Rules {
		if err := r.validate(); err != nil {
			errs = append(errs, fmt.Errorf("rule %d (%q): %w", i+1, r.Name, err))
		}
		if seen[r.Name] {
			errs = append(errs, fmt.Errorf("rule %d: name %q used twice", i+1, r.Name))
		}
		seen[r.Name] = true
	}
	return errors.Join(errs...)
}

func (r Rule) validate() error {
	var errs []error
	if !ruleName.MatchString(r.Name) {
		errs = append(errs, fmt.Errorf("name %q: want lower-case letters, digits, '_', '.', '-' (up to 64)", r.Name))
	}
	if err := r.Select.Validate(); err != nil {
		errs = append(errs, fmt.Errorf("select: %w", err))
	}
	if len(r.Select.Kinds) > 0 {
		errs = append(errs, errors.New("select: kinds do not apply to a tracker rule (it tracks open vulnerability findings)"))
	}
	if len(r.Labels) > 20 {
		errs = append(errs, fmt.Errorf("%d labels, more than 20", len(r.Labels)))
	}
	for _, l := range r.Labels {
		if !labelText.MatchString(l) {
			errs = append(errs, fmt.Errorf("label %q: want 1-100 characters without commas or control characters", l))
		}
	}
	switch {
	case r.GitHub == nil && r.GitLab == nil:
		errs = append(errs, errors.New("needs a github or a gitlab target"))
	case r.GitHub != nil && r.GitLab != nil:
		errs = append(errs, errors.New("has both a github and a gitlab target; use two rules"))
	case r.GitHub != nil:
		if !ghRepo.MatchString(r.GitHub.Repo) {
			errs = append(errs, fmt.Errorf("github.repo %q: want owner/name", r.GitHub.Repo))
		}
		errs = append(errs, checkURL("github.base_url", r.GitHub.BaseURL), r.GitHub.Credentials.validate("github"))
	default:
		if len(r.GitLab.Project) > 1024 || !glProject.MatchString(r.GitLab.Project) {
			errs = append(errs, fmt.Errorf("gitlab.project %q: want a project path (group/name) or a numeric id", r.GitLab.Project))
		}
		errs = append(errs, checkURL("gitlab.base_url", r.GitLab.BaseURL), r.GitLab.Credentials.validate("gitlab"))
	}
	return errors.Join(errs...)
}

func checkURL(key, s string) error {
	if s == "" {
		return nil
	}
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("%s: %w", key, err)
	}
	if (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("%s %q: want an http(s) URL without credentials, query or fragment", key, s)
	}
	return nil
}

func (c Credentials) validate(prefix string) error {
	switch {
	case c.TokenEnv != "" && c.TokenFile != "":
		return fmt.Errorf("%s: token_env and token_file are exclusive", prefix)
	case c.TokenEnv == "" && c.TokenFile == "":
		return fmt.Errorf("%s: needs token_env or token_file", prefix)
	case c.TokenEnv != "" && !envName.MatchString(c.TokenEnv):
		return fmt.Errorf("%s.token_env %q: not a variable name", prefix, c.TokenEnv)
	}
	return nil
}

// token reads the credential: the variable must be set and non-empty,
// the file readable and small.
func (c Credentials) token(getenv func(string) string) (string, error) {
	if c.TokenEnv != "" {
		v := strings.TrimSpace(getenv(c.TokenEnv))
		if v == "" {
			return "", fmt.Errorf("token_env %s is not set", c.TokenEnv)
		}
		return v, nil
	}
	f, err := os.Open(c.TokenFile)
	if err != nil {
		return "", fmt.Errorf("token_file: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, MaxTokenBytes+1))
	if err != nil {
		return "", fmt.Errorf("token_file %q: %w", c.TokenFile, err)
	}
	if len(b) > MaxTokenBytes {
		return "", fmt.Errorf("token_file %q: more than %d bytes", c.TokenFile, MaxTokenBytes)
	}
	v := strings.TrimSpace(string(b))
	if v == "" || strings.ContainsAny(v, "\r\n") {
		return "", fmt.Errorf("token_file %q: want one non-empty line", c.TokenFile)
	}
	return v, nil
}

// Describe is the section as the audit log records it: every setting,
// and where tokens come from (never a token).
func (c Config) Describe() map[string]any {
	var rules []map[string]any
	for _, r := range c.Rules {
		d := map[string]any{"name": r.Name, "select": r.Select, "labels": r.Labels}
		switch {
		case r.GitHub != nil:
			d["github"] = map[string]string{"repo": r.GitHub.Repo, "base_url": r.GitHub.BaseURL, "token_env": r.GitHub.TokenEnv, "token_file": r.GitHub.TokenFile}
		case r.GitLab != nil:
			d["gitlab"] = map[string]string{"project": r.GitLab.Project, "base_url": r.GitLab.BaseURL, "token_env": r.GitLab.TokenEnv, "token_file": r.GitLab.TokenFile}
		}
		rules = append(rules, d)
	}
	return map[string]any{"debounce": c.Debounce.String(), "full_reconcile": c.FullReconcile.String(), "rules": rules}
}
