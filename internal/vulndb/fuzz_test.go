package vulndb

import (
	"archive/zip"
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/klauspost/compress/zstd"
)

// FuzzImportZip feeds arbitrary bytes to the importer as an archive. It
// must not panic or hang; when it succeeds, every member is accounted for
// at most once, and the file it wrote opens and answers queries.
func FuzzImportZip(f *testing.F) {
	f.Add(zipBytes(f, []member{fixture(f, "pypi-versions.json"), fixture(f, "debian-suffixes.json")}))
	f.Add(zipBytes(f, []member{
		fixture(f, "git-last-affected.json"),
		{name: "x.json", data: []byte(`{"id":"X","modified":"2024-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"npm","name":"a"}}]}`)},
		{name: "x2.json", data: []byte(`{"id":"X","modified":"2024-01-01T00:00:00Z"}`)},
		{name: "bad.json", data: []byte(`{`)},
		{name: "dir/", data: nil},
		{name: "notes.txt", data: []byte("hi")},
	}))
	f.Add([]byte("PK\x05\x06" + string(make([]byte, 18))))
	f.Add([]byte("not a zip"))
	enc, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderConcurrency(1))
	if err != nil {
		f.Fatal(err)
	}
	defer enc.Close()
	b := &builder{enc: enc, workers: 2, log: slog.New(slog.DiscardHandler),
		limits: Limits{MaxMemberSize: 1 << 20, MaxTotalSize: 8 << 20, MaxMembers: 1000}.withDefaults()}
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		zipPath := filepath.Join(dir, "all.zip")
		if err := os.WriteFile(zipPath, data, 0o644); err != nil {
			t.Fatal(err)
		}
		out := filepath.Join(dir, "x.db")
		res, err := b.build(t.Context(), "npm", zipPath, out, "", nil)
		if err != nil {
			return
		}
		zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
		if err != nil && zr == nil {
			t.Fatalf("build accepted what zip.NewReader rejects: %v", err)
		}
		if res.records+res.invalid > len(zr.File) || res.added != res.records {
			t.Fatalf("result %+v for %d members", res, len(zr.File))
		}
		m := &manifest{SchemaVersion: SchemaVersion, Ecosystems: []manifestEntry{{Name: "npm", File: "x.db"}}}
		if err := writeManifest(dir, m); err != nil {
			t.Fatal(err)
		}
		db, err := Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if _, err := db.Query(t.Context(), "npm", "a"); err != nil {
			t.Fatalf("Query on imported file: %v", err)
		}
	})
}
