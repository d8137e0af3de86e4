package auth

import (
	"strings"
	"testing"
	"time"

	"github.com/vigil-sec/vigil/internal/store"
)

func TestGenerate(t *testing.T) {
	a, ha, err := Generate()
	if err != nil {
		t.Fatal(err)
	}
	b, hb, _ := Generate()
	if a == b || string(ha) == string(hb) {
		t.Fatal("two tokens are equal")
	}
	if !WellFormed(a) || !strings.HasPrefix(a, Prefix) {
		t.Errorf("generated token %q is not well formed", Redact(a))
	}
	if string(Hash(a)) != string(ha) {
		t.Error("Hash disagrees with Generate")
	}
	for _, bad := range []string{"", "vgl_", Prefix + strings.Repeat("!", 43), a[:len(a)-1], "xyz_" + a[4:]} {
		if WellFormed(bad) {
			t.Errorf("WellFormed(%q) = true", bad)
		}
	}
	if r := Redact(a); strings.Contains(r, a[8:]) {
		t.Errorf("Redact shows too much: %q", r)
	}
}

func TestCheckAndScope(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	ok := store.Token{Role: store.RoleWriter}
	if err := Check(ok, now); err != nil {
		t.Error(err)
	}
	for name, tok := range map[string]store.Token{
		"revoked":  {Role: store.RoleAdmin, RevokedAt: now.Add(-time.Second)},
		"expired":  {Role: store.RoleAdmin, ExpiresAt: now},
		"bad role": {Role: "root"},
	} {
		if Check(tok, now) == nil {
			t.Errorf("%s token passes", name)
		}
	}
	p := FromToken(store.Token{ID: 3, Name: "ci", Role: store.RoleWriter, Projects: []string{"shop"}})
	if !p.HasRole(store.RoleReader) || !p.HasRole(store.RoleWriter) || p.HasRole(store.RoleAdmin) || p.HasRole("") {
		t.Error("role ranking wrong")
	}
	if !p.InScope("shop") || p.InScope("other") || p.Global() || len(p.Scope().Projects) != 1 {
		t.Error("scope wrong")
	}
}

func TestFailureLimiter(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l := &FailureLimiter{Max: 3, Window: time.Minute, Now: func() time.Time { return now }}
	for range 3 {
		if l.Blocked("a") {
			t.Fatal("blocked too early")
		}
		l.Fail("a")
	}
	if !l.Blocked("a") || l.Blocked("b") {
		t.Error("limit not applied per address")
	}
	now = now.Add(2 * time.Minute)
	if l.Blocked("a") {
		t.Error("block outlives the window")
	}
}
