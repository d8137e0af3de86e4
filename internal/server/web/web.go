// Package web is the dashboard: the front-end in web/ at the root of the
// repository, built by Vite into dist/ here and embedded in the binary.
// The built files are committed, so `go build` needs no Node.js; .ci/run
// builds them again and fails when they differ (docs/ui.md).
package web

import (
	"embed"
	"io/fs"
	"net/http"
	"path"
	"strings"
)

//go:embed all:dist
var dist embed.FS

// Files are the built assets (index.html at the root, hashed files under
// assets/).
func Files() fs.FS {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		panic(err) // the embed pattern guarantees dist exists
	}
	return sub
}

// Handler serves the dashboard: the built files, and index.html for the
// other paths (the routes of the single-page app).
// Paths under /api/ are never the app's: they are 404 here.
func Handler() http.Handler {
	files := Files()
	fileServer := http.FileServerFS(files)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Path
		if strings.HasPrefix(p, "/api/") || p == "/api" {
			http.NotFound(w, r)
			return
		}
		name := strings.TrimPrefix(path.Clean(p), "/")
		if name == "" || name == "index.html" {
			serveIndex(w, r, files)
			return
		}
		st, err := fs.Stat(files, name)
		if err != nil || st.IsDir() {
			// The app's routes may hold dots (project web.app, a purl):
			// only the asset directory and the root's files are files.
			if strings.HasPrefix(name, "assets/") || (!strings.Contains(name, "/") && path.Ext(name) != "") {
				http.NotFound(w, r)
				return
			}
			serveIndex(w, r, files)
			return
		}
		if strings.HasPrefix(name, "assets/") {
			// Vite names these by content hash.
			w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			w.Header().Set("Cache-Control", "no-cache")
		}
		fileServer.ServeHTTP(w, r)
	})
}

func serveIndex(w http.ResponseWriter, r *http.Request, files fs.FS) {
	b, err := fs.ReadFile(files, "index.html")
	if err != nil {
		http.Error(w, "the dashboard is not built into this binary (see docs/ui.md)", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.Write(b)
}
