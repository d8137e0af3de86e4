package cli

import (
	"bytes"
	"errors"
	"io"
	"time"

	"gopkg.in/yaml.v3"
)

func init() { configSections["freshness"] = true }

// freshnessConfig is the serve config file's freshness section
// (docs/freshness.md):
//
//	freshness:
//	  max_image_age_days: 90
type freshnessConfig struct {
	// MaxImageAgeDays marks running images built longer ago as too old
	// (0: no limit).
	MaxImageAgeDays int `yaml:"max_image_age_days" json:"max_image_age_days"`
}

func (c freshnessConfig) maxAge() time.Duration {
	return time.Duration(c.MaxImageAgeDays) * 24 * time.Hour
}

// freshnessSection decodes the section strictly; a section that does not
// parse or validate stops the server, naming the file.
func (f *serveFlags) freshnessSection() (freshnessConfig, error) {
	var c freshnessConfig
	b, ok := f.sections["freshness"]
	if !ok {
		return c, nil
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil && !errors.Is(err, io.EOF) {
		return c, usagef("%s: freshness: %v", f.configFile, err)
	}
	if c.MaxImageAgeDays < 0 || c.MaxImageAgeDays > 100000 {
		return c, usagef("%s: freshness.max_image_age_days: %d is out of range 0-100000", f.configFile, c.MaxImageAgeDays)
	}
	return c, nil
}
