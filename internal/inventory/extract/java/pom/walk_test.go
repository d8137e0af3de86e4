package pom

import (
	"testing"

	"github.com/vigil-sec/vigil/internal/testutil"
)

// TestWalkMalformed scans a malformed file beside a good one: the good one
// must still be reported and the bad one must become one issue with its
// line.
func TestWalkMalformed(t *testing.T) {
	testutil.CheckWalkMalformed(t, testutil.MalformedBesideGood{
		Extractor: New(Options{}), FileName: "pom.xml",
		Good: "testdata/spring-app.xml", Bad: "testdata/malformed/mismatched.xml",
		IssueLine: 5, BadKeepsLines: false,
	})
}
