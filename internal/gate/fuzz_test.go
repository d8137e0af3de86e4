package gate

import (
	"encoding/json"
	"testing"

	"github.com/vigil-sec/vigil/internal/severity"
)

// FuzzServerState: whatever a server answers, decoding, validating and
// judging it never panics, and an answer that validates is judged.
func FuzzServerState(f *testing.F) {
	for _, s := range []string{
		`{"project":"shop","now":"2026-11-01T00:00:00Z","findings":[],"images":[]}`,
		`{"project":"shop","now":"2026-11-01T00:00:00Z","findings":[{"id":1,"kind":"vulnerability","severity":"HIGH","artifact":"sha256:a","environments":["prod"],"sla_breached":true,"sla_due":"2026-10-01T00:00:00Z"}],"images":[{"artifact":"sha256:a","built":"2020-01-01T00:00:00Z","environments":null}]}`,
		`{"project":"shop","now":"2026-11-01T00:00:00Z","findings":[{"id":1,"kind":"secret","severity":"unknown","artifact":"x"}],"images":[],"truncated":true}`,
		`{"items":[]}`, `[]`, `null`, `{"project":"shop","now":"bad"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var st ServerState
		if json.Unmarshal(b, &st) != nil || st.Validate("shop") != nil {
			return
		}
		out, err := EvaluateServer(t.Context(), &st, Options{FailOn: severity.Medium, MaxImageAge: 1})
		if err != nil {
			t.Fatal(err)
		}
		if st.Truncated && !out.Failed {
			t.Fatalf("truncated answer passed: %s", b)
		}
	})
}
