package server

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// TestReadDocumentReusesNoBufferItKeeps: a decoded document holds no
// reference to the pooled buffer it was inflated into: decoding every
// test document gzip'd, one after the other (each reusing the buffer and
// the gzip reader of the one before), gives what decoding it alone, from
// a body of its own, gives.
func TestReadDocumentReusesNoBufferItKeeps(t *testing.T) {
	paths, err := filepath.Glob("testdata/push/*")
	if err != nil || len(paths) == 0 {
		t.Fatal(paths, err)
	}
	var docs []*document
	var want []*document
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		d, err := readDocument(gzipped(b), DefaultLimits)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		docs = append(docs, d)
		w, err := decodeDocument(append([]byte(nil), b...))
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, w)
	}
	// Scribble over whatever buffer the pool holds now.
	buf := documentBuffers.Get().(*bytes.Buffer)
	b := buf.Bytes()[:buf.Cap()]
	for i := range b {
		b[i] = 'x'
	}
	documentBuffers.Put(buf)
	for i := range docs {
		if !reflect.DeepEqual(docs[i], want[i]) {
			t.Errorf("%s: the document decoded through the pool changed after its buffer was reused", paths[i])
		}
	}
}

// TestInflatedSizeHint: the gzip trailer's size is a hint within the
// limits and 16 times the body, whatever the trailer claims.
func TestInflatedSizeHint(t *testing.T) {
	body := gzipped(make([]byte, 100_000))
	if got := inflatedSizeHint(body, DefaultLimits); got != min(100_000, 16*len(body)) {
		t.Errorf("hint = %d for 100,000 zero bytes in %d", got, len(body))
	}
	lying := append([]byte(nil), body...)
	copy(lying[len(lying)-4:], []byte{0xff, 0xff, 0xff, 0xff})
	if got := inflatedSizeHint(lying, DefaultLimits); got != 16*len(body) {
		t.Errorf("hint = %d for a trailer claiming 4 GiB, want %d", got, 16*len(body))
	}
	if got := inflatedSizeHint([]byte{0x1f, 0x8b}, DefaultLimits); got != 0 {
		t.Errorf("hint = %d for a truncated body", got)
	}
}
