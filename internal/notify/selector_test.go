package notify

import (
	"testing"

	"github.com/vigil-sec/vigil/internal/severity"
)

func TestSelector(t *testing.T) {
	high := Subject{Kind: KindFindingNew, Project: "pay-api", Environments: []string{"staging", "prod-eu"},
		Severity: severity.High, HasSeverity: true, Fixable: true}
	refresh := Subject{Kind: KindRefreshFailed}
	tests := []struct {
		name string
		sel  Selector
		x    Subject
		want bool
	}{
		{"empty selects all", Selector{}, high, true},
		{"kind", Selector{Kinds: []string{KindFindingResolved}}, high, false},
		{"project glob", Selector{Projects: []string{"pay-*"}}, high, true},
		{"project other", Selector{Projects: []string{"shop"}}, high, false},
		{"env any", Selector{Environments: []string{"prod-*"}}, high, true},
		{"env none", Selector{Environments: []string{"prod"}}, high, false},
		{"env on undeployed", Selector{Environments: []string{"prod"}}, Subject{Kind: KindFindingNew}, false},
		{"min severity met", Selector{MinSeverity: severity.High}, high, true},
		{"min severity not met", Selector{MinSeverity: severity.Critical}, high, false},
		{"min severity ignores refresh", Selector{MinSeverity: severity.Critical}, refresh, true},
		{"fixable", Selector{FixableOnly: true}, high, true},
		{"kev only", Selector{KEVOnly: true}, high, false},
	}
	for _, tt := range tests {
		if got := tt.sel.Match(tt.x); got != tt.want {
			t.Errorf("%s: Match = %v, want %v", tt.name, got, tt.want)
		}
	}
	if err := (Selector{Kinds: []string{"finding.nwe"}}).Validate(); err == nil {
		t.Error("unknown kind validated")
	}
	if err := (Selector{Projects: []string{"["}}).Validate(); err == nil {
		t.Error("bad glob validated")
	}
}
