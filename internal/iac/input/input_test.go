package input

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseIgnores(t *testing.T) {
	src := []byte(`a: 1 # vigil:ignore:A-1 trailing reason
# vigil:ignore:B-1,C-1 two ids
# another comment
b: 2
c: "vigil:ignore:D-1 not a comment"
// vigil:ignore:* everything

d: 3
`)
	ig := ParseIgnores(src)
	tests := []struct {
		id    string
		lines []int
		want  Ignore
		ok    bool
	}{
		{"A-1", []int{1}, Ignore{"A-1", "trailing reason"}, true},
		{"a-1", []int{1}, Ignore{"A-1", "trailing reason"}, true},
		{"B-1", []int{4}, Ignore{"B-1", "two ids"}, true},
		{"C-1", []int{4}, Ignore{"C-1", "two ids"}, true},
		{"C-1", []int{5}, Ignore{}, false},
		{"D-1", []int{5}, Ignore{}, false},
		{"Z-9", []int{6}, Ignore{"*", "everything"}, true},
		{"Z-9", []int{8}, Ignore{}, false}, // blank line breaks the comment block
		{"B-1", []int{8, 4}, Ignore{"B-1", "two ids"}, true},
		{"B-1", []int{0, -1, 100}, Ignore{}, false},
	}
	for _, tt := range tests {
		got, ok := ig.Match(tt.id, tt.lines...)
		if ok != tt.ok || got != tt.want {
			t.Errorf("Match(%q, %v) = %+v, %v; want %+v, %v", tt.id, tt.lines, got, ok, tt.want, tt.ok)
		}
	}
	if !ParseIgnores([]byte("no markers here")).Empty() {
		t.Error("Empty() = false for a file without markers")
	}
}

func TestLocate(t *testing.T) {
	tree := &Node{Line: 1, Fields: map[string]*Node{
		"resources": {Line: 1, Items: []*Node{
			{File: "a.tf", Line: 5, Fields: map[string]*Node{"config": {Line: 5, Fields: map[string]*Node{"acl": {Line: 7}}}}},
		}},
	}}
	d := &Document{Path: "main.tf", Tree: tree}
	tests := []struct {
		path []any
		want Position
	}{
		{nil, Position{"main.tf", 1, 1}},
		{[]any{"resources", 0, "config", "acl"}, Position{"a.tf", 7, 5}},
		{[]any{"resources", json.Number("0"), "config", "acl", "x"}, Position{"a.tf", 7, 5}},
		{[]any{"resources", "0", "config"}, Position{"a.tf", 5, 5}},
		{[]any{"resources", 1}, Position{"main.tf", 1, 1}},
		{[]any{"resources", 0.5}, Position{"main.tf", 1, 1}},
		{[]any{true, map[string]any{}}, Position{"main.tf", 1, 1}},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, d.Locate(tt.path)); diff != "" {
			t.Errorf("Locate(%v) mismatch (-want +got):\n%s", tt.path, diff)
		}
	}
}
