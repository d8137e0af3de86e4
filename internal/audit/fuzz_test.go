package audit

import (
	"bytes"
	"testing"
)

// FuzzVerifyLog: any file verifies or names a problem, without panicking,
// within the line limit; a line that parses re-encodes to a record with
// the same bytes when encoded again.
func FuzzVerifyLog(f *testing.F) {
	var good bytes.Buffer
	head := EmptyHead
	for i := range 3 {
		r, _ := New(head, t0, "ci", "scan", "dir:.", map[string]int{"i": i})
		b, _ := MarshalLine(&r)
		good.Write(b)
		head = r.Head()
	}
	f.Add(good.Bytes())
	f.Add(good.Bytes()[:good.Len()-7])
	f.Add([]byte("{}\n"))
	f.Add([]byte(`{"seq":1,"time":"2026-03-01T12:00:00Z","actor":"","kind":"","subject":"","payload":{},"prev_hash":"` + ZeroHash + `","hash":"` + ZeroHash + `"}` + "\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		rep, err := VerifyLog(t.Context(), bytes.NewReader(data), &Verifier{})
		if err != nil {
			t.Fatalf("VerifyLog: %v", err)
		}
		if rep.OK == (rep.Problem != nil) {
			t.Fatalf("report OK=%v with problem %v", rep.OK, rep.Problem)
		}
		if line, _, ok := bytes.Cut(data, []byte("\n")); ok {
			if r, err := ParseLine(line); err == nil {
				b, err := MarshalLine(&r)
				if err != nil {
					t.Fatalf("MarshalLine: %v", err)
				}
				back, err := ParseLine(bytes.TrimSuffix(b, []byte("\n")))
				if err != nil {
					t.Fatalf("re-encoded record does not parse: %v", err)
				}
				b2, _ := MarshalLine(&back)
				if !bytes.Equal(b, b2) || back.Sum() != (&Record{Seq: r.Seq, Time: r.Time, Actor: r.Actor, Kind: r.Kind, Subject: r.Subject, Payload: back.Payload, PrevHash: r.PrevHash}).Sum() {
					t.Fatalf("re-encoding is not stable:\n%s\n%s", b, b2)
				}
			}
		}
	})
}
