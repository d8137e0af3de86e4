package secrets

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"
)

// benchText builds n bytes of source-like text with a few secrets and many
// keyword hits (token, password, key) that are not secrets.
func benchText(n int) []byte {
	r := rand.New(rand.NewPCG(1, 2))
	lines := []string{
		"func handle(ctx context.Context, req *Request) error {\n",
		"\tif err := validate(req.Token); err != nil { return err }\n",
		"\tlog.Info(\"password reset requested\", \"user\", req.User)\n",
		"\tcacheKey := fmt.Sprintf(\"user:%d\", req.ID)\n",
		"# The secret is read from the environment at startup.\n",
		"\tconst timeout = 30 * time.Second // request timeout\n",
		"  \"integrity\": \"sha512-Q2hlY2tzdW1zIGFyZSBub3Qgc2VjcmV0cyBidXQgdGhleSBsb29rIHJhbmRvbQ==\",\n",
		"\treturn json.NewEncoder(w).Encode(map[string]any{\"ok\": true})\n",
	}
	var b bytes.Buffer
	for b.Len() < n {
		if r.IntN(200) == 0 {
			b.WriteString("GITHUB_TOKEN=" + testGHP + "\n")
			continue
		}
		b.WriteString(lines[r.IntN(len(lines))])
	}
	return b.Bytes()
}

func BenchmarkScanReader(b *testing.B) {
	s := newScanner(b, Options{})
	for _, n := range []int{4 << 10, 1 << 20} {
		data := benchText(n)
		b.Run(fmt.Sprintf("bytes=%d", n), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := s.ScanReader(b.Context(), "bench.go", bytes.NewReader(data)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkKeywordMatcher(b *testing.B) {
	s := newScanner(b, Options{})
	data := benchText(1 << 20)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	var hits []hit
	for b.Loop() {
		hits = s.kw.find(data, hits[:0])
	}
}

func BenchmarkScanFS(b *testing.B) {
	fsys := fstest.MapFS{}
	var total int64
	for i := range 200 {
		data := benchText(32 << 10)
		fsys[fmt.Sprintf("src/pkg%d/file%d.go", i%10, i)] = &fstest.MapFile{Data: data}
		total += int64(len(data))
	}
	s := newScanner(b, Options{})
	b.SetBytes(total)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := s.ScanFS(b.Context(), fsys); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkScanTree scans the directory in VIGIL_BENCH_TREE (for example a
// Debian root filesystem); skipped when unset.
func BenchmarkScanTree(b *testing.B) {
	dir := os.Getenv("VIGIL_BENCH_TREE")
	if dir == "" {
		b.Skip("VIGIL_BENCH_TREE not set")
	}
	var total int64
	_ = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			if info, err := d.Info(); err == nil && info.Size() <= DefaultMaxFileSize {
				total += info.Size()
			}
		}
		return nil
	})
	s := newScanner(b, Options{})
	b.SetBytes(total)
	for b.Loop() {
		if _, _, err := s.ScanFS(b.Context(), os.DirFS(dir)); err != nil {
			b.Fatal(err)
		}
	}
}
