package server

import (
	"bytes"
	"compress/gzip"
	"errors"
	"testing"
	"time"

	"github.com/vigil-sec/vigil/internal/testutil"
)

// fuzzLimits are small, so that bombs and oversized bodies are cheap to
// find and every limit is reachable from small inputs.
var fuzzLimits = Limits{MaxBody: 256 << 10, MaxInflated: 4 << 20, MaxRatio: 50}

func gzipped(b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

// FuzzReadDocument: whatever is pushed, readDocument never panics or
// hangs, fails only with errDocument (422) or errTooLarge (413), honours
// MaxBody, and a document it accepts has a report and an inventory digest.
//
//	go test -fuzz=FuzzReadDocument -fuzztime=60s ./internal/server
func FuzzReadDocument(f *testing.F) {
	testutil.AddFuzzFiles(f, "testdata/push/*", "testdata/*.json")
	seeds := [][]byte{
		[]byte(`{"bomFormat":"CycloneDX","specVersion":"1.6","components":[{"name":"a","version":"1","purl":"pkg:npm/a@1"}]}`),
		[]byte(`{"spdxVersion":"SPDX-2.3","packages":[{"name":"a","versionInfo":"1"}]}`),
		[]byte(`{"schema_version":"1.0.0","tool":{"name":"vigil"},"packages":[]}`),
		[]byte(`{"schema_version":"9.0.0","tool":{"name":"vigil"}}`),
		[]byte("SPDXVersion: SPDX-2.3\nPackageName: a\nPackageVersion: 1\n"),
		[]byte(`<bom xmlns="http://cyclonedx.org/schema/bom/1.5"><components><component type="library"><name>a</name></component></components></bom>`),
		[]byte(`{"bomFormat":"CycloneDX","components":[[[[[[[[`),
		{0x1f, 0x8b},
		{},
	}
	for _, s := range seeds {
		f.Add(s)
		f.Add(gzipped(s))
	}
	f.Add(gzipped(bytes.Repeat([]byte(" "), 8<<20))) // inflates past MaxInflated
	f.Add(gzipped(gzipped(seeds[0])))                // gzip in gzip
	f.Add(gzipped(seeds[0])[:20])                    // truncated gzip
	f.Fuzz(func(t *testing.T, body []byte) {
		start := time.Now()
		doc, err := readDocument(body, fuzzLimits)
		if d := time.Since(start); d > 10*time.Second {
			t.Errorf("readDocument of %d bytes took %s", len(body), d)
		}
		if errors.Is(err, errDecoderPanic) {
			t.Fatalf("a decoder panicked: %v", err)
		}
		if err != nil {
			if !errors.Is(err, errDocument) && !errors.Is(err, errTooLarge) {
				t.Fatalf("error %v is neither errDocument nor errTooLarge (would be a 500)", err)
			}
			return
		}
		if int64(len(body)) > fuzzLimits.MaxBody {
			t.Fatalf("accepted a %d-byte body over MaxBody %d", len(body), fuzzLimits.MaxBody)
		}
		if doc == nil || doc.Report == nil || doc.Format == "" || doc.Skipped < 0 {
			t.Fatalf("accepted without a report: %+v", doc)
		}
		if d := inventoryDigest(doc.Report); len(d) != len("sha256:")+64 {
			t.Fatalf("inventory digest %q of an accepted document", d)
		}
	})
}
