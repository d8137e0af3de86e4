package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A notifications section that does not validate stops `vigil serve`
// before it opens anything, with an error naming the file and the problem.
func TestServeNotificationsFailClosed(t *testing.T) {
	dir := t.TempDir()
	cases := map[string]struct{ doc, want string }{
		"unknown sink":  {"notifications:\n  sinks: []\n  rules:\n    - {name: r, sinks: [nowhere]}\n", `unknown sink "nowhere"`},
		"unknown key":   {"notifications:\n  sinkz: []\n", "field sinkz not found"},
		"secret unset":  {"notifications:\n  sinks:\n    - {name: h, type: webhook, url: 'https://h.example.com', secret_env: VIGIL_TEST_UNSET_SECRET}\n", "VIGIL_TEST_UNSET_SECRET is empty or unset"},
		"not a mapping": {"notifications: 3\n", "notifications"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			conf := filepath.Join(dir, strings.ReplaceAll(name, " ", "-")+".yaml")
			if err := os.WriteFile(conf, []byte(c.doc), 0o600); err != nil {
				t.Fatal(err)
			}
			data := filepath.Join(dir, "data-"+strings.ReplaceAll(name, " ", "-"))
			var out, errb bytes.Buffer
			code := Run(t.Context(), []string{"serve", "--config", conf, "--data-dir", data, "--listen", "127.0.0.1:0"}, strings.NewReader(""), &out, &errb)
			if code == 0 {
				t.Fatal("serve started")
			}
			if msg := errb.String(); !strings.Contains(msg, conf) || !strings.Contains(msg, c.want) {
				t.Errorf("stderr %q, want the file %s and %q", msg, conf, c.want)
			}
			if _, err := os.Stat(data); err == nil {
				t.Errorf("the data directory was created: the section must be checked first")
			}
		})
	}
}
