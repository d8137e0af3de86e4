package notify

import (
	"strings"
	"testing"
)

// FuzzParse: any section either parses into a configuration that passes
// its own validation again, or fails with an error naming the file; it
// never panics.
func FuzzParse(f *testing.F) {
	f.Add([]byte(goodConfig))
	f.Add([]byte("sinks: []\nrules: []\n"))
	f.Add([]byte("sinks: &a [*a]\n"))
	f.Add([]byte("rules:\n  - {name: r, select: {kinds: [sla.breach]}, sinks: [x]}\n"))
	f.Add([]byte("sinks:\n  - {name: m, type: email, smtp: 'h:25', from: a@b.c, to: [x@y.z]}\n"))
	f.Add([]byte(strings.Repeat("- ", 100)))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(data, "fuzz.yaml", goodEnv)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz.yaml: notifications: ") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		sinks := map[string]bool{}
		for _, s := range c.Sinks {
			sinks[s.Name] = true
		}
		for i := range c.Rules {
			r := c.Rules[i]
			if err := r.Validate(c, sinks); err != nil {
				t.Fatalf("parsed rule %d fails validation: %v", i, err)
			}
		}
		_ = c.Masked()
	})
}
