package prune

import (
	"io/fs"
	"os"
	"testing"
)

type dirEntry struct {
	fs.DirEntry
	info fs.FileInfo
}

func (d dirEntry) Info() (fs.FileInfo, error) { return d.info, nil }

func TestSkipGlobsAndPseudoDirs(t *testing.T) {
	r, err := New(os.DirFS(t.TempDir()), Options{SkipGlobs: []string{"**/testdata", "vendor", "a/b/**"}, RootFS: true})
	if err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Stat(".")
	d := dirEntry{info: fi}
	for p, want := range map[string]bool{
		"x/y/testdata": true, "testdata": true, "vendor": true, "x/vendor": true, "a/b/c": true,
		"proc": true, "sys": true, "dev": true, "usr/proc": false, "src": false, ".": false,
	} {
		if got := r.SkipDir(p, d); got != want {
			t.Errorf("SkipDir(%q) = %v, want %v", p, got, want)
		}
	}
	if _, err := New(os.DirFS("."), Options{SkipGlobs: []string{"a/[b"}}); err == nil {
		t.Error("an invalid glob is accepted")
	}
}

// TestOtherMount: a directory on another device than the root is skipped
// in a root filesystem, and entered with CrossMounts. It uses this
// machine's real mounts: / and /proc are always different devices.
func TestOtherMount(t *testing.T) {
	proc, err := os.Stat("/proc")
	if err != nil {
		t.Skip("no /proc here")
	}
	root, _ := os.Stat("/")
	if dr, _ := device(root); func() bool { dp, _ := device(proc); return dp == dr }() {
		t.Skip("/proc is on the root's device here")
	}
	r, _ := New(os.DirFS("/"), Options{RootFS: true})
	d := dirEntry{info: proc}
	if !r.SkipDir("mnt/proc-bind", d) {
		t.Error("a directory on another device was entered")
	}
	r, _ = New(os.DirFS("/"), Options{RootFS: true, CrossMounts: true})
	if r.SkipDir("mnt/proc-bind", d) {
		t.Error("CrossMounts did not cross")
	}
}
