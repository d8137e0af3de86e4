package apkdb

import (
	"errors"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/vigil-sec/vigil/internal/inventory"
)

func TestExtract(t *testing.T) {
	const p = "lib/apk/db/installed"
	loc := func(line int) []inventory.Location { return []inventory.Location{{Path: p, Line: line}} }
	want := []inventory.Package{
		{Name: "busybox-binsh", Version: "1.36.1-r29", Ecosystem: "Alpine:v3.20", Locations: loc(27), Extractor: Name,
			SourceName: "busybox", SourceVersion: "1.36.1-r29",
			PURL: "pkg:apk/alpine/busybox-binsh@1.36.1-r29?arch=x86_64&distro=alpine-3.20.1&upstream=busybox"},
		{Name: "libcrypto3", Version: "3.3.1-r0", Ecosystem: "Alpine:v3.20", Locations: loc(18), Extractor: Name,
			SourceName: "openssl", SourceVersion: "3.3.1-r0", Licenses: []string{"Apache-2.0"},
			PURL: "pkg:apk/alpine/libcrypto3@3.3.1-r0?arch=x86_64&distro=alpine-3.20.1&upstream=openssl"},
		{Name: "musl", Version: "1.2.5-r0", Ecosystem: "Alpine:v3.20", Locations: loc(1), Extractor: Name,
			SourceName: "musl", SourceVersion: "1.2.5-r0", Licenses: []string{"MIT"},
			PURL: "pkg:apk/alpine/musl@1.2.5-r0?arch=x86_64&distro=alpine-3.20.1"},
	}
	ex := New()
	if !ex.Match(p, nil) || ex.Match("lib/apk/db/triggers", nil) {
		t.Fatal("Match wrong")
	}
	got, err := inventory.ExtractFile(t.Context(), os.DirFS("testdata/rootfs"), p, nil, ex, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	inventory.Sort(got)
	if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("Extract mismatch (-want +got):\n%s", diff)
	}
}

func TestExtractMalformed(t *testing.T) {
	_, err := inventory.ExtractFile(t.Context(), os.DirFS("testdata/malformed"), "installed", nil, New(), 1<<20)
	var pe *inventory.ParseError
	if !errors.As(err, &pe) || pe.Path != "installed" {
		t.Fatalf("error = %v, want a *ParseError naming the file", err)
	}
}
