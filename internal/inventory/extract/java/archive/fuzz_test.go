package archive

import (
	"bytes"
	"testing"
)

func FuzzParse(f *testing.F) {
	f.Add(zipOf(f, pom("g", "a", "1")))
	f.Add(zipOf(f, file{"lib/x-1.0.jar", zipOf(f, file{"META-INF/MANIFEST.MF", []byte("Implementation-Version: 1\n")})}))
	f.Fuzz(func(t *testing.T, b []byte) { _, _ = Parse(bytes.NewReader(b), int64(len(b)), "x.jar") })
}
