package registrywatch

import (
	"os"
	"testing"
)

// FuzzParse: any registries section is parsed or refused with an error,
// without a panic, and a parsed one is valid.
func FuzzParse(f *testing.F) {
	b, err := os.ReadFile("testdata/registries.yaml")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add([]byte("repositories:\n  - repository: r.example/a\n    project: a\n    tags: 'v[0-9]*'\n"))
	f.Add([]byte("a: &a [*a, *a]\n"))
	f.Add([]byte("repositories: [{repository: x, project: y, interval: -1s}]"))
	f.Fuzz(func(t *testing.T, in []byte) {
		c, err := Parse(in, func(string) string { return "pw" })
		if err != nil {
			return
		}
		for _, r := range c.Repositories {
			if _, err := r.Ref(); err != nil || r.Interval < MinInterval || r.Tags == "" {
				t.Fatalf("Parse accepted an invalid repository %+v", r)
			}
		}
	})
}

func FuzzRetryAfter(f *testing.F) {
	for _, s := range []string{"1", "120", "Wed, 21 Oct 2015 07:28:00 GMT", "-5", "99999999999999999999", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		d := retryAfter(v, testNow)
		if d < -1 || d > maxBackoffUntil {
			t.Fatalf("retryAfter(%q) = %s, out of bounds", v, d)
		}
	})
}

// FuzzFromShared: any stored shared list is read or refused with an
// error, without a panic; one read is valid and round-trips.
func FuzzFromShared(f *testing.F) {
	c, err := Parse([]byte("repositories:\n  - repository: r.example/a\n    project: a\n    username: u\n    password_env: PW\n"), func(string) string { return "pw" })
	if err != nil {
		f.Fatal(err)
	}
	b, _ := c.Shared()
	f.Add([]byte(b))
	f.Add([]byte(`{"repositories":[{"repository":"x","project":"y","interval":"-1s"}],"max_retry_wait":"1s"}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		c, err := FromShared(in, "", func(string) string { return "" })
		if err != nil {
			return
		}
		for _, r := range c.Repositories {
			if _, err := r.Ref(); err != nil || r.Interval < MinInterval || r.Tags == "" || r.Password() != "" {
				t.Fatalf("FromShared accepted an invalid repository %+v", r)
			}
		}
		out, err := c.Shared()
		if err != nil {
			t.Fatal(err)
		}
		if again, err := FromShared(out, "", func(string) string { return "" }); err != nil || len(Diff(c, again, "a", "b")) != 0 {
			t.Fatalf("round trip: %v %v", err, Diff(c, again, "a", "b"))
		}
	})
}
