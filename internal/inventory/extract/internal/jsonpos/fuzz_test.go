package jsonpos

import "testing"

// FuzzCheckDepth: any input is scanned without a panic; a reported line is
// within the input.
func FuzzCheckDepth(f *testing.F) {
	for _, s := range []string{`{"a":[1,{"b":"]"}]}`, "[[[[[[", `"\"[[["`, ""} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		line, err := CheckDepth(b, 8)
		if err != nil && (line < 1 || line > 1+countNL(b)) {
			t.Errorf("CheckDepth: line %d out of range", line)
		}
		l := &Lines{B: b}
		for _, off := range []int{len(b), 0, len(b) / 2, -1, len(b) + 5} {
			_ = l.At(off)
		}
	})
}

func countNL(b []byte) int {
	n := 0
	for _, c := range b {
		if c == '\n' {
			n++
		}
	}
	return n
}
