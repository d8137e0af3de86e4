package iac

import (
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"
)

// TestChecksCompiledOnDemand: the built-in checks are compiled only when a
// file needs them, so a tree without infrastructure as code does not pay
// for them. A check that does not compile shows when, and only when, a
// file is evaluated.
func TestChecksCompiledOnDemand(t *testing.T) {
	broken := fstest.MapFS{"bad.rego": {Data: []byte("package vigil.bad\n\ndeny contains x if {\n")}}
	s, err := New(t.Context(), Options{Builtin: broken})
	if err != nil {
		t.Fatalf("New compiled the checks eagerly: %v", err)
	}
	res, err := s.ScanFS(t.Context(), fstest.MapFS{
		"package-lock.json": {Data: []byte(`{"lockfileVersion": 3}`)},
		"README.md":         {Data: []byte("# x\n")},
	})
	if err != nil || len(res.Findings) != 0 {
		t.Fatalf("ScanFS of a tree without IaC = %d findings, %v; want none and no error", len(res.Findings), err)
	}
	if _, err := s.ScanFS(t.Context(), fstest.MapFS{"Dockerfile": {Data: []byte("FROM alpine:3.20\n")}}); err == nil {
		t.Fatal("ScanFS of a Dockerfile with checks that do not compile: no error")
	}
	if _, err := s.Checks(); err == nil {
		t.Fatal("Checks() with checks that do not compile: no error")
	}
	// User checks are compiled at once: a mistake in them is a usage error.
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "bad.rego"), []byte("package vigil.user\n\ndeny contains x if {\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := New(t.Context(), Options{Builtin: fstest.MapFS{}, PolicyDirs: []string{dir}}); err == nil {
		t.Fatal("New with a user check that does not compile: no error")
	}
}
