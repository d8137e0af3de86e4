package match

import (
	"encoding/json"
	"testing"

	"github.com/vigil-sec/vigil/internal/vulndb/osv"
)

func TestPlatformApplies(t *testing.T) {
	tests := []struct {
		name, specific, platform string
		want                     bool
	}{
		{"no data", ``, "linux/amd64", true},
		{"imports without limits", `{"imports":[{"path":"x/y"}]}`, "linux/amd64", true},
		{"windows only, linux binary", `{"imports":[{"path":"golang.org/x/sys/windows","goos":["windows"]}]}`, "linux/amd64", false},
		{"windows only, windows binary", `{"imports":[{"path":"golang.org/x/sys/windows","goos":["windows"]}]}`, "windows/amd64", true},
		{"arch limit", `{"imports":[{"path":"p","goarch":["386","arm"]}]}`, "linux/amd64", false},
		{"one of two imports applies", `{"imports":[{"path":"a","goos":["windows"]},{"path":"b"}]}`, "linux/arm64", true},
		{"both limits", `{"imports":[{"path":"a","goos":["linux"],"goarch":["arm64"]}]}`, "linux/amd64", false},
		{"not json", `[1,`, "linux/amd64", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := &osv.Affected{EcosystemSpecific: json.RawMessage(tt.specific)}
			if got := platformApplies(a, tt.platform); got != tt.want {
				t.Errorf("platformApplies(%s, %s) = %v, want %v", tt.specific, tt.platform, got, tt.want)
			}
		})
	}
}
