package gradlelockfile

import (
	"testing"

	"github.com/vigil-sec/vigil/internal/testutil"
)

// TestWalkMalformed scans a malformed file beside a good one: the good one
// must still be reported and the bad one must become one issue with its
// line (its good lines are still reported).
func TestWalkMalformed(t *testing.T) {
	testutil.CheckWalkMalformed(t, testutil.MalformedBesideGood{
		Extractor: New(), FileName: "gradle.lockfile",
		Good: "testdata/gradle7-app.lockfile", Bad: "testdata/malformed/malformed.lockfile",
		IssueLine: 3, BadKeepsLines: true,
	})
}
