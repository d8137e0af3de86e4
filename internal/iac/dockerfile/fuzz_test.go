package dockerfile

import (
	"os"
	"testing"
)

func FuzzLoad(f *testing.F) {
	for _, p := range []string{"testdata/Dockerfile", "testdata/malformed/trailing-continuation.Dockerfile"} {
		src, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(src)
	}
	f.Add([]byte("FROM a AS b\nRUN <<EOF\necho hi\nEOF\nCMD [\"x\""))
	f.Add([]byte("ARG A=x\nFROM a\nENV B=\"y\" C=z\\\n  D=w\nENV E f g\n"))
	sc := secretScanner(f)
	f.Fuzz(func(t *testing.T, src []byte) {
		docs, _ := Load(t.Context(), "Dockerfile", src, Options{Secrets: sc})
		for _, d := range docs {
			_ = d.Locate([]any{"instructions", 1})
			_ = d.ResourceAt([]any{"instructions", 1})
		}
	})
}
