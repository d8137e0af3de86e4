// Package prune decides which directories a walk does not descend into:
// user globs (--skip-dirs), and for root filesystems the pseudo-filesystems
// (/proc, /sys, /dev, /run) and other mounts, which hold no installed
// software and can block or never end when read.
package prune

import (
	"fmt"
	"io/fs"
	"path"

	"github.com/bmatcuk/doublestar/v4"
)

// PseudoDirs are skipped at the top of a root filesystem.
var PseudoDirs = []string{"proc", "sys", "dev", "run"}

// Options say what to prune.
type Options struct {
	// SkipGlobs are doublestar patterns over slash paths relative to the
	// walk's root ("**/testdata", "vendor"); a directory matching one is
	// not entered.
	SkipGlobs []string
	// RootFS skips PseudoDirs at the root and every directory on another
	// device than the root (another mount), unless CrossMounts.
	RootFS      bool
	CrossMounts bool
}

// Rules is a prepared Options for one walk.
type Rules struct {
	o       Options
	rootDev uint64
	devOK   bool
}

// New checks the globs and reads the root's device.
func New(fsys fs.FS, o Options) (*Rules, error) {
	for _, g := range o.SkipGlobs {
		if !doublestar.ValidatePattern(g) {
			return nil, fmt.Errorf("skip-dirs: invalid glob %q", g)
		}
	}
	r := &Rules{o: o}
	if o.RootFS && !o.CrossMounts {
		if fi, err := fs.Stat(fsys, "."); err == nil {
			r.rootDev, r.devOK = device(fi)
		}
	}
	return r, nil
}

// SkipDir reports whether the walk should not enter directory p.
func (r *Rules) SkipDir(p string, d fs.DirEntry) bool {
	if r == nil || p == "." {
		return false
	}
	for _, g := range r.o.SkipGlobs {
		if ok, _ := doublestar.Match(g, p); ok {
			return true
		}
		if ok, _ := doublestar.Match(g, path.Base(p)); ok && !containsSlash(g) {
			return true
		}
	}
	if !r.o.RootFS {
		return false
	}
	for _, pd := range PseudoDirs {
		if p == pd {
			return true
		}
	}
	if r.devOK {
		if fi, err := d.Info(); err == nil {
			if dev, ok := device(fi); ok && dev != r.rootDev {
				return true
			}
		}
	}
	return false
}

func containsSlash(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == '/' {
			return true
		}
	}
	return false
}
