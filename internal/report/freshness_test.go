package report

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/vigil-sec/vigil/internal/scan"
	"github.com/vigil-sec/vigil/internal/testutil"
)

// TestImageFreshness checks that the table shows an image's age (and where
// the build time comes from) and its base image, and that the JSON report
// with those fields still validates.
func TestImageFreshness(t *testing.T) {
	r := fixture()
	r.Target = scan.Target{Kind: "image", Name: "shop:1"}
	r.Image = &scan.Image{Reference: "shop:1", Digest: "sha256:aa", Platform: "linux/amd64",
		Created: time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC), CreatedFrom: "history", AgeDays: 61,
		BaseName: "docker.io/library/alpine:3.22", BaseDigest: "sha256:bb"}
	var buf bytes.Buffer
	if err := Write(&buf, "table", r, Options{}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"created 2026-09-01 (61 days ago, from the layer history)", "base image docker.io/library/alpine:3.22 sha256:bb"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, buf.String())
		}
	}
	buf.Reset()
	if err := Write(&buf, "json", r, Options{}); err != nil {
		t.Fatal(err)
	}
	testutil.Validate(t, testutil.SchemaVigil, buf.Bytes())
}
