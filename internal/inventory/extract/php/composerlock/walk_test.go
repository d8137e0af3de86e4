package composerlock

import (
	"testing"

	"github.com/vigil-sec/vigil/internal/testutil"
)

// TestWalkMalformed scans a malformed file beside a good one: the good one
// must still be reported and the bad one must become one issue with its
// line.
func TestWalkMalformed(t *testing.T) {
	testutil.CheckWalkMalformed(t, testutil.MalformedBesideGood{
		Extractor: New(), FileName: "composer.lock",
		Good: "testdata/v2-laravel.json", Bad: "testdata/malformed/truncated.json",
		IssueLine: 4, BadKeepsLines: false,
	})
}
