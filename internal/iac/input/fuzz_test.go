package input

import "testing"

func FuzzParseIgnores(f *testing.F) {
	f.Add([]byte("x: 1 # vigil:ignore:A-1 reason\n# vigil:ignore:B,C\ny: 2\n"))
	f.Add([]byte("// vigil:ignore:\n//vigil:ignore:,,, \n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		ig := ParseIgnores(src)
		for l := range 5 {
			_, _ = ig.Match("A-1", l)
		}
	})
}
