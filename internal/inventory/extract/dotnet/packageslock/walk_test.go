package packageslock

import (
	"testing"

	"github.com/vigil-sec/vigil/internal/testutil"
)

// TestWalkMalformed scans a malformed file beside a good one: the good one
// must still be reported and the bad one must become one issue with its
// line.
func TestWalkMalformed(t *testing.T) {
	testutil.CheckWalkMalformed(t, testutil.MalformedBesideGood{
		Extractor: New(), FileName: "packages.lock.json",
		Good: "testdata/v1-multi-target.json", Bad: "testdata/malformed/wrong-type.json",
		IssueLine: 5, BadKeepsLines: false,
	})
}
