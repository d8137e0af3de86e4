package tomlguard

import (
	"errors"
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	deep := strings.Repeat("[", MaxDepth+1)
	tests := []struct {
		name     string
		in       string
		wantLine int // 0: no error
	}{
		{"lockfile", "[[package]]\nname = \"a\"\ndeps = [{name = \"b\", x = [1, [2]]}]\n", 0},
		{"deep array", "a = 1\nb = " + deep, 2},
		{"deep inline tables", "b = " + strings.Repeat("{c=", MaxDepth+1), 1},
		{"brackets in strings", "a = \"" + deep + "\"\nb = '" + deep + "'\n", 0},
		{"brackets in multi-line strings", "a = \"\"\"\n" + deep + "\n\"\"\"\nb = '''" + deep + "'''\nc = 1", 0},
		{"escaped quote", "a = \"\\\"" + deep + "\"\n", 0},
		{"brackets in comment", "# " + deep + "\na = 1\n", 0},
		{"deep after multi-line string", "a = \"\"\"x\ny\"\"\"\nb = " + deep, 3},
		{"quad quote end", "a = \"\"\"x\"\"\"\"\nb = " + deep, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Check([]byte(tt.in))
			var de *DepthError
			switch {
			case tt.wantLine == 0 && err != nil:
				t.Errorf("Check = %v, want nil", err)
			case tt.wantLine != 0 && (!errors.As(err, &de) || de.Line != tt.wantLine):
				t.Errorf("Check = %v, want DepthError at line %d", err, tt.wantLine)
			}
		})
	}
}

func FuzzCheck(f *testing.F) {
	f.Add([]byte("[[package]]\nname = \"a\"\n"))
	f.Add([]byte("a = \"\"\"[[[\"\"\"\n"))
	f.Fuzz(func(t *testing.T, b []byte) { _ = Check(b) })
}
