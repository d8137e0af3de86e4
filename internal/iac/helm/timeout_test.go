package helm

import (
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

// A template that would render for minutes is cut off, and reported as the
// chart's error instead of hanging the scan.
func TestRenderTimeout(t *testing.T) {
	old := RenderTimeout
	RenderTimeout = 200 * time.Millisecond
	defer func() { RenderTimeout = old }()
	fsys := fstest.MapFS{
		"loop/Chart.yaml":        {Data: []byte("apiVersion: v2\nname: loop\nversion: 0.1.0\n")},
		"loop/values.yaml":       {Data: []byte("n: 1\n")},
		"loop/templates/cm.yaml": {Data: []byte("{{- range until 100000 }}{{- range until 100000 }}{{- end }}{{- end }}\n")},
	}
	start := time.Now()
	_, err := Render(t.Context(), fsys, "loop")
	if err == nil || !strings.Contains(err.Error(), "did not finish") {
		t.Fatalf("err = %v, want a timeout", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Render returned after %s", d)
	}
}
