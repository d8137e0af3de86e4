// Package config reads vigil.yaml: the ignore list and the gate settings.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/bmatcuk/doublestar/v4"
	"gopkg.in/yaml.v3"
)

// FileNames are the names looked up at the scanned root, in order.
var FileNames = []string{"vigil.yaml", ".vigil.yaml"}

// MaxSize bounds a config file.
const MaxSize = 1 << 20

// Config is the content of vigil.yaml.
type Config struct {
	// Ignore suppresses findings, each entry with a reason and an expiry.
	Ignore []Ignore `yaml:"ignore"`
	// Gate decides when a scan fails the build.
	Gate Gate `yaml:"gate"`
	// Path is the file the config was read from ("" for defaults).
	Path string `yaml:"-"`
}

// Ignore is one suppression. ID matches a vulnerability id or any alias, a
// check id, or a secret fingerprint.
type Ignore struct {
	ID string `yaml:"id"`
	// Package is a purl, with or without version (optional).
	Package string `yaml:"package"`
	// Path is a glob of the file (optional; ** matches across directories).
	Path    string `yaml:"path"`
	Reason  string `yaml:"reason"`
	Expires Date   `yaml:"expires"`
	// Line is where the entry starts in the file, for messages.
	Line int `yaml:"-"`
}

// Gate settings.
type Gate struct {
	// FailOn is the lowest severity that fails the gate.
	FailOn string `yaml:"fail_on"`
	// OnlyFixable counts only vulnerabilities with a fixed version.
	OnlyFixable bool `yaml:"only_fixable"`
	// MinAdvisoryAge ignores advisories published less than this long ago
	// (e.g. "72h", "7d"), to give maintainers time to ship a fix.
	MinAdvisoryAge Duration `yaml:"min_advisory_age"`
	// DenyLicenses fail the gate when a package declares one of them (SPDX ids).
	DenyLicenses []string `yaml:"deny_licenses"`
	// DenyPackages fail the gate when a package matches one of these purls
	// (without version: any version).
	DenyPackages []string `yaml:"deny_packages"`
	// IgnoreUnknownSeverity lets vulnerabilities that no advisory scores
	// pass fail_on (by default they fail at every threshold).
	IgnoreUnknownSeverity bool `yaml:"ignore_unknown_severity"`
	// MaxImageAgeDays fails the gate when a scanned image (or, with
	// --server, an image the server knows for the project) was built more
	// than this many days ago (0: no limit). See docs/freshness.md.
	MaxImageAgeDays int `yaml:"max_image_age_days"`
	// IgnoreSLABreach lets open findings past their remediation SLA pass
	// a server gate (by default a breach fails it). See docs/gate-server.md.
	IgnoreSLABreach bool `yaml:"ignore_sla_breach"`
	// FailOnKEV fails the gate on a vulnerability in CISA's Known
	// Exploited Vulnerabilities catalog (docs/exploitation.md).
	FailOnKEV bool `yaml:"fail_on_kev"`
	// MinEPSS fails the gate on a vulnerability whose EPSS score (the
	// probability of exploitation in the next 30 days, 0-1) is at or
	// above it; 0 turns the rule off.
	MinEPSS float64 `yaml:"min_epss"`
}

// Date is a calendar day (YYYY-MM-DD).
type Date struct{ time.Time }

// UnmarshalYAML reads YYYY-MM-DD.
func (d *Date) UnmarshalYAML(n *yaml.Node) error {
	t, err := time.Parse(time.DateOnly, n.Value)
	if err != nil {
		return fmt.Errorf("line %d: expires %q: want a date like 2026-12-31", n.Line, n.Value)
	}
	d.Time = t
	return nil
}

// Duration accepts Go durations plus a "d" (days) unit.
type Duration struct{ time.Duration }

// UnmarshalYAML reads "36h", "7d".
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := ParseDuration(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: %w", n.Line, err)
	}
	d.Duration = v
	return nil
}

// ParseDuration is time.ParseDuration plus whole days ("7d").
func ParseDuration(s string) (time.Duration, error) {
	if days, ok := strings.CutSuffix(s, "d"); ok {
		var n int
		if _, err := fmt.Sscanf(days, "%d", &n); err == nil && n >= 0 && fmt.Sprint(n) == days {
			return time.Duration(n) * 24 * time.Hour, nil
		}
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("duration %q: want e.g. 72h or 7d", s)
	}
	return v, nil
}

// Find returns the config file at root, or "" when there is none.
func Find(root string) string {
	for _, n := range FileNames {
		p := filepath.Join(root, n)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
			return p
		}
	}
	return ""
}

// Load reads and validates a config file.
func Load(path string) (*Config, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	c, err := Parse(io.LimitReader(f, MaxSize+1), path)
	if err != nil {
		return nil, err
	}
	return c, nil
}

// Parse decodes a config strictly (unknown keys are errors) and validates it.
func Parse(r io.Reader, path string) (*Config, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read %q: %w", path, err)
	}
	if len(data) > MaxSize {
		return nil, fmt.Errorf("%s: larger than %d bytes", path, MaxSize)
	}
	var c Config
	// Record each ignore entry's line from the node tree.
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(bytes.TrimSpace(data)) > 0 {
		dec := yaml.NewDecoder(bytes.NewReader(data))
		dec.KnownFields(true)
		if err := dec.Decode(&c); err != nil && !errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
	}
	lines := ignoreLines(&root)
	for i := range c.Ignore {
		if i < len(lines) {
			c.Ignore[i].Line = lines[i]
		}
	}
	c.Path = path
	if err := c.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &c, nil
}

func ignoreLines(root *yaml.Node) []int {
	if root.Kind != yaml.DocumentNode || len(root.Content) == 0 {
		return nil
	}
	m := root.Content[0]
	if m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == "ignore" && m.Content[i+1].Kind == yaml.SequenceNode {
			var out []int
			for _, item := range m.Content[i+1].Content {
				out = append(out, item.Line)
			}
			return out
		}
	}
	return nil
}

// Validate reports every problem at once.
func (c *Config) Validate() error {
	var errs []error
	for i, ig := range c.Ignore {
		where := fmt.Sprintf("ignore[%d]", i)
		if ig.Line > 0 {
			where = fmt.Sprintf("line %d: ignore[%d]", ig.Line, i)
		}
		if ig.ID == "" {
			errs = append(errs, fmt.Errorf("%s: id is required", where))
		}
		if ig.Expires.IsZero() {
			errs = append(errs, fmt.Errorf("%s (%s): expires is required (YYYY-MM-DD)", where, ig.ID))
		}
		if ig.Reason == "" {
			errs = append(errs, fmt.Errorf("%s (%s): reason is required", where, ig.ID))
		}
		if ig.Path != "" && !doublestar.ValidatePattern(ig.Path) {
			errs = append(errs, fmt.Errorf("%s (%s): path %q is not a valid glob", where, ig.ID, ig.Path))
		}
		if ig.Package != "" && !strings.HasPrefix(ig.Package, "pkg:") {
			errs = append(errs, fmt.Errorf("%s (%s): package %q is not a purl (pkg:type/name)", where, ig.ID, ig.Package))
		}
	}
	if c.Gate.FailOn != "" {
		switch strings.ToLower(c.Gate.FailOn) {
		case "low", "medium", "high", "critical":
		default:
			errs = append(errs, fmt.Errorf("gate.fail_on: unknown severity %q", c.Gate.FailOn))
		}
	}
	if c.Gate.MaxImageAgeDays < 0 || c.Gate.MaxImageAgeDays > 100000 {
		errs = append(errs, fmt.Errorf("gate.max_image_age_days: %d is out of range 0-100000", c.Gate.MaxImageAgeDays))
	}
	if c.Gate.MinEPSS < 0 || c.Gate.MinEPSS > 1 || c.Gate.MinEPSS != c.Gate.MinEPSS {
		errs = append(errs, fmt.Errorf("gate.min_epss: %v is not between 0 and 1", c.Gate.MinEPSS))
	}
	for _, p := range c.Gate.DenyPackages {
		if !strings.HasPrefix(p, "pkg:") {
			errs = append(errs, fmt.Errorf("gate.deny_packages: %q is not a purl", p))
		}
	}
	return errors.Join(errs...)
}
