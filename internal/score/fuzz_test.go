package score

import "testing"

// FuzzExploit: any detail gives no panic, a boolean and an EPSS in [0, 1].
func FuzzExploit(f *testing.F) {
	for _, s := range []string{``, `{"kev":true,"epss":0.42}`, `{"kev":{"date_added":"x"},"epss":{"score":"0.9"}}`, `{"epss":[1,2]}`, `{"kev":"yes"}`, `[[[[`, `{"epss":1e999}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		_, epss := Exploit(b)
		if epss < 0 || epss > 1 || epss != epss {
			t.Fatalf("Exploit(%q) epss = %v", b, epss)
		}
	})
}
