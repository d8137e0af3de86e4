package vulndb

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"context"
	"errors"
	"hash/crc32"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

var fixedNow = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func baseArchives(t testing.TB) map[string][]member {
	return map[string][]member{
		"PyPI": {
			fixture(t, "pypi-versions.json"),
			rec("PYSEC-2099-2", "PyPI", "example.pkg", "2024-01-01T00:00:00Z"),
			rec("PYSEC-2099-3", "PyPI", "other", "2024-01-01T00:00:00Z"),
		},
		"Debian": {
			fixture(t, "debian-suffixes.json"),
			rec("DSA-9999-2", "Debian:11", "curl", "2024-01-01T00:00:00Z"),
			rec("DSA-9999-3", "Debian", "openssl", "2024-01-01T00:00:00Z"),
		},
		"OSS-Fuzz": {fixture(t, "git-last-affected.json")},
	}
}

func TestUpdateAndQuery(t *testing.T) {
	src, dir := t.TempDir(), t.TempDir()
	writeSource(t, src, baseArchives(t))
	rep, err := Update(t.Context(), UpdateOptions{Dir: dir, From: src, Now: func() time.Time { return fixedNow }})
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	want := []EcosystemReport{
		{Name: "Debian", Status: StatusNew, Records: 3, Added: 3, Full: true},
		{Name: "OSS-Fuzz", Status: StatusNew, Records: 1, Added: 1, Full: true},
		{Name: "PyPI", Status: StatusNew, Records: 3, Added: 3, Full: true},
	}
	if diff := cmp.Diff(want, rep.Ecosystems, cmpopts.IgnoreFields(EcosystemReport{}, "Bytes")); diff != "" {
		t.Errorf("report mismatch (-want +got):\n%s", diff)
	}

	db := mustOpen(t, dir)
	queries := []struct {
		eco, name string
		want      []string
	}{
		// PEP 503: every spelling finds both records of example-pkg.
		{"PyPI", "example-pkg", []string{"PYSEC-2099-1", "PYSEC-2099-2"}},
		{"PyPI", "Example__Pkg", []string{"PYSEC-2099-1", "PYSEC-2099-2"}},
		{"PyPI", "EXAMPLE.PKG", []string{"PYSEC-2099-1", "PYSEC-2099-2"}},
		{"PyPI", "example", []string{}},
		// Suffixed ecosystems also see bare-ecosystem records.
		{"Debian:11", "openssl", []string{"DSA-9999-1", "DSA-9999-3"}},
		{"Debian:10", "openssl", []string{"DSA-9999-1", "DSA-9999-3"}},
		{"Debian:12", "openssl", []string{"DSA-9999-3"}},
		{"Debian", "openssl", []string{"DSA-9999-3"}},
		{"Debian:11", "curl", []string{"DSA-9999-2"}},
		{"Debian:10", "curl", []string{}},
		// Names of other ecosystems are case-sensitive.
		{"Debian:11", "OpenSSL", []string{}},
		{"OSS-Fuzz", "libfoo", []string{"OSV-2099-3"}},
	}
	for _, q := range queries {
		if diff := cmp.Diff(q.want, queryIDs(t, db, q.eco, q.name)); diff != "" {
			t.Errorf("Query(%q, %q) mismatch (-want +got):\n%s", q.eco, q.name, diff)
		}
	}
	if _, err := db.Query(t.Context(), "npm", "x"); !errors.Is(err, ErrNoEcosystem) {
		t.Errorf("Query(npm) error %v, want ErrNoEcosystem", err)
	}
	if !db.Has("Debian:13") || db.Has("npm") {
		t.Errorf("Has(Debian:13), Has(npm) = %v, %v; want true, false", db.Has("Debian:13"), db.Has("npm"))
	}
	v, err := db.Get(t.Context(), "PyPI", "PYSEC-2099-1")
	if err != nil || v == nil || v.Affected[0].Versions[1] != "1.2.2" {
		t.Errorf("Get(PYSEC-2099-1) = %+v, %v", v, err)
	}

	st := db.Status()
	if st.SchemaVersion != SchemaVersion || st.Source != src || !st.UpdatedAt.Equal(fixedNow) || st.Records() != 7 {
		t.Errorf("Status() = %+v", st)
	}
	if st.Stale(fixedNow.Add(MaxAge-time.Minute)) || !st.Stale(fixedNow.Add(MaxAge+time.Minute)) {
		t.Errorf("Stale() wrong around MaxAge")
	}
	for _, e := range st.Ecosystems {
		if len(e.SHA256) != 64 || e.LastModified == "" || e.Bytes == 0 {
			t.Errorf("Status ecosystem %+v lacks archive metadata", e)
		}
	}
}

func TestUpdateIncremental(t *testing.T) {
	src, dir := t.TempDir(), t.TempDir()
	a := baseArchives(t)
	writeSource(t, src, a)
	if _, err := Update(t.Context(), UpdateOptions{Dir: dir, From: src}); err != nil {
		t.Fatal(err)
	}
	before := mustOpen(t, dir).Status()

	// PyPI: one modified, one removed, one added, one unchanged.
	writeSource(t, src, map[string][]member{"PyPI": {
		fixture(t, "pypi-versions.json"),
		rec("PYSEC-2099-2", "PyPI", "example.pkg", "2025-01-01T00:00:00Z"),
		rec("PYSEC-2099-4", "PyPI", "new", "2024-01-01T00:00:00Z"),
	}})
	var events []Progress
	rep, err := Update(t.Context(), UpdateOptions{Dir: dir, From: src, Progress: func(p Progress) { events = append(events, p) }})
	if err != nil {
		t.Fatal(err)
	}
	want := []EcosystemReport{
		{Name: "Debian", Status: StatusUnchanged, Records: 3},
		{Name: "OSS-Fuzz", Status: StatusUnchanged, Records: 1},
		// The change feed names each changed advisory.
		{Name: "PyPI", Status: StatusUpdated, Records: 3, Added: 1, Modified: 1, Removed: 1,
			AddedIDs: []string{"PYSEC-2099-4"}, ModifiedIDs: []string{"PYSEC-2099-2"}, RemovedIDs: []string{"PYSEC-2099-3"}},
	}
	if diff := cmp.Diff(want, rep.Ecosystems, cmpopts.IgnoreFields(EcosystemReport{}, "Bytes")); diff != "" {
		t.Errorf("report mismatch (-want +got):\n%s", diff)
	}
	db := mustOpen(t, dir)
	if diff := cmp.Diff([]string{"PYSEC-2099-4"}, queryIDs(t, db, "PyPI", "new")); diff != "" {
		t.Errorf("new record (-want +got):\n%s", diff)
	}
	if got := queryIDs(t, db, "PyPI", "other"); len(got) != 0 {
		t.Errorf("removed record still found: %v", got)
	}
	after := db.Status()
	if before.Ecosystems[0].File != after.Ecosystems[0].File || before.Ecosystems[2].File == after.Ecosystems[2].File {
		t.Errorf("files: unchanged Debian must keep its file, PyPI must get a new one: before %+v after %+v", before, after)
	}
	// Garbage collection: only the manifest's files remain.
	matches, _ := filepath.Glob(filepath.Join(dir, "*.db"))
	if len(matches) != 3 {
		t.Errorf("db files after update: %v, want 3", matches)
	}
	var done, imported int
	for _, e := range events {
		switch e.Phase {
		case PhaseDone:
			done++
		case PhaseImport:
			if e.Ecosystem != "PyPI" {
				t.Errorf("import progress for unchanged %s", e.Ecosystem)
			}
			imported++
		}
	}
	if done != 3 || imported == 0 {
		t.Errorf("progress: %d done events, %d import events; want 3 and some", done, imported)
	}
}

func TestUpdateInvalidMembers(t *testing.T) {
	src, dir := t.TempDir(), t.TempDir()
	// A real bomb: 17 MiB of spaces deflate to a few KiB.
	bomb := member{name: "BOMB-1.json", data: append([]byte(`{"id":"BOMB-1","modified":"2024-01-01T00:00:00Z"`),
		append(bytes.Repeat([]byte(" "), 17<<20), '}')...)}
	writeSource(t, src, map[string][]member{"npm": {
		rec("GOOD-1", "npm", "left-pad", "2024-01-01T00:00:00Z"),
		{name: "bad-json.json", data: []byte(`{"id": "X", "modified": `)},
		{name: "no-id.json", data: []byte(`{"modified": "2024-01-01T00:00:00Z"}`)},
		{name: "no-modified.json", data: []byte(`{"id": "X-1"}`)},
		{name: "calver.json", data: []byte(`{"id":"X-2","modified":"2024-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"npm","name":"a"},"ranges":[{"type":"CALVER","events":[{"introduced":"0"}]}]}]}`)},
		{name: "empty-event.json", data: []byte(`{"id":"X-3","modified":"2024-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"npm","name":"a"},"ranges":[{"type":"SEMVER","events":[{}]}]}]}`)},
		{name: "README.md", data: []byte("# not a record")},
		{name: "sub/", data: nil},
		{name: "../../etc/evil.json", data: rec("EVIL-1", "npm", "evil", "2024-01-01T00:00:00Z").data},
		bomb,
		rec("GOOD-1", "npm", "duplicate", "2024-01-01T00:00:00Z"),
		rec("GOOD-2", "npm", "left-pad", "2024-01-01T00:00:00Z"),
	}})
	// A liar: its header declares 10 bytes, it inflates to 1 MiB.
	zipPath := filepath.Join(src, "npm", archiveFile)
	appendLiar(t, zipPath, "LIAR-1.json", 10, bytes.Repeat([]byte("x"), 1<<20))
	rep, err := Update(t.Context(), UpdateOptions{Dir: dir, From: src})
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	got := rep.Ecosystems[0]
	wantSamples := []string{
		"bad-json.json: decode json: unexpected end of JSON input",
		"no-id.json: id: missing",
		"no-modified.json: modified: missing",
		`calver.json: affected[0].ranges[0].type: unknown range type "CALVER"`,
		"empty-event.json: affected[0].ranges[0].events[0]: no version",
		"README.md: not a .json member",
		"BOMB-1.json: member of 17825841 bytes is over the limit of 16777216",
		`GOOD-1.json: duplicate id "GOOD-1"`,
		"LIAR-1.json: read member: zip: not a valid zip file",
	}
	if got.Status != StatusNew || got.Records != 3 || got.Invalid != len(wantSamples) {
		t.Errorf("report = %+v, want new, 3 records (GOOD-1, GOOD-2, EVIL-1), %d invalid", got, len(wantSamples))
	}
	if diff := cmp.Diff(wantSamples, got.InvalidSamples); diff != "" {
		t.Errorf("invalid samples (-want +got):\n%s", diff)
	}
	db := mustOpen(t, dir)
	if diff := cmp.Diff([]string{"GOOD-1", "GOOD-2"}, queryIDs(t, db, "npm", "left-pad")); diff != "" {
		t.Errorf("Query(left-pad) (-want +got):\n%s", diff)
	}
	if got := queryIDs(t, db, "npm", "duplicate"); len(got) != 0 {
		t.Errorf("the second GOOD-1 was indexed: %v", got)
	}
	// The member named like a path was imported, never written anywhere.
	if _, err := os.Stat(filepath.Join(dir, "..", "..", "etc", "evil.json")); err == nil {
		t.Errorf("zip member written to disk")
	}
	if st := db.Status(); st.Ecosystems[0].Invalid != len(wantSamples) {
		t.Errorf("Status invalid = %d, want %d", st.Ecosystems[0].Invalid, len(wantSamples))
	}
}

// TestUpdateLimits checks that an archive over the total or member-count
// limit fails its ecosystem only, keeping the previous data.
func TestUpdateLimits(t *testing.T) {
	src, dir := t.TempDir(), t.TempDir()
	writeSource(t, src, baseArchives(t))
	if _, err := Update(t.Context(), UpdateOptions{Dir: dir, From: src}); err != nil {
		t.Fatal(err)
	}
	queries := [][2]string{{"PyPI", "other"}, {"Debian:11", "openssl"}}
	before := snapshot(t, dir, queries)
	var many []member
	for i := range 50 {
		many = append(many, rec("PYSEC-2100-"+strings.Repeat("1", i+1), "PyPI", "other", "2024-01-01T00:00:00Z"))
	}
	writeSource(t, src, map[string][]member{"PyPI": many})
	tests := []struct {
		name   string
		limits Limits
		want   string
	}{
		{"total", Limits{MaxTotalSize: 4 << 10}, "archive expands to more than 4096 bytes"},
		{"members", Limits{MaxMembers: 10}, "50 members, over the limit of 10"},
		{"archive", Limits{MaxArchiveSize: 4 << 10}, "over the limit of 4096"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep, err := Update(t.Context(), UpdateOptions{Dir: dir, From: src, Limits: tt.limits})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Update error %v, want %q", err, tt.want)
			}
			for _, e := range rep.Ecosystems {
				if wantFailed := e.Name == "PyPI"; (e.Status == StatusFailed) != wantFailed {
					t.Errorf("%s status %s", e.Name, e.Status)
				}
			}
			if diff := cmp.Diff(before, snapshot(t, dir, queries)); diff != "" {
				t.Errorf("database changed by a failed update (-before +after):\n%s", diff)
			}
		})
	}
}

// TestUpdateCancel cancels an update in the middle of an import and checks
// that the previous database is intact and a later update works.
func TestUpdateCancel(t *testing.T) {
	src, dir := t.TempDir(), t.TempDir()
	writeSource(t, src, baseArchives(t))
	if _, err := Update(t.Context(), UpdateOptions{Dir: dir, From: src}); err != nil {
		t.Fatal(err)
	}
	queries := [][2]string{{"PyPI", "other"}, {"PyPI", "new0"}, {"Debian:11", "openssl"}}
	before := snapshot(t, dir, queries)
	manifestBefore, _ := os.ReadFile(filepath.Join(dir, manifestName))

	var many []member
	for i := range 3 * progressEvery {
		many = append(many, rec("PYSEC-2101-"+strconv.Itoa(i), "PyPI", "new"+strconv.Itoa(i%10), "2024-01-01T00:00:00Z"))
	}
	writeSource(t, src, map[string][]member{"PyPI": many})
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var imported atomic.Int32
	_, err := Update(ctx, UpdateOptions{Dir: dir, From: src, Progress: func(p Progress) {
		if p.Phase == PhaseImport && p.Records > 0 {
			imported.Store(int32(p.Records))
			cancel()
		}
	}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Update error %v, want context.Canceled", err)
	}
	if imported.Load() == 0 || int(imported.Load()) >= len(many) {
		t.Fatalf("cancelled after %d of %d records, want midway", imported.Load(), len(many))
	}
	manifestAfter, _ := os.ReadFile(filepath.Join(dir, manifestName))
	if !cmp.Equal(manifestBefore, manifestAfter) {
		t.Errorf("manifest changed by a cancelled update")
	}
	if diff := cmp.Diff(before, snapshot(t, dir, queries)); diff != "" {
		t.Errorf("database changed by a cancelled update (-before +after):\n%s", diff)
	}
	rep, err := Update(t.Context(), UpdateOptions{Dir: dir, From: src})
	if err != nil {
		t.Fatalf("Update after cancel: %v", err)
	}
	if got := rep.Ecosystems[2]; got.Status != StatusUpdated || got.Records != len(many) {
		t.Errorf("PyPI after cancel: %+v", got)
	}
	leftovers, _ := filepath.Glob(filepath.Join(dir, "*tmp*"))
	if len(leftovers) != 0 {
		t.Errorf("temporary files left: %v", leftovers)
	}
}

func TestUpdateHTTP(t *testing.T) {
	src, dir := t.TempDir(), t.TempDir()
	writeSource(t, src, baseArchives(t))
	var zipBytesServed, notModified atomic.Int64
	files := http.FileServer(http.Dir(src))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cw := &countingWriter{ResponseWriter: w}
		files.ServeHTTP(cw, r)
		if strings.HasSuffix(r.URL.Path, "/all.zip") {
			zipBytesServed.Add(cw.n)
			if cw.status == http.StatusNotModified {
				notModified.Add(1)
			}
		}
	}))
	defer srv.Close()

	rep, err := Update(t.Context(), UpdateOptions{Dir: dir, From: srv.URL})
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	if rep.Failed() != 0 || len(rep.Ecosystems) != 3 || zipBytesServed.Load() == 0 {
		t.Fatalf("first update: %+v, %d bytes", rep, zipBytesServed.Load())
	}
	zipBytesServed.Store(0)
	rep, err = Update(t.Context(), UpdateOptions{Dir: dir, From: srv.URL})
	if err != nil {
		t.Fatalf("second Update: %v", err)
	}
	for _, e := range rep.Ecosystems {
		if e.Status != StatusUnchanged || e.Bytes != 0 {
			t.Errorf("second update %s: %s, %d bytes; want unchanged, 0", e.Name, e.Status, e.Bytes)
		}
	}
	if zipBytesServed.Load() != 0 || notModified.Load() != 3 {
		t.Errorf("second update transferred %d zip bytes with %d 304s, want 0 and 3", zipBytesServed.Load(), notModified.Load())
	}
	if diff := cmp.Diff([]string{"DSA-9999-1", "DSA-9999-3"}, queryIDs(t, mustOpen(t, dir), "Debian:11", "openssl")); diff != "" {
		t.Errorf("Query (-want +got):\n%s", diff)
	}

	// Missing archive: a clear error naming the URL, other ecosystems fine.
	rep, err = Update(t.Context(), UpdateOptions{Dir: dir, From: srv.URL, Ecosystems: []string{"Go", "PyPI"}})
	if err == nil || err.Error() != srv.URL+"/<ecosystem>/all.zip: HTTP 404 Not Found (1 ecosystem: Go)" {
		t.Errorf("Update(Go) error %v, want a 404 naming the URL", err)
	}
	if rep == nil || rep.Failed() != 1 {
		t.Errorf("report %+v, want Go failed only", rep)
	}
}

type countingWriter struct {
	http.ResponseWriter
	n      int64
	status int
}

func (c *countingWriter) WriteHeader(code int) { c.status = code; c.ResponseWriter.WriteHeader(code) }
func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.ResponseWriter.Write(p)
	c.n += int64(n)
	return n, err
}

func TestUpdateUnreachable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close() // nothing listens there any more
	_, err := Update(t.Context(), UpdateOptions{Dir: t.TempDir(), From: url})
	if want := "cannot reach " + url + ": connection refused"; !errors.Is(err, ErrUnreachable) || err.Error() != want {
		t.Errorf("Update error %v, want ErrUnreachable %q", err, want)
	}
	_, err = Update(t.Context(), UpdateOptions{Dir: t.TempDir(), From: url, Ecosystems: []string{"Go"}})
	if want := "cannot reach " + url + ": connection refused (1 ecosystem: Go)"; !errors.Is(err, ErrUnreachable) || err.Error() != want {
		t.Errorf("Update(Go) error %v, want ErrUnreachable %q", err, want)
	}
}

func TestUpdateLocked(t *testing.T) {
	dir := t.TempDir()
	unlock, err := lockDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	if _, err := Update(t.Context(), UpdateOptions{Dir: dir, From: t.TempDir()}); !errors.Is(err, ErrLocked) {
		t.Errorf("Update error %v, want ErrLocked", err)
	}
}

func TestUpdateBadOptions(t *testing.T) {
	tests := []struct {
		name string
		opts UpdateOptions
		want string
	}{
		{"traversal", UpdateOptions{Ecosystems: []string{"../x"}}, `invalid ecosystem name "../x"`},
		{"suffix", UpdateOptions{Ecosystems: []string{"Debian:11"}}, `invalid ecosystem name "Debian:11": name the archive ("Debian")`},
		{"missing dir", UpdateOptions{From: "/nonexistent/osv"}, "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.Dir = t.TempDir()
			if tt.opts.From == "" {
				tt.opts.From = t.TempDir()
			}
			if _, err := Update(t.Context(), tt.opts); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Update error %v, want %q", err, tt.want)
			}
		})
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := Open(dir); !errors.Is(err, ErrNoDatabase) {
		t.Errorf("Open(empty) error %v, want ErrNoDatabase", err)
	}
	os.WriteFile(filepath.Join(dir, manifestName), []byte(`{"schema_version": 999}`), 0o644)
	if _, err := Open(dir); !errors.Is(err, ErrSchema) {
		t.Errorf("Open(schema 999) error %v, want ErrSchema", err)
	}
	os.WriteFile(filepath.Join(dir, manifestName), []byte(`{"schema_version": 1, "ecosystems": [{"name": "x", "file": "../../etc/passwd"}]}`), 0o644)
	if _, err := Open(dir); err == nil || !strings.Contains(err.Error(), "bad file name") {
		t.Errorf("Open(traversal) error %v, want bad file name", err)
	}
}

func TestDefaultDir(t *testing.T) {
	t.Setenv(EnvDir, "/custom/db")
	if d, err := DefaultDir(); err != nil || d != "/custom/db" {
		t.Errorf("DefaultDir() with %s = %q, %v", EnvDir, d, err)
	}
	t.Setenv(EnvDir, "")
	t.Setenv("XDG_CACHE_HOME", "/xdg")
	t.Setenv("HOME", "/home/u")
	want := filepath.Join("/xdg", "vigil", "db")
	if d, err := DefaultDir(); err != nil || d != want {
		t.Errorf("DefaultDir() = %q, %v; want %q", d, err, want)
	}
}

func TestNormalizeName(t *testing.T) {
	tests := []struct{ eco, in, want string }{
		{"PyPI", "Django", "django"},
		{"PyPI", "zope.interface", "zope-interface"},
		{"PyPI", "a_-._b", "a-b"},
		{"PyPI", "-x-", "-x-"},
		{"npm", "@Scope/Pkg_x", "@Scope/Pkg_x"},
		{"Debian:12", "Foo.bar", "Foo.bar"},
		{"Go", "github.com/BurntSushi/toml", "github.com/BurntSushi/toml"},
	}
	for _, tt := range tests {
		if got := NormalizeName(tt.eco, tt.in); got != tt.want {
			t.Errorf("NormalizeName(%q, %q) = %q, want %q", tt.eco, tt.in, got, tt.want)
		}
	}
}

// appendLiar rewrites the zip at path with one more member whose header
// declares size bytes but whose deflated data inflates to data.
func appendLiar(t *testing.T, path, name string, size uint64, data []byte) {
	t.Helper()
	old, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range old.File {
		if err := zw.Copy(f); err != nil {
			t.Fatal(err)
		}
	}
	var deflated bytes.Buffer
	fw, _ := flate.NewWriter(&deflated, flate.BestSpeed)
	fw.Write(data)
	fw.Close()
	w, err := zw.CreateRaw(&zip.FileHeader{Name: name, Method: zip.Deflate, CRC32: crc32.ChecksumIEEE(data),
		CompressedSize64: uint64(deflated.Len()), UncompressedSize64: size})
	if err != nil {
		t.Fatal(err)
	}
	w.Write(deflated.Bytes())
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestParseList(t *testing.T) {
	tests := []struct {
		name, in string
		want     []string
		wantErr  string
	}{
		{"plain", "Go\nPyPI\n\n  npm  \n", []string{"Go", "PyPI", "npm"}, ""},
		{"releases skipped", "Debian\nDebian:11\nGitHub Actions\n", []string{"Debian", "GitHub Actions"}, ""},
		{"traversal", "Go\n../etc\n", nil, `ecosystems.txt:2: invalid ecosystem name "../etc"`},
		{"control", "Go\x01x\n", nil, "ecosystems.txt:1: invalid ecosystem name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseList("ecosystems.txt", strings.NewReader(tt.in))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("parseList error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("parseList (-want +got):\n%s", diff)
			}
		})
	}
}

// TestUpdateRepairsDamagedFile checks that a damaged or missing ecosystem
// file makes Query fail cleanly and the next update rebuild it, although
// its archive did not change.
func TestUpdateRepairsDamagedFile(t *testing.T) {
	for _, damage := range []string{"truncate", "garbage", "remove"} {
		t.Run(damage, func(t *testing.T) {
			src, dir := t.TempDir(), t.TempDir()
			writeSource(t, src, baseArchives(t))
			if _, err := Update(t.Context(), UpdateOptions{Dir: dir, From: src}); err != nil {
				t.Fatal(err)
			}
			files, _ := filepath.Glob(filepath.Join(dir, "PyPI-*.db"))
			if len(files) != 1 {
				t.Fatalf("PyPI files: %v", files)
			}
			switch damage {
			case "truncate":
				os.Truncate(files[0], 100)
			case "garbage":
				data, _ := os.ReadFile(files[0])
				for i := 4096 * 2; i < len(data); i++ {
					data[i] ^= 0x5a
				}
				os.WriteFile(files[0], data, 0o644)
			case "remove":
				os.Remove(files[0])
			}
			db := mustOpen(t, dir)
			if _, err := db.Query(t.Context(), "PyPI", "other"); err == nil {
				t.Errorf("Query on a damaged file succeeded")
			}
			db.Close()
			rep, err := Update(t.Context(), UpdateOptions{Dir: dir, From: src})
			if err != nil {
				t.Fatalf("Update: %v", err)
			}
			if got := rep.Ecosystems[2]; got.Name != "PyPI" || got.Status != StatusUpdated || got.Records != 3 {
				t.Errorf("PyPI after damage: %+v", got)
			}
			if diff := cmp.Diff([]string{"PYSEC-2099-3"}, queryIDs(t, mustOpen(t, dir), "PyPI", "other")); diff != "" {
				t.Errorf("Query after repair (-want +got):\n%s", diff)
			}
		})
	}
}

// TestUpdateFailuresGrouped: ecosystems that fail for the same cause (the
// kind of failure and the host or directory) are one line of the error, with
// the ecosystems it cost, whatever their number.
func TestUpdateFailuresGrouped(t *testing.T) {
	src := t.TempDir()
	writeSource(t, src, map[string][]member{"npm": {rec("GHSA-1", "npm", "a", "2024-01-01T00:00:00Z")}})
	// The mirror has npm; Go and PyPI are 404, crates.io is 500.
	files := http.FileServer(http.Dir(src))
	mirror := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/crates.io/") {
			http.Error(w, "boom", http.StatusInternalServerError)
			return
		}
		files.ServeHTTP(w, r)
	}))
	defer mirror.Close()
	closed := httptest.NewServer(http.NotFoundHandler())
	refused := closed.URL
	closed.Close()
	// Resolution fails the same way with or without a network: the client
	// never asks a resolver.
	noDNS := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, _, _ := net.SplitHostPort(addr)
		return nil, &net.OpError{Op: "dial", Net: network, Err: &net.DNSError{Err: "no such host", Name: host, Server: "10.0.0.53:53", IsNotFound: true}}
	}}}
	all := []string{"Go", "PyPI", "RubyGems", "crates.io", "npm"}
	tests := []struct {
		name        string
		opts        UpdateOptions
		want        string
		unreachable bool
	}{
		{
			name:        "no such host",
			opts:        UpdateOptions{From: "https://osv.invalid", HTTPClient: noDNS, Ecosystems: all},
			want:        "cannot reach https://osv.invalid: no such host (5 ecosystems: Go, PyPI, RubyGems, crates.io, npm)",
			unreachable: true,
		},
		{
			name:        "no such host for the list",
			opts:        UpdateOptions{From: "https://osv.invalid/osv/", HTTPClient: noDNS},
			want:        "cannot reach https://osv.invalid: no such host",
			unreachable: true,
		},
		{
			name:        "connection refused",
			opts:        UpdateOptions{From: refused, Ecosystems: all},
			want:        "cannot reach " + refused + ": connection refused (5 ecosystems: Go, PyPI, RubyGems, crates.io, npm)",
			unreachable: true,
		},
		{
			name: "mirror without some ecosystems",
			opts: UpdateOptions{From: mirror.URL, Ecosystems: all},
			want: mirror.URL + "/<ecosystem>/all.zip: HTTP 404 Not Found (3 ecosystems: Go, PyPI, RubyGems)\n" +
				mirror.URL + "/<ecosystem>/all.zip: HTTP 500 Internal Server Error (1 ecosystem: crates.io)",
		},
		{
			name: "directory without some ecosystems",
			opts: UpdateOptions{From: src, Ecosystems: []string{"Go", "PyPI", "npm"}},
			want: filepath.Join(src, "<ecosystem>", archiveFile) + ": no such file or directory (2 ecosystems: Go, PyPI)",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.Dir = t.TempDir()
			_, err := Update(t.Context(), tt.opts)
			if err == nil {
				t.Fatalf("Update: no error, want %q", tt.want)
			}
			if diff := cmp.Diff(tt.want, err.Error()); diff != "" {
				t.Errorf("Update error mismatch (-want +got):\n%s", diff)
			}
			var ue *UpdateError
			if !errors.As(err, &ue) {
				t.Errorf("Update error %T, want an *UpdateError", err)
			}
			if got := errors.Is(err, ErrUnreachable); got != tt.unreachable {
				t.Errorf("errors.Is(err, ErrUnreachable) = %v, want %v", got, tt.unreachable)
			}
		})
	}
}

func TestHTTPSourceStringRedactsPassword(t *testing.T) {
	for in, want := range map[string]string{
		"https://ci:s3cret-token@mirror.example/osv": "https://ci:REDACTED@mirror.example/osv",
		"https://token@mirror.example/osv":           "https://token@mirror.example/osv",
		"http://127.0.0.1:8080/osv":                  "http://127.0.0.1:8080/osv",
	} {
		src, err := newSource(in, nil, t.TempDir(), 1<<20, time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if got := src.String(); got != want {
			t.Errorf("source %q: String() = %q, want %q", in, got, want)
		}
	}
}
