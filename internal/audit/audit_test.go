package audit

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// chain builds n sealed records; every third one (with key) a checkpoint.
func chain(t *testing.T, n int, key ed25519.PrivateKey) []Record {
	t.Helper()
	var out []Record
	head := EmptyHead
	for i := range n {
		at := t0.Add(time.Duration(i) * time.Minute)
		var r Record
		var err error
		if key != nil && i%3 == 2 {
			r, err = NewCheckpoint(head, at, "server", key)
		} else {
			r, err = New(head, at, "alice", "finding.state", fmt.Sprintf("finding:%d", i), map[string]any{"to": "accepted", "reason": "<not reachable> & ok", "i": i})
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
		head = r.Head()
	}
	return out
}

func verify(recs []Record, v *Verifier, end *Head) Report {
	for i := range recs {
		if v.Add(&recs[i], 0) != nil {
			break
		}
	}
	return v.Finish(end)
}

func testKey(b byte) ed25519.PrivateKey { return ed25519.NewKeyFromSeed(bytes.Repeat([]byte{b}, 32)) }

func TestVerifyTamper(t *testing.T) {
	key := testKey(1)
	tests := []struct {
		name    string
		tamper  func([]Record) []Record
		end     bool // check against the true head
		wantSeq int64
		wantMsg string
	}{
		{"untouched", func(r []Record) []Record { return r }, true, 0, ""},
		{"edit", func(r []Record) []Record { r[3].Actor = "mallory"; return r }, true, 4, "edited"},
		{"edit payload", func(r []Record) []Record { r[3].Payload = json.RawMessage(`{"to":"open"}`); return r }, true, 4, "edited"},
		{"edit and re-hash", func(r []Record) []Record { r[3].Actor = "mallory"; r[3].Hash = r[3].Sum(); return r }, true, 4, "changed after record 5"},
		{"delete", func(r []Record) []Record { return append(r[:4:4], r[5:]...) }, true, 5, "missing"},
		{"delete first", func(r []Record) []Record { return r[1:] }, true, 1, "missing"},
		{"reorder", func(r []Record) []Record { r[4], r[5] = r[5], r[4]; return r }, true, 5, "missing"},
		{"swap seq", func(r []Record) []Record { r[4].Seq, r[5].Seq = r[5].Seq, r[4].Seq; r[4], r[5] = r[5], r[4]; return r }, true, 5, "edited"},
		{"duplicate", func(r []Record) []Record { return append(r[:5:5], r[4:]...) }, true, 6, "again"},
		{"truncate", func(r []Record) []Record { return r[:6] }, true, 7, "truncated"},
		{"truncate all", func(r []Record) []Record { return nil }, true, 1, "truncated"},
		{"forged checkpoint", func(r []Record) []Record {
			c, _ := NewCheckpoint(r[1].Head(), r[2].Time, "server", testKey(2))
			r[2] = c
			return r[:3]
		}, false, 3, "another key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recs := chain(t, 9, key)
			end := recs[len(recs)-1].Head()
			got := tt.tamper(recs)
			var endp *Head
			if tt.end {
				endp = &end
			}
			rep := verify(got, &Verifier{Key: key.Public().(ed25519.PublicKey)}, endp)
			if tt.wantSeq == 0 {
				if !rep.OK || rep.Problem != nil || rep.Records != 9 || rep.Checkpoints != 3 {
					t.Fatalf("untouched log: %+v", rep)
				}
				return
			}
			if rep.OK || rep.Problem == nil {
				t.Fatalf("tampered log verified: %+v", rep)
			}
			if rep.Problem.Seq != tt.wantSeq || !strings.Contains(rep.Problem.Error(), tt.wantMsg) {
				t.Errorf("problem = %v (seq %d), want seq %d containing %q", rep.Problem, rep.Problem.Seq, tt.wantSeq, tt.wantMsg)
			}
		})
	}
}

// TestCheckpointRewrite: a chain rewritten from record 2 on (every hash
// recomputed) still fails on the first checkpoint, whose signature no
// one without the key can redo.
func TestCheckpointRewrite(t *testing.T) {
	key := testKey(1)
	recs := chain(t, 6, key)
	recs[1].Actor = "mallory"
	head := recs[0].Head()
	for i := 1; i < len(recs); i++ {
		recs[i].PrevHash = head.Hash
		recs[i].Hash = recs[i].Sum()
		head = recs[i].Head()
	}
	rep := verify(recs, &Verifier{}, &head)
	if rep.OK || rep.Problem.Seq != 3 || !strings.Contains(rep.Problem.Message, "checkpoint signs head") {
		t.Errorf("rewritten chain: %+v %v", rep, rep.Problem)
	}
}

func TestAnchorsAndPartial(t *testing.T) {
	recs := chain(t, 5, nil)
	rep := verify(recs[:3], &Verifier{Anchors: []Head{recs[4].Head()}}, nil)
	if rep.OK || rep.Problem.Seq != 4 {
		t.Errorf("truncated below an anchor: %+v", rep)
	}
	rep = verify(recs, &Verifier{Anchors: []Head{{Seq: 2, Hash: ZeroHash}}}, nil)
	if rep.OK || rep.Problem.Seq != 2 {
		t.Errorf("wrong anchor: %+v", rep)
	}
	rep = verify(recs[2:], &Verifier{Partial: true}, nil)
	if !rep.OK || rep.First != 3 || rep.Records != 3 {
		t.Errorf("partial: %+v", rep)
	}
	if rep := verify(recs[2:], &Verifier{}, nil); rep.OK || rep.Problem.Seq != 1 {
		t.Errorf("not partial: %+v", rep)
	}
}

func TestHashStable(t *testing.T) {
	// The canonical encoding must never change: this hash is in every
	// existing log.
	r, err := New(EmptyHead, t0, "alice", "scan", "dir:.", map[string]any{"gate": "passed"})
	if err != nil {
		t.Fatal(err)
	}
	const want = "f0ca807482baf332c242aa7db2b6fcbe38ab807308c9de170b54b04a0762ab1d"
	b, _ := MarshalLine(&r)
	back, err := ParseLine(bytes.TrimSuffix(b, []byte("\n")))
	if err != nil || back.Sum() != r.Hash || !bytes.Equal(back.Payload, r.Payload) {
		t.Fatalf("round trip: %v %+v", err, back)
	}
	if r.Hash != want {
		t.Errorf("hash = %s, want %s", r.Hash, want)
	}
}

func TestFileLog(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	var last Record
	for i := range 4 {
		r, err := AppendFile(path, t0.Add(time.Duration(i)*time.Second), "ci", "scan", "dir:app", map[string]any{"i": i, "html": "<b>"})
		if err != nil {
			t.Fatal(err)
		}
		if r.Seq != int64(i+1) {
			t.Fatalf("seq = %d, want %d", r.Seq, i+1)
		}
		last = r
	}
	rep, err := VerifyFile(t.Context(), path, &Verifier{Anchors: []Head{last.Head()}})
	if err != nil || !rep.OK || rep.Records != 4 {
		t.Fatalf("VerifyFile = %+v, %v", rep, err)
	}
	data, _ := os.ReadFile(path)
	lines := strings.SplitAfter(string(data), "\n")
	lines = lines[:len(lines)-1]
	tests := []struct {
		name     string
		content  string
		anchor   bool
		seq      int64
		line     int
		contains string
	}{
		{"edit", strings.Replace(string(data), `"i":1`, `"i":7`, 1), false, 2, 2, "edited"},
		{"delete", lines[0] + lines[2] + lines[3], false, 2, 2, "missing"},
		{"reorder", lines[0] + lines[2] + lines[1] + lines[3], false, 2, 2, "missing"},
		{"cut mid-line", string(data[:len(data)-10]), false, 4, 4, "no newline"},
		{"remove last line", strings.Join(lines[:3], ""), true, 4, 0, "truncated"},
		{"garbage", lines[0] + "{not json\n" + lines[1], false, 2, 2, "not a record"},
		{"long line", lines[0] + strings.Repeat("x", MaxLine+5) + "\n", false, 2, 2, "longer than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "audit.jsonl")
			os.WriteFile(p, []byte(tt.content), 0o644)
			v := &Verifier{}
			if tt.anchor {
				v.Anchors = []Head{last.Head()}
			}
			rep, err := VerifyFile(t.Context(), p, v)
			if err != nil {
				t.Fatal(err)
			}
			if rep.OK || rep.Problem == nil || rep.Problem.Seq != tt.seq || rep.Problem.Line != tt.line || !strings.Contains(rep.Problem.Message, tt.contains) {
				t.Errorf("VerifyFile = %+v, problem %v; want seq %d line %d %q", rep, rep.Problem, tt.seq, tt.line, tt.contains)
			}
		})
	}
	// Appending to a log cut short is refused.
	os.WriteFile(path, data[:len(data)-3], 0o644)
	if _, err := AppendFile(path, t0, "ci", "scan", "x", nil); err == nil || !strings.Contains(err.Error(), "no newline") {
		t.Errorf("append to a cut log: %v", err)
	}
}

func TestLoadKeys(t *testing.T) {
	dir := t.TempDir()
	key := testKey(7)
	seed := key.Seed()
	pub := key.Public().(ed25519.PublicKey)
	pkcs8 := "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIAcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcH\n-----END PRIVATE KEY-----\n"
	for name, content := range map[string][]byte{
		"pem": []byte(pkcs8), "raw": seed, "hex": []byte(hex.EncodeToString(seed) + "\n"),
	} {
		p := filepath.Join(dir, name)
		os.WriteFile(p, content, 0o600)
		k, err := LoadPrivateKey(p)
		if err != nil || !k.Equal(key) {
			t.Errorf("LoadPrivateKey(%s) = %v", name, err)
		}
		pk, err := LoadPublicKey(p)
		if name == "pem" && (err != nil || !pk.Equal(pub)) {
			t.Errorf("LoadPublicKey(%s) = %v", name, err)
		}
	}
	p := filepath.Join(dir, "bad")
	os.WriteFile(p, []byte("nope"), 0o600)
	if _, err := LoadPrivateKey(p); err == nil {
		t.Error("LoadPrivateKey(bad) = nil error")
	}
}
