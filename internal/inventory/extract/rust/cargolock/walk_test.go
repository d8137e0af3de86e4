package cargolock

import (
	"testing"

	"github.com/vigil-sec/vigil/internal/testutil"
)

// TestWalkMalformed scans a malformed file beside a good one: the good one
// must still be reported and the bad one must become one issue with its
// line.
func TestWalkMalformed(t *testing.T) {
	testutil.CheckWalkMalformed(t, testutil.MalformedBesideGood{
		Extractor: New(), FileName: "Cargo.lock",
		Good: "testdata/v4-workspace.lock", Bad: "testdata/malformed/malformed-value.lock",
		IssueLine: 5, BadKeepsLines: false,
	})
}
