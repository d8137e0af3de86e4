package cli

import (
	"fmt"
	"log/slog"
	"os"

	"github.com/vigil-sec/vigil/internal/tracker"
)

// The serve config file's `trackers` section (docs/trackers.md).
func init() { configSections["trackers"] = true }

// trackers parses and loads the trackers section, if any: a section that
// does not parse or validate, or a token that cannot be read, stops the
// server from starting, naming the file and the problem. The returned
// description (no secrets) goes into the audited configuration.
func (f *serveFlags) trackers(log *slog.Logger) (*tracker.Set, map[string]any, error) {
	b, ok := f.sections["trackers"]
	if !ok {
		return nil, nil, nil
	}
	name := f.configFile
	if name == "" {
		name = os.Getenv("VIGIL_CONFIG")
	}
	c, err := tracker.Parse(name, b)
	if err != nil {
		return nil, nil, &exitError{code: ExitError, err: err}
	}
	set, err := tracker.Load(c, tracker.LoadOptions{Logger: log.With("component", "tracker")})
	if err != nil {
		return nil, nil, &exitError{code: ExitError, err: fmt.Errorf("%s: trackers: %w", name, err)}
	}
	return set, c.Describe(), nil
}
