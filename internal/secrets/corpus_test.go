package secrets_test

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/vigil-sec/vigil/internal/secrets"
	"github.com/vigil-sec/vigil/internal/secrets/corpus"
)

const corpusSeed = 20260423

// generateCorpus expands the labelled corpus templates into an in-memory FS.
func generateCorpus(t testing.TB, copies int) (*corpus.Corpus, fstest.MapFS) {
	t.Helper()
	c, err := corpus.Generate(os.DirFS("testdata/corpus"), copies, corpusSeed)
	if err != nil {
		t.Fatal(err)
	}
	fsys := fstest.MapFS{}
	for _, f := range c.Files {
		fsys[f.Path] = &fstest.MapFile{Data: f.Content, Mode: 0o644}
	}
	return c, fsys
}

type lineKey struct {
	path string
	line int
}

// score compares findings with labels line by line: a labelled line with
// at least one finding is a true positive, a labelled line without one a
// false negative, and each other line with a finding a false positive.
func score(labels []corpus.Label, findings []secrets.Finding) (tp, fn, fp int, misses []corpus.Label, extra []secrets.Finding) {
	want := map[lineKey]bool{}
	for _, l := range labels {
		want[lineKey{l.Path, l.Line}] = true
	}
	got := map[lineKey]bool{}
	for _, f := range findings {
		k := lineKey{f.Path, f.Line}
		if !got[k] && !want[k] {
			fp++
			extra = append(extra, f)
		}
		got[k] = true
	}
	for _, l := range labels {
		if got[lineKey{l.Path, l.Line}] {
			tp++
		} else {
			fn++
			misses = append(misses, l)
		}
	}
	return tp, fn, fp, misses, extra
}

func TestCorpusPrecisionRecall(t *testing.T) {
	c, fsys := generateCorpus(t, 6)
	s, err := secrets.New(secrets.Options{})
	if err != nil {
		t.Fatal(err)
	}
	findings, ferrs, err := s.ScanFS(t.Context(), fsys)
	if err != nil {
		t.Fatal(err)
	}
	if len(ferrs) > 0 {
		t.Fatalf("file errors: %v", ferrs)
	}
	tp, fn, fp, misses, extra := score(c.Labels, findings)
	precision := float64(tp) / float64(tp+fp)
	recall := float64(tp) / float64(tp+fn)
	t.Logf("corpus: %d files, %d labelled secrets: TP=%d FN=%d FP=%d precision=%.3f recall=%.3f",
		len(c.Files), len(c.Labels), tp, fn, fp, precision, recall)
	seen := map[string]bool{}
	for _, m := range misses {
		if !seen["miss "+m.Kind] {
			seen["miss "+m.Kind] = true
			t.Logf("missed %s at %s:%d", m.Kind, m.Path, m.Line)
		}
	}
	for _, f := range extra {
		k := "fp " + f.RuleID + strings.SplitN(f.Path, "/", 2)[1]
		if !seen[k] {
			seen[k] = true
			t.Logf("false positive %s at %s:%d:%d (%s)", f.RuleID, f.Path, f.Line, f.Column, f.Match)
		}
	}
	if precision < 0.95 || recall < 0.95 {
		t.Errorf("precision %.3f, recall %.3f: want both >= 0.95", precision, recall)
	}
	// Every generated kind must be found at least once.
	found := map[string]bool{}
	for _, l := range c.Labels {
		found[l.Kind] = found[l.Kind] || !containsLabel(misses, l)
	}
	var never []string
	for k, ok := range found {
		if !ok {
			never = append(never, k)
		}
	}
	sort.Strings(never)
	if len(never) > 0 {
		t.Errorf("kinds never detected: %v", never)
	}
}

func containsLabel(ls []corpus.Label, l corpus.Label) bool {
	for _, x := range ls {
		if x.Path == l.Path && x.Line == l.Line {
			return true
		}
	}
	return false
}

// TestNoSecretInOutput scans the whole corpus and checks that no secret
// appears in full in the JSON encoding of the findings.
func TestNoSecretInOutput(t *testing.T) {
	c, fsys := generateCorpus(t, 2)
	s, err := secrets.New(secrets.Options{})
	if err != nil {
		t.Fatal(err)
	}
	findings, _, err := s.ScanFS(t.Context(), fsys)
	if err != nil {
		t.Fatal(err)
	}
	if len(findings) == 0 {
		t.Fatal("no findings")
	}
	out, err := json.Marshal(findings)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range c.Labels {
		sec := l.Secret
		if len(sec) < 8 {
			continue
		}
		// Check the whole secret and two 8-byte pieces of it (its end and
		// middle): a long prefix or suffix would be a leak too.
		for _, part := range []string{sec, sec[len(sec)-8:], sec[len(sec)/2-4 : len(sec)/2+4]} {
			if strings.Contains(string(out), part) {
				t.Errorf("%s secret at %s:%d leaks %q into JSON output", l.Kind, l.Path, l.Line, part)
			}
		}
	}
	for _, f := range findings {
		if !strings.HasSuffix(f.Match, "…") || len(f.Match) > len("…")+4 {
			t.Errorf("%s:%d: Match %q is not a short redacted prefix", f.Path, f.Line, f.Match)
		}
		if !strings.HasPrefix(f.Fingerprint, "sha256:") || len(f.Fingerprint) != len("sha256:")+16 {
			t.Errorf("%s:%d: bad fingerprint %q", f.Path, f.Line, f.Fingerprint)
		}
	}
}

// TestWriteCorpus writes the expanded corpus and its labels to the
// directory in VIGIL_SECRETS_CORPUS_OUT (used by bench/secrets.sh to score
// other scanners on the same input).
func TestWriteCorpus(t *testing.T) {
	dir := os.Getenv("VIGIL_SECRETS_CORPUS_OUT")
	if dir == "" {
		t.Skip("VIGIL_SECRETS_CORPUS_OUT not set")
	}
	c, _ := generateCorpus(t, 6)
	for _, f := range c.Files {
		p := dir + "/files/" + f.Path
		if err := os.MkdirAll(p[:strings.LastIndexByte(p, '/')], 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, f.Content, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b, err := json.MarshalIndent(c.Labels, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dir+"/labels.json", b, 0o644); err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(os.Stderr, "wrote %d files, %d labels to %s\n", len(c.Files), len(c.Labels), dir)
}
