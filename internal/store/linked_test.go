package store

import (
	"slices"
	"testing"
)

func TestLinked(t *testing.T) {
	old := []storedFinding{
		{key: "a", vuln: "GHSA-a", aliases: []string{"CVE-a"}},
		{key: "b", vuln: "GHSA-b", aliases: []string{"CVE-b"}},
		{key: "c", vuln: "GHSA-c"},
	}
	fresh := []NewFinding{
		// The new record X aliases CVE-b: b's group is now X's.
		{Key: "x", VulnerabilityID: "X", Aliases: []string{"CVE-b", "GHSA-b"}},
		{Key: "a", VulnerabilityID: "GHSA-a", Aliases: []string{"CVE-a"}},
		{Key: "c", VulnerabilityID: "GHSA-c"},
		// d is linked to X only through the stored b (a split of b's group).
		{Key: "d", VulnerabilityID: "GHSA-d", Aliases: []string{"CVE-b"}},
	}
	o, f := linked(map[string]bool{"X": true}, old, fresh)
	var ok, fk []string
	for _, x := range o {
		ok = append(ok, x.key)
	}
	for _, x := range f {
		fk = append(fk, x.Key)
	}
	if !slices.Equal(ok, []string{"b"}) || !slices.Equal(fk, []string{"x", "d"}) {
		t.Errorf("linked to X: stored %v, fresh %v; want [b] and [x d]", ok, fk)
	}
	if o, f := linked(map[string]bool{"Y": true}, old, fresh); len(o)+len(f) != 0 {
		t.Errorf("linked to an id none has: %v %v", o, f)
	}
}
