package nodemodules

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-sec/vigil/internal/inventory"
)

func TestMatch(t *testing.T) {
	for p, want := range map[string]bool{
		"app/node_modules/lodash/package.json":                         true,
		"node_modules/@babel/core/package.json":                        true,
		"app/node_modules/a/node_modules/b/package.json":               true,
		"app/package.json":                                             false,
		"app/node_modules/lodash/test/fixtures/package.json":           false,
		"app/node_modules/@scope/package.json":                         false,
		"app/node_modules/.package-lock.json":                          false,
		"app/my_node_modules/x/package.json":                           false,
		"usr/lib/node_modules/npm/node_modules/@npmcli/a/package.json": true,
	} {
		if got := New().Match(p, nil); got != want {
			t.Errorf("Match(%q) = %v, want %v", p, got, want)
		}
	}
}

func TestExtract(t *testing.T) {
	tests := []struct {
		name, path, body string
		want             []inventory.Package
		wantErr          bool
	}{
		{"plain", "node_modules/lodash/package.json", `{"name":"lodash","version":"4.17.21","license":"MIT"}`,
			[]inventory.Package{{Name: "lodash", Version: "4.17.21", Ecosystem: "npm", PURL: "pkg:npm/lodash@4.17.21", Licenses: []string{"MIT"}}}, false},
		{"scoped, licence object", "node_modules/@babel/core/package.json", `{"name":"@babel/core","version":"7.24.0","license":{"type":"MIT"}}`,
			[]inventory.Package{{Name: "@babel/core", Version: "7.24.0", Ecosystem: "npm", PURL: "pkg:npm/%40babel/core@7.24.0", Licenses: []string{"MIT"}}}, false},
		{"no version", "node_modules/x/package.json", `{"name":"x"}`, nil, false},
		{"broken", "node_modules/x/package.json", `{"name":`, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := inventory.Run(t.Context(), New(), &inventory.Input{Path: tt.path, Reader: strings.NewReader(tt.body)})
			if (err != nil) != tt.wantErr {
				t.Fatalf("error = %v", err)
			}
			for i := range tt.want {
				tt.want[i].Locations = []inventory.Location{{Path: tt.path}}
				tt.want[i].Extractor = Name
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
