package inventory

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// lineExtractor reads files named "deps.txt": one "name version" a line.
type lineExtractor struct{}

func (lineExtractor) Name() string                       { return "test/lines" }
func (lineExtractor) Version() int                       { return 1 }
func (lineExtractor) Match(p string, _ fs.DirEntry) bool { return Base(p) == "deps.txt" }
func (lineExtractor) Extract(_ context.Context, in *Input) ([]Package, error) {
	b, err := io.ReadAll(in.Reader)
	if err != nil {
		return nil, err
	}
	var out []Package
	for i, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		f := strings.Fields(l)
		if len(f) != 2 {
			return out, &ParseError{Path: in.Path, Line: i + 1, Err: errors.New("want name and version")}
		}
		if f[0] == "panic" {
			panic("hostile input")
		}
		out = append(out, Package{Name: f[0], Version: f[1], Ecosystem: "test", Locations: []Location{{Path: in.Path, Line: i + 1}}})
	}
	return out, nil
}

func write(t *testing.T, root, name, content string) {
	t.Helper()
	p := filepath.Join(root, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestWalk(t *testing.T) {
	base := t.TempDir()
	root := filepath.Join(base, "root")
	write(t, root, "a/deps.txt", "left 1.0\nright 2.0\n")
	write(t, root, "b/deps.txt", "left 1.0\n")                  // same package: locations merge
	write(t, root, "bad/deps.txt", "ok 1.0\nbroken\n")          // partial result plus an issue
	write(t, root, "boom/deps.txt", "panic 1\n")                // a panicking extractor is an issue
	write(t, root, "big/deps.txt", strings.Repeat("x 1\n", 64)) // over the size limit
	write(t, root, ".git/deps.txt", "hidden 1.0\n")             // never read
	write(t, root, "node_modules/deps.txt", "skipped 1.0\n")    // SkipDirs
	write(t, base, "outside/deps.txt", "secret 1.0\n")
	// Symlinks, inside and out of the root, are never followed.
	if err := os.Symlink(filepath.Join(base, "outside"), filepath.Join(root, "escape")); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(root, "c"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(base, "outside", "deps.txt"), filepath.Join(root, "c", "deps.txt")); err != nil {
		t.Fatal(err)
	}

	r, err := os.OpenRoot(root)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	res, err := Walk(t.Context(), r.FS(), WalkOptions{Extractors: []Extractor{lineExtractor{}}, MaxFileSize: 100, SkipDirs: []string{"node_modules"}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range res.Packages {
		var locs []string
		for _, l := range p.Locations {
			locs = append(locs, l.Path)
		}
		got = append(got, p.Name+"@"+p.Version+" "+strings.Join(locs, ","))
	}
	want := []string{"left@1.0 a/deps.txt,b/deps.txt", "ok@1.0 bad/deps.txt", "right@2.0 a/deps.txt"}
	if !slices.Equal(got, want) {
		t.Errorf("packages = %q, want %q", got, want)
	}
	var issues []string
	for _, is := range res.Issues {
		issues = append(issues, is.Path)
	}
	if !slices.Equal(issues, []string{"bad/deps.txt", "big/deps.txt", "boom/deps.txt"}) {
		t.Errorf("issues = %+v", res.Issues)
	}
	if res.Issues[0].Line != 2 || res.Issues[0].Message != "want name and version" {
		t.Errorf("parse issue = %+v, want line 2 and the bare message", res.Issues[0])
	}
	if !strings.Contains(res.Issues[1].Message, "too large") || !strings.Contains(res.Issues[2].Message, "internal error") {
		t.Errorf("issues = %+v", res.Issues)
	}
}

func TestWalkCancelled(t *testing.T) {
	root := t.TempDir()
	write(t, root, "deps.txt", "a 1\n")
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := Walk(ctx, os.DirFS(root), WalkOptions{Extractors: []Extractor{lineExtractor{}}}); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

func TestLimitedReaderExactLimit(t *testing.T) {
	lr := &limitedReader{r: strings.NewReader("abcd"), n: 4}
	if b, err := io.ReadAll(lr); err != nil || string(b) != "abcd" {
		t.Errorf("ReadAll at the limit = %q, %v", b, err)
	}
	lr = &limitedReader{r: strings.NewReader("abcde"), n: 4}
	if _, err := io.ReadAll(lr); !errors.Is(err, ErrTooLarge) {
		t.Errorf("ReadAll over the limit: err = %v, want ErrTooLarge", err)
	}
}

// raExtractor reads nothing but says it reads by random access.
type raExtractor struct{ lineExtractor }

func (raExtractor) Name() string       { return "test/ra" }
func (raExtractor) RandomAccess() bool { return true }

func TestWalkRandomAccessGetsLargeFiles(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "deps.txt"), []byte(strings.Repeat("pkg 1.0\n", 50)), 0o644); err != nil {
		t.Fatal(err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	res, err := Walk(t.Context(), root.FS(), WalkOptions{Extractors: []Extractor{lineExtractor{}, raExtractor{}}, MaxFileSize: 100})
	if err != nil {
		t.Fatal(err)
	}
	var tooLarge []string
	for _, is := range res.Issues {
		tooLarge = append(tooLarge, is.Extractor)
	}
	if len(tooLarge) != 1 || tooLarge[0] == "test/ra" {
		t.Errorf("issues %v: want only the streaming extractor to find the file too large", res.Issues)
	}
	if len(res.Packages) != 1 || res.Packages[0].Extractor != "test/ra" {
		t.Errorf("packages %v: want the random-access extractor's", res.Packages)
	}
}
