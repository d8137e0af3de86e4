package executable

import "testing"

// FuzzSniff: any prefix classifies without a panic.
func FuzzSniff(f *testing.F) {
	for _, s := range []string{"\x7fELF\x02\x01\x01", "\xcf\xfa\xed\xfe", "\xca\xfe\xba\xbe", "MZ", "#!/bin/sh\n", ""} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) { _ = Sniff(b) })
}
