package cli

import (
	"os"

	"github.com/vigil-sec/vigil/internal/notify"
)

// The notifications section of the serve config file (docs/notifications.md).
func init() { configSections["notifications"] = true }

// notifyConfig parses the notifications section, if the config file has
// one: a section that does not parse or validate stops the server (fail
// closed), with an error naming the file and the problem.
func (f *serveFlags) notifyConfig() (*notify.Config, error) {
	b, ok := f.sections["notifications"]
	if !ok {
		return nil, nil
	}
	c, err := notify.Parse(b, f.configFile, os.Getenv)
	if err != nil {
		return nil, usagef("%v", err)
	}
	return c, nil
}
