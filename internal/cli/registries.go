package cli

import (
	"fmt"
	"os"

	"github.com/vigil-sec/vigil/internal/registrywatch"
)

// The serve config file's registries section: the registry repositories
// the server watches (docs/registry-watch.md).
func init() { configSections["registries"] = true }

// registriesConfig decodes and validates the registries section (nil
// without one). A section that cannot be parsed or validated, or names a
// password variable that is not set, refuses the start.
func registriesConfig(f *serveFlags) (*registrywatch.Config, error) {
	b, ok := f.sections["registries"]
	if !ok {
		return nil, nil
	}
	file := f.configFile
	if file == "" {
		file = os.Getenv("VIGIL_CONFIG")
	}
	cfg, err := registrywatch.Parse(b, os.Getenv)
	if err != nil {
		return nil, &exitError{code: ExitError, err: fmt.Errorf("%s: %w", file, err)}
	}
	return cfg, nil
}
