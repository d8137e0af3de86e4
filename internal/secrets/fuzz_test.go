package secrets

import (
	"archive/tar"
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

func addTemplateSeeds(f *testing.F) {
	paths, _ := filepath.Glob("testdata/corpus/*.tmpl")
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("token: " + testGHP + "\n"))
	f.Add([]byte("-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----"))
}

// FuzzScanReader: arbitrary content never panics, and findings are well
// formed and never carry a long run of the input verbatim in Match.
func FuzzScanReader(f *testing.F) {
	addTemplateSeeds(f)
	s, err := New(Options{MaxFileSize: 1 << 20})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := s.ScanReader(t.Context(), "fuzz.txt", bytes.NewReader(data))
		if err != nil {
			return
		}
		for _, fd := range got {
			if fd.Line < 1 || fd.Column < 1 || fd.EndLine < fd.Line {
				t.Fatalf("bad position %+v", fd)
			}
			if !strings.HasSuffix(fd.Match, "…") || utf8.RuneCountInString(fd.Match) > 5 {
				t.Fatalf("unredacted match %q", fd.Match)
			}
		}
	})
}

// FuzzScanTar: hostile tar streams give an error or findings, never a
// panic.
func FuzzScanTar(f *testing.F) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	body := "GITHUB_TOKEN=" + testGHP + "\n"
	_ = tw.WriteHeader(&tar.Header{Name: "app/.env", Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg})
	_, _ = tw.Write([]byte(body))
	_ = tw.Close()
	f.Add(buf.Bytes())
	f.Add([]byte{})
	s, err := New(Options{MaxFileSize: 1 << 20})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = s.ScanTar(t.Context(), bytes.NewReader(data), "sha256:fuzz")
	})
}

// FuzzScanGitLog: arbitrary `git log -p` output never panics and line
// numbers stay positive.
func FuzzScanGitLog(f *testing.F) {
	f.Add([]byte("\x00commit 0123456789abcdef0123456789abcdef01234567 2024-03-01T10:00:00+00:00 Dev <d@example.com>\n\n" +
		"diff --git a/x b/x\nnew file mode 100644\n--- /dev/null\n+++ b/x\n@@ -0,0 +1,2 @@\n+a\n+token: " + testGHP + "\n"))
	f.Add([]byte("+++ \"b/sp ace\"\n@@ -1 +99999999999999999999 @@\n+x\n"))
	s, err := New(Options{MaxFileSize: 1 << 20})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := s.scanGitLog(t.Context(), bytes.NewReader(data))
		if err != nil {
			return
		}
		for _, fd := range got {
			if fd.Line < 1 {
				t.Fatalf("bad line %+v", fd)
			}
		}
	})
}

// FuzzReadBaseline: arbitrary JSON never panics.
func FuzzReadBaseline(f *testing.F) {
	f.Add([]byte(`["sha256:1111111111111111"]`))
	f.Add([]byte(`{"results":[{"fingerprint":"sha256:2222222222222222"}]}`))
	f.Add([]byte(strings.Repeat("[", 5000)))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = ReadBaseline(bytes.NewReader(data))
	})
}

// FuzzKeywordMatcher checks the automaton against a naive search.
func FuzzKeywordMatcher(f *testing.F) {
	f.Add("akia", "xxAKIAyyakiA")
	f.Add("ab", "aaabababba")
	f.Fuzz(func(t *testing.T, kw, text string) {
		if kw == "" || len(kw) > 16 || len(text) > 4096 {
			return
		}
		m := newKeywordMatcher([]string{kw})
		got := len(m.find([]byte(text), nil))
		want := 0
		lt, lk := strings.ToLower(text), strings.ToLower(kw)
		for i := 0; i+len(lk) <= len(lt); i++ {
			if lt[i:i+len(lk)] == lk {
				want++
			}
		}
		// strings.ToLower handles non-ASCII differently; compare only ASCII.
		if isASCII(text) && isASCII(kw) && got != want {
			t.Fatalf("find(%q in %q) = %d hits, want %d", kw, text, got, want)
		}
	})
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
