package source

import (
	"strings"
)

// kept is a file result that is still visible, with its layer.
type kept struct {
	layer int
	fr    fileResult
}

// squash applies the layers in order, so that a file result survives only
// if no later layer deletes (whiteout, opaque directory) or replaces it
// (same path, or a non-directory at an ancestor). It returns the visible
// file results and release files.
func squash(layers []*layerResult) (files map[string]kept, osFiles map[string][]byte) {
	files = map[string]kept{}
	osFiles = map[string][]byte{}
	osLayer := map[string]int{}
	under := func(p, dir string) bool { return dir == "" || strings.HasPrefix(p, dir+"/") }
	remove := func(pred func(string) bool) {
		for p := range files {
			if pred(p) {
				delete(files, p)
			}
		}
		for p := range osFiles {
			if pred(p) {
				delete(osFiles, p)
				delete(osLayer, p)
			}
		}
	}
	for i, lr := range layers {
		if len(files) > 0 || len(osFiles) > 0 {
			for _, d := range lr.Opaque {
				remove(func(p string) bool { return under(p, d) })
			}
			for _, w := range lr.Whiteouts {
				remove(func(p string) bool { return p == w || under(p, w) })
			}
			// Ancestor directories of what is visible, to find
			// non-directories that replace a directory.
			anc := map[string]bool{}
			for p := range files {
				ancestors(p, anc)
			}
			for p := range osFiles {
				ancestors(p, anc)
			}
			for _, e := range lr.Entries {
				p := strings.TrimSuffix(e, "/")
				delete(files, p)
				if _, ok := osFiles[p]; ok {
					delete(osFiles, p)
					delete(osLayer, p)
				}
				if !strings.HasSuffix(e, "/") && anc[p] {
					remove(func(q string) bool { return under(q, p) })
				}
			}
		}
		for _, fr := range lr.Files {
			files[fr.Path] = kept{layer: i, fr: fr}
		}
		for p, b := range lr.OSFiles {
			osFiles[p] = b
			osLayer[p] = i
		}
	}
	return files, osFiles
}

func ancestors(p string, set map[string]bool) {
	for {
		i := strings.LastIndexByte(p, '/')
		if i < 0 {
			return
		}
		p = p[:i]
		if set[p] {
			return
		}
		set[p] = true
	}
}

// isOSExtractor reports whether packages from the named extractor take the
// distribution's ecosystem.
func isOSExtractor(name string) bool {
	switch name {
	case "debian/dpkg", "alpine/apkdb", "rpm/rpmdb":
		return true
	}
	return false
}
