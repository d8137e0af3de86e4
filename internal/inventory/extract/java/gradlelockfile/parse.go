// Package gradlelockfile extracts Maven packages from Gradle dependency
// lock files (gradle.lockfile, buildscript-gradle.lockfile).
package gradlelockfile

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/inventory/purl"
)

// Ecosystem is the OSV ecosystem of the packages this parser returns.
const Ecosystem = "Maven"

// MaxLineLength bounds one line of a lockfile.
const MaxLineLength = 64 << 10

// Parse reads a Gradle lockfile and returns one package per
// "group:artifact:version=configurations" line. path is used in locations
// and errors. A malformed line is skipped: the packages of the other
// lines are returned with a *inventory.ParseError for the first bad one.
// A package locked only in test configurations
// (testCompileClasspath, androidTestRuntimeClasspath, ...) is Dev. Comments
// and the "empty=" line are skipped.
func Parse(r io.Reader, path string) ([]inventory.Package, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), MaxLineLength)
	var pkgs []inventory.Package
	var bad inventory.LineErrors
	lineNo := 0
	for sc.Scan() {
		lineNo++
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, "empty=") {
			continue
		}
		coords, confs, ok := strings.Cut(line, "=")
		parts := strings.Split(coords, ":")
		if !ok || len(parts) != 3 || parts[0] == "" || parts[1] == "" || parts[2] == "" {
			bad.Add(&inventory.ParseError{Path: path, Line: lineNo, Err: fmt.Errorf("invalid lock entry %q, want group:artifact:version=configurations", trunc(line))})
			continue
		}
		name := parts[0] + ":" + parts[1]
		pkgs = append(pkgs, inventory.Package{
			Name:      name,
			Version:   parts[2],
			Ecosystem: Ecosystem,
			PURL:      purl.For(Ecosystem, name, parts[2]),
			Locations: []inventory.Location{{Path: path, Line: lineNo}},
			Dev:       testOnly(confs),
		})
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			bad.Add(&inventory.ParseError{Path: path, Line: lineNo + 1, Err: fmt.Errorf("line longer than %d bytes", MaxLineLength)})
		} else {
			bad.Add(&inventory.ParseError{Path: path, Err: err})
		}
	}
	if pkgs == nil {
		pkgs = []inventory.Package{}
	}
	inventory.Sort(pkgs)
	return pkgs, bad.Err()
}

// testOnly reports whether every configuration in a comma-separated list
// is a test one: it starts with "test" or contains "Test" (Gradle's
// camel-case naming: testRuntimeClasspath, androidTestCompileClasspath,
// debugUnitTestRuntimeClasspath, testFixturesApi).
func testOnly(confs string) bool {
	if confs == "" {
		return false
	}
	for c := range strings.SplitSeq(confs, ",") {
		c = strings.TrimSpace(c)
		if !strings.HasPrefix(c, "test") && !strings.Contains(c, "Test") {
			return false
		}
	}
	return true
}

func trunc(s string) string {
	if len(s) > 80 {
		return s[:80] + "..."
	}
	return s
}
