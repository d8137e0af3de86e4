package notify

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/mail"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Limits of the notifications section (it comes from an operator's file,
// but also from the API for rules: it is bounded like any input).
const (
	MaxConfigBytes = 1 << 20
	MaxSinks       = 100
	MaxRules       = 500
	maxListItems   = 200
	maxYAMLDepth   = 20
)

// Digest modes.
const (
	DigestPerEvent   = "per_event"
	DigestPerProject = "per_project"
	DigestPerRefresh = "per_refresh"
)

// Sink types.
const (
	SinkWebhook = "webhook"
	SinkSlack   = "slack"
	SinkEmail   = "email"
)

// Webhook signature schemes.
const (
	SignStandard = "standard" // Standard Webhooks: webhook-id/-timestamp/-signature
	SignGitHub   = "github"   // X-Hub-Signature-256: sha256=<hex>
)

// Config is the `notifications` section of the serve config file.
type Config struct {
	// Sinks are where messages go, by name.
	Sinks []SinkConfig `yaml:"sinks" json:"sinks"`
	// Rules select events and name the sinks that get them.
	Rules []RuleConfig `yaml:"rules" json:"rules"`
	// MaxAttempts is how many times a message is tried before it is a
	// dead letter (default 8).
	MaxAttempts int `yaml:"max_attempts,omitempty" json:"max_attempts,omitempty"`
	// Backoff is the first retry delay (default 2s), doubled per attempt
	// up to MaxBackoff (default 10m), with full jitter.
	Backoff    Duration `yaml:"backoff,omitempty" json:"backoff,omitempty"`
	MaxBackoff Duration `yaml:"max_backoff,omitempty" json:"max_backoff,omitempty"`
	// Poll is how often the events table and the outbox are read
	// (default 1s); Lease is how long a replica holds a message it is
	// delivering (default 1m); Timeout bounds one delivery (default 15s).
	Poll    Duration `yaml:"poll,omitempty" json:"poll,omitempty"`
	Lease   Duration `yaml:"lease,omitempty" json:"lease,omitempty"`
	Timeout Duration `yaml:"timeout,omitempty" json:"timeout,omitempty"`
	// Window is the default digest window (default 30s).
	Window Duration `yaml:"window,omitempty" json:"window,omitempty"`
	// MaxImageAgeDays is refused: the image-age limit of image.too_old
	// rules is the server's freshness.max_image_age_days (Options), which
	// a rule's own max_image_age_days overrides. The key is kept only to
	// say so clearly.
	MaxImageAgeDays int `yaml:"max_image_age_days,omitempty" json:"max_image_age_days,omitempty"`
	// SLASoonDays is the default of sla.breach_soon rules (default 7).
	SLASoonDays int `yaml:"sla_soon_days,omitempty" json:"sla_soon_days,omitempty"`
	// Sample bounds the events listed in a digest (default 20).
	Sample int `yaml:"sample,omitempty" json:"sample,omitempty"`
	// Check is how often SLA and image ages are checked (default 1m).
	Check Duration `yaml:"check,omitempty" json:"check,omitempty"`
}

// SinkConfig is one sink. Secrets are given inline or by the name of an
// environment variable that holds them (secret_env, password_env).
type SinkConfig struct {
	Name string `yaml:"name" json:"name"`
	Type string `yaml:"type" json:"type"`
	// URL is the webhook or Slack incoming-webhook URL.
	URL string `yaml:"url,omitempty" json:"url,omitempty"`
	// Signature is standard (default) or github, for webhooks.
	Signature string `yaml:"signature,omitempty" json:"signature,omitempty"`
	Secret    string `yaml:"secret,omitempty" json:"secret,omitempty"`
	SecretEnv string `yaml:"secret_env,omitempty" json:"secret_env,omitempty"`
	// E-mail: SMTP server host:port (STARTTLS is required), credentials,
	// sender and recipients.
	SMTP        string   `yaml:"smtp,omitempty" json:"smtp,omitempty"`
	Username    string   `yaml:"username,omitempty" json:"username,omitempty"`
	Password    string   `yaml:"password,omitempty" json:"password,omitempty"`
	PasswordEnv string   `yaml:"password_env,omitempty" json:"password_env,omitempty"`
	From        string   `yaml:"from,omitempty" json:"from,omitempty"`
	To          []string `yaml:"to,omitempty" json:"to,omitempty"`
	// CAFile is a PEM bundle the SMTP server's certificate is checked
	// against (default: the system roots).
	CAFile string `yaml:"ca_file,omitempty" json:"ca_file,omitempty"`
	// AllowInsecureURL allows a plain http:// webhook URL on a
	// non-loopback host (default: https only, except loopback).
	AllowInsecureURL bool `yaml:"allow_insecure_url,omitempty" json:"allow_insecure_url,omitempty"`
}

// RuleConfig is one rule.
type RuleConfig struct {
	Name   string   `yaml:"name" json:"name"`
	Select Selector `yaml:"select" json:"select"`
	Sinks  []string `yaml:"sinks" json:"sinks"`
	// Digest is per_event, per_project (default) or per_refresh; Window
	// is how long a digest collects events (default Config.Window).
	Digest string   `yaml:"digest,omitempty" json:"digest,omitempty"`
	Window Duration `yaml:"window,omitempty" json:"window,omitempty"`
	// MaxImageAgeDays is the rule's image.too_old threshold, overriding
	// the server's freshness.max_image_age_days (0: that one);
	// SLASoonDays how many days before its due time sla.breach_soon fires.
	MaxImageAgeDays int `yaml:"max_image_age_days,omitempty" json:"max_image_age_days,omitempty"`
	SLASoonDays     int `yaml:"sla_soon_days,omitempty" json:"sla_soon_days,omitempty"`
}

// Duration is a time.Duration written as a Go duration ("30s", "5m").
type Duration time.Duration

// UnmarshalText reads a Go duration.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return err
	}
	if v < 0 {
		return fmt.Errorf("negative duration %s", b)
	}
	*d = Duration(v)
	return nil
}

// MarshalText writes a Go duration.
func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

var nameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// Parse reads the notifications section (YAML) strictly: unknown keys,
// duplicate names, unknown sinks or kinds, malformed URLs and missing
// secrets are errors naming source (the file) and, where yaml knows it,
// the line. getenv resolves secret_env and password_env (os.Getenv).
func Parse(data []byte, source string, getenv func(string) string) (*Config, error) {
	if len(data) > MaxConfigBytes {
		return nil, fmt.Errorf("%s: notifications: larger than %d bytes", source, MaxConfigBytes)
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, fmt.Errorf("%s: notifications: %v", source, err)
	}
	if err := checkNode(&root, 0, new(int)); err != nil {
		return nil, fmt.Errorf("%s: notifications: %v", source, err)
	}
	var c Config
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s: notifications: %v", source, err)
	}
	if err := c.resolve(getenv); err != nil {
		return nil, fmt.Errorf("%s: notifications: %v", source, err)
	}
	return &c, nil
}

// checkNode bounds depth and node count (aliases are refused: a config
// has no use for them, and they are the billion-laughs vector).
func checkNode(n *yaml.Node, depth int, count *int) error {
	if depth > maxYAMLDepth {
		return fmt.Errorf("line %d: nested deeper than %d", n.Line, maxYAMLDepth)
	}
	*count++
	if *count > 100_000 {
		return errors.New("more than 100000 YAML nodes")
	}
	if n.Kind == yaml.AliasNode || n.Anchor != "" {
		return fmt.Errorf("line %d: YAML anchors and aliases are not allowed", n.Line)
	}
	for _, c := range n.Content {
		if err := checkNode(c, depth+1, count); err != nil {
			return err
		}
	}
	return nil
}

func (c *Config) withDefaults() {
	if c.MaxAttempts == 0 {
		c.MaxAttempts = 8
	}
	if c.Backoff == 0 {
		c.Backoff = Duration(2 * time.Second)
	}
	if c.MaxBackoff == 0 {
		c.MaxBackoff = Duration(10 * time.Minute)
	}
	if c.Poll == 0 {
		c.Poll = Duration(time.Second)
	}
	if c.Lease == 0 {
		c.Lease = Duration(time.Minute)
	}
	if c.Timeout == 0 {
		c.Timeout = Duration(15 * time.Second)
	}
	if c.Window == 0 {
		c.Window = Duration(30 * time.Second)
	}
	if c.SLASoonDays == 0 {
		c.SLASoonDays = 7
	}
	if c.Sample == 0 {
		c.Sample = 20
	}
	if c.Check == 0 {
		c.Check = Duration(time.Minute)
	}
}

// resolve fills defaults, reads secrets from the environment and
// validates everything.
func (c *Config) resolve(getenv func(string) string) error {
	c.withDefaults()
	switch {
	case c.MaxAttempts < 1 || c.MaxAttempts > 100:
		return errors.New("max_attempts: want 1 to 100")
	case c.Backoff < Duration(time.Millisecond) || c.MaxBackoff < c.Backoff:
		return errors.New("backoff must be at least 1ms and max_backoff at least backoff")
	case c.Poll < Duration(10*time.Millisecond) || c.Lease < Duration(time.Second) || c.Timeout < Duration(100*time.Millisecond) || c.Timeout >= c.Lease:
		return errors.New("poll must be at least 10ms, lease at least 1s, timeout at least 100ms and shorter than lease")
	case c.Sample < 1 || c.Sample > 1000:
		return errors.New("sample: want 1 to 1000")
	case c.MaxImageAgeDays != 0:
		return errors.New("max_image_age_days: set it in the freshness section (freshness.max_image_age_days), the server's one image-age limit; a rule may still set its own")
	case c.SLASoonDays < 0 || c.SLASoonDays > 365:
		return errors.New("sla_soon_days: want 0 to 365")
	case len(c.Sinks) > MaxSinks:
		return fmt.Errorf("more than %d sinks", MaxSinks)
	case len(c.Rules) > MaxRules:
		return fmt.Errorf("more than %d rules", MaxRules)
	}
	sinks := map[string]bool{}
	for i := range c.Sinks {
		s := &c.Sinks[i]
		if err := s.resolve(getenv); err != nil {
			return fmt.Errorf("sinks[%d] (%s): %v", i, s.Name, err)
		}
		if sinks[s.Name] {
			return fmt.Errorf("sinks[%d]: duplicate name %q", i, s.Name)
		}
		sinks[s.Name] = true
	}
	names := map[string]bool{}
	for i := range c.Rules {
		r := &c.Rules[i]
		if err := r.Validate(c, sinks); err != nil {
			return fmt.Errorf("rules[%d] (%s): %v", i, r.Name, err)
		}
		if names[r.Name] {
			return fmt.Errorf("rules[%d]: duplicate name %q", i, r.Name)
		}
		names[r.Name] = true
	}
	return nil
}

func (s *SinkConfig) resolve(getenv func(string) string) error {
	if !nameRE.MatchString(s.Name) {
		return fmt.Errorf("name %q: want letters, digits, '.', '_' or '-' (at most 64)", s.Name)
	}
	secret := func(field, inline, env string) (string, error) {
		if inline != "" && env != "" {
			return "", fmt.Errorf("give %s or %s_env, not both", field, field)
		}
		if env != "" {
			v := getenv(env)
			if v == "" {
				return "", fmt.Errorf("%s_env: environment variable %s is empty or unset", field, env)
			}
			return v, nil
		}
		return inline, nil
	}
	var err error
	switch s.Type {
	case SinkWebhook, SinkSlack:
		if err := checkURL(s.URL, s.AllowInsecureURL); err != nil {
			return err
		}
		if s.SMTP != "" || s.From != "" || len(s.To) > 0 || s.Username != "" || s.Password != "" || s.PasswordEnv != "" {
			return fmt.Errorf("smtp, from, to, username and password are e-mail settings, not %s ones", s.Type)
		}
		if s.Secret, err = secret("secret", s.Secret, s.SecretEnv); err != nil {
			return err
		}
		s.SecretEnv = ""
		if s.Type == SinkSlack {
			if s.Secret != "" || s.Signature != "" {
				return errors.New("a slack sink has no secret or signature (the URL is the secret)")
			}
			return nil
		}
		if s.Signature == "" {
			s.Signature = SignStandard
		}
		switch s.Signature {
		case SignStandard:
			if s.Secret == "" {
				return errors.New("a webhook needs a secret (whsec_<base64>) or secret_env")
			}
			if _, err := standardKey(s.Secret); err != nil {
				return err
			}
		case SignGitHub:
			if s.Secret == "" {
				return errors.New("a webhook needs a secret or secret_env")
			}
		default:
			return fmt.Errorf("signature %q: want standard or github", s.Signature)
		}
	case SinkEmail:
		if s.URL != "" || s.Secret != "" || s.SecretEnv != "" || s.Signature != "" {
			return errors.New("url, secret and signature are webhook settings, not e-mail ones")
		}
		host, port, ok := strings.Cut(s.SMTP, ":")
		if !ok || host == "" || port == "" {
			return fmt.Errorf("smtp %q: want host:port", s.SMTP)
		}
		if _, err := envelopeAddress(s.From); err != nil {
			return fmt.Errorf("from %q: %v", s.From, err)
		}
		if len(s.To) == 0 || len(s.To) > maxListItems {
			return fmt.Errorf("to: want 1 to %d recipients", maxListItems)
		}
		for _, a := range s.To {
			if _, err := envelopeAddress(a); err != nil {
				return fmt.Errorf("to %q: %v", a, err)
			}
		}
		if s.Password, err = secret("password", s.Password, s.PasswordEnv); err != nil {
			return err
		}
		s.PasswordEnv = ""
		if (s.Username == "") != (s.Password == "") {
			return errors.New("username and password go together")
		}
	default:
		return fmt.Errorf("type %q: want webhook, slack or email", s.Type)
	}
	return nil
}

// envelopeAddress is the bare address of an RFC 5322 address ("Vigil
// <vigil@example.com>" -> vigil@example.com), as MAIL FROM and RCPT TO
// take it. One that could smuggle SMTP parameters or commands (spaces,
// angle brackets, control characters in the address itself) is refused.
func envelopeAddress(a string) (string, error) {
	p, err := mail.ParseAddress(a)
	if err != nil {
		return "", err
	}
	if strings.ContainsAny(p.Address, " <>\r\n\t\x00") {
		return "", errors.New("the address holds spaces, angle brackets or control characters")
	}
	return p.Address, nil
}

func checkURL(raw string, insecure bool) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return fmt.Errorf("url %q: want an absolute http(s) URL", raw)
	}
	switch u.Scheme {
	case "https":
	case "http":
		h := u.Hostname()
		if !insecure && h != "localhost" && h != "127.0.0.1" && h != "::1" {
			return fmt.Errorf("url: plain http to %s; use https or set allow_insecure_url", h)
		}
	default:
		return fmt.Errorf("url %q: want an http(s) URL", raw)
	}
	if u.User != nil {
		return errors.New("url: no credentials in the URL; use secret or secret_env")
	}
	return nil
}

// standardKey decodes a Standard Webhooks secret, whsec_<base64>.
func standardKey(secret string) ([]byte, error) {
	b64, ok := strings.CutPrefix(secret, "whsec_")
	if !ok {
		return nil, errors.New("secret: a standard webhook secret is whsec_<base64>")
	}
	k, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || len(k) < 16 || len(k) > 128 {
		return nil, errors.New("secret: whsec_ must be followed by base64 of 16 to 128 bytes")
	}
	return k, nil
}

// Validate checks a rule against the configuration's sinks (known names).
func (r *RuleConfig) Validate(c *Config, sinks map[string]bool) error {
	if !nameRE.MatchString(r.Name) {
		return fmt.Errorf("name %q: want letters, digits, '.', '_' or '-' (at most 64)", r.Name)
	}
	if err := r.Select.Validate(); err != nil {
		return fmt.Errorf("select: %v", err)
	}
	if len(r.Select.Kinds) > maxListItems || len(r.Select.Projects) > maxListItems || len(r.Select.Environments) > maxListItems {
		return fmt.Errorf("select: at most %d kinds, projects or environments", maxListItems)
	}
	if len(r.Sinks) == 0 || len(r.Sinks) > MaxSinks {
		return errors.New("sinks: name at least one sink")
	}
	for _, s := range r.Sinks {
		if !sinks[s] {
			return fmt.Errorf("sinks: unknown sink %q", s)
		}
	}
	if r.Digest == "" {
		r.Digest = DigestPerProject
	}
	switch r.Digest {
	case DigestPerEvent, DigestPerProject, DigestPerRefresh:
	default:
		return fmt.Errorf("digest %q: want per_event, per_project or per_refresh", r.Digest)
	}
	if r.Window == 0 {
		r.Window = c.Window
	}
	if r.Window > Duration(24*time.Hour) {
		return errors.New("window: at most 24h")
	}
	if r.SLASoonDays == 0 {
		r.SLASoonDays = c.SLASoonDays
	}
	if r.MaxImageAgeDays < 0 || r.MaxImageAgeDays > 36500 || r.SLASoonDays < 0 || r.SLASoonDays > 365 {
		return errors.New("max_image_age_days: want 0 to 36500; sla_soon_days: 0 to 365")
	}
	return nil
}

// ImageAgeDays is the image.too_old threshold of a rule: its own
// max_image_age_days, else the server's (freshness.max_image_age_days).
func (r *RuleConfig) ImageAgeDays(server int) int {
	if r.MaxImageAgeDays > 0 {
		return r.MaxImageAgeDays
	}
	return server
}

// checkImageAge refuses a rule that lists image.too_old when no limit
// applies to it (neither its own nor the server's): it could never fire.
// A rule of every kind (no kinds listed) without a limit simply gets no
// image.too_old events.
func (r *RuleConfig) checkImageAge(server int) error {
	if slices.Contains(r.Select.Kinds, KindImageTooOld) && r.ImageAgeDays(server) == 0 {
		return fmt.Errorf("rule %s: an image.too_old rule needs max_image_age_days, its own or the freshness section's (freshness.max_image_age_days)", r.Name)
	}
	return nil
}

// selects tells whether the rule may select kind.
func (r *RuleConfig) selects(kind string) bool {
	if len(r.Select.Kinds) == 0 {
		return true
	}
	for _, k := range r.Select.Kinds {
		if k == kind {
			return true
		}
	}
	return false
}

// Masked is the configuration as the audit log and the API show it:
// secrets (and a Slack URL's path) replaced by a fixed mask, nothing of
// them left.
func (c *Config) Masked() *Config {
	m := *c
	m.Sinks = make([]SinkConfig, len(c.Sinks))
	for i, s := range c.Sinks {
		s.Secret = mask(s.Secret)
		s.Password = mask(s.Password)
		s.URL = maskURL(s)
		m.Sinks[i] = s
	}
	return &m
}

func mask(s string) string {
	if s == "" {
		return ""
	}
	return "********"
}

// maskURL keeps a Slack URL's host only (its path is its secret).
func maskURL(s SinkConfig) string {
	if s.Type != SinkSlack || s.URL == "" {
		return s.URL
	}
	u, err := url.Parse(s.URL)
	if err != nil {
		return "********"
	}
	return u.Scheme + "://" + u.Host + "/********"
}

// Sink returns the named sink.
func (c *Config) Sink(name string) (SinkConfig, bool) {
	for _, s := range c.Sinks {
		if s.Name == name {
			return s, true
		}
	}
	return SinkConfig{}, false
}

// ParseRule reads one rule as the API gets it (JSON is YAML) and
// validates it against c's sinks.
func (c *Config) ParseRule(data []byte) (RuleConfig, error) {
	if len(data) > 64<<10 {
		return RuleConfig{}, errors.New("rule: larger than 64 KiB")
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return RuleConfig{}, fmt.Errorf("rule: %v", err)
	}
	if err := checkNode(&root, 0, new(int)); err != nil {
		return RuleConfig{}, fmt.Errorf("rule: %v", err)
	}
	var r RuleConfig
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&r); err != nil {
		return RuleConfig{}, fmt.Errorf("rule: %v", err)
	}
	sinks := map[string]bool{}
	for _, s := range c.Sinks {
		sinks[s.Name] = true
	}
	if err := r.Validate(c, sinks); err != nil {
		return RuleConfig{}, fmt.Errorf("rule %s: %v", r.Name, err)
	}
	return r, nil
}
