package iac

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/vigil-sec/vigil/internal/secrets"
	"github.com/vigil-sec/vigil/internal/secrets/corpus"
)

// credentialSamples are one value of every credential format the secret
// rules' corpus generates (a new rule brings a new kind, and is covered
// here without editing this test), written as an ENV value would hold it:
// line breaks of PEM blocks as \n.
func credentialSamples() []corpus.Sample {
	s := corpus.Samples(20260601)
	for i := range s {
		s[i].Value = strings.ReplaceAll(s[i].Value, "\n", `\n`)
		s[i].Secret = strings.ReplaceAll(s[i].Secret, "\n", `\n`)
	}
	return s
}

// TestDockerfileCredentialValues: an ENV or ARG whose value matches a
// built-in secret rule is a VGL-DF-007 finding at the instruction's line,
// naming the rule, with the value redacted, whatever the variable is
// called. The secret scanner is the oracle: each KEY=VALUE is flagged with
// the rule it reports for that line. A neutral name (SETTING) shows the
// format alone; a credential name (API_TOKEN) lets the rules that need a
// name (passwords, generic tokens) match too.
func TestDockerfileCredentialValues(t *testing.T) {
	oracle, err := secrets.New(secrets.Options{})
	if err != nil {
		t.Fatal(err)
	}
	type want struct {
		kind, cmd, key, title, match string
	}
	var (
		src      strings.Builder
		expected = map[int]want{}
		detected = map[string]bool{}
		samples  = credentialSamples()
	)
	src.WriteString("FROM alpine:3.20\n")
	line := 1
	for _, s := range samples {
		for _, key := range []string{"SETTING", "API_TOKEN"} {
			found, err := oracle.ScanReader(t.Context(), "Dockerfile", strings.NewReader(key+"=\""+s.Value+"\"\n"))
			if err != nil {
				t.Fatal(err)
			}
			for _, cmd := range []string{"ENV", "ARG"} {
				fmt.Fprintf(&src, "%s %s=\"%s\"\n", cmd, key, s.Value)
				line++
				if len(found) > 0 {
					expected[line] = want{s.Kind, cmd, key, found[0].Title, found[0].Match}
					detected[s.Kind] = true
				}
			}
		}
	}
	sc, err := New(t.Context(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := sc.ScanFS(t.Context(), fstest.MapFS{"Dockerfile": {Data: []byte(src.String())}})
	if err != nil || len(res.Errors) > 0 {
		t.Fatalf("ScanFS: %v %v", err, res.Errors)
	}
	got := map[int]Finding{}
	for _, f := range res.Findings {
		if f.CheckID == "VGL-DF-007" {
			got[f.Line] = f
		}
	}
	for l, w := range expected {
		f, ok := got[l]
		msg := fmt.Sprintf("%s %s is set to a credential (%s: %s)", w.cmd, w.key, w.title, w.match)
		if !ok || f.Message != msg {
			t.Errorf("%s in %s %s (line %d): finding %q, want %q", w.kind, w.cmd, w.key, l, f.Message, msg)
		}
	}
	// Every kind is a credential to the secret rules in an ENV line;
	// npmrc-legacy alone is a bare UUID, a credential only after _auth in
	// an .npmrc.
	var missed []string
	for _, s := range samples {
		if !detected[s.Kind] {
			missed = append(missed, s.Kind)
		}
	}
	if !slices.Equal(missed, []string{"npmrc-legacy"}) {
		t.Errorf("kinds no secret rule finds in KEY=VALUE: %v, want only npmrc-legacy", missed)
	}
	// The secret never appears, nor an 8-byte piece of it.
	out, err := json.Marshal(res.Findings)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range samples {
		for _, part := range secretPieces(s.Secret) {
			if strings.Contains(string(out), part) {
				t.Errorf("%s: findings leak %q", s.Kind, part)
			}
		}
	}
}

// secretPieces are the whole secret, its last 8 bytes and 8 from its
// middle: a long prefix or suffix in output is a leak too.
func secretPieces(s string) []string {
	if len(s) < 8 {
		return []string{s}
	}
	return []string{s, s[len(s)-8:], s[len(s)/2-4 : len(s)/2+4]}
}
