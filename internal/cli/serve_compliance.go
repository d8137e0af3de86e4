package cli

import (
	"bytes"
	"errors"
	"io"

	"github.com/vigil-sec/vigil/internal/compliance"
	"gopkg.in/yaml.v3"
)

func init() { configSections["compliance"] = true }

// complianceSection is the serve config file's compliance section:
//
//	compliance:
//	  frameworks_dir: /etc/vigil/frameworks   # *.yaml added to the built-in ones
type complianceSection struct {
	FrameworksDir string `yaml:"frameworks_dir"`
}

// serveComplianceDir decodes the section strictly and loads the
// frameworks once, so that a bad mapping stops the server at start.
func serveComplianceDir(f *serveFlags) (string, error) {
	raw, ok := f.sections["compliance"]
	if !ok {
		return "", nil
	}
	var sec complianceSection
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	if err := dec.Decode(&sec); err != nil && !errors.Is(err, io.EOF) {
		return "", usagef("config %s: compliance: %v", f.configFile, err)
	}
	if _, err := compliance.Load(sec.FrameworksDir); err != nil {
		return "", usagef("config %s: compliance.frameworks_dir: %v", f.configFile, err)
	}
	return sec.FrameworksDir, nil
}
