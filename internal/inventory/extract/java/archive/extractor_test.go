package archive

import (
	"archive/zip"
	"bytes"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-sec/vigil/internal/inventory"
)

type file struct {
	name string
	body []byte
}

func zipOf(t testing.TB, files ...file) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range files {
		w, err := zw.Create(f.name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(f.body)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func pom(g, a, v string) file {
	return file{"META-INF/maven/" + g + "/" + a + "/pom.properties", []byte("#Generated\ngroupId=" + g + "\nartifactId=" + a + "\nversion=" + v + "\n")}
}

func TestExtract(t *testing.T) {
	inner := zipOf(t, pom("org.apache.commons", "commons-lang3", "3.12.0"))
	manifestOnly := zipOf(t, file{"META-INF/MANIFEST.MF", []byte("Manifest-Version: 1.0\r\nImplementation-Title: guava\r\nImplementation-Version: 31.1-jre\r\nBundle-SymbolicName: com.google.guava\r\n\r\n")})
	nameOnly := zipOf(t, file{"a.class", []byte("x")})
	deep := zipOf(t, file{"lib/l1.jar", zipOf(t, pom("a", "l1", "1"),
		file{"lib/l2.jar", zipOf(t, pom("a", "l2", "1"), file{"lib/l3.jar", zipOf(t, pom("too", "deep", "1"))})})})
	tests := []struct {
		name string
		path string
		data []byte
		want []string
	}{
		{"jar with pom.properties", "app/log4j-core-2.14.1.jar", zipOf(t, pom("org.apache.logging.log4j", "log4j-core", "2.14.1")),
			[]string{"org.apache.logging.log4j:log4j-core 2.14.1"}},
		{"war with nested jars", "srv/app.war", zipOf(t, pom("com.example", "app", "1.0.0"),
			file{"WEB-INF/lib/commons-lang3-3.12.0.jar", inner},
			file{"WEB-INF/lib/guava-31.1-jre.jar", manifestOnly},
			file{"WEB-INF/lib/mystery-2.0.jar", nameOnly},
			file{"WEB-INF/lib/broken.jar", []byte("not a zip")}),
			[]string{"com.example:app 1.0.0", "org.apache.commons:commons-lang3 3.12.0", "guava 31.1-jre", "mystery 2.0"}},
		{"depth bounded", "x/outer.jar", deep, []string{"a:l1 1", "a:l2 1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !New().Match(tt.path, nil) {
				t.Fatalf("Match(%q) = false", tt.path)
			}
			pkgs, err := inventory.Run(t.Context(), New(), &inventory.Input{Path: tt.path, Reader: bytes.NewReader(tt.data)})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, p := range pkgs {
				got = append(got, p.Name+" "+p.Version)
				if p.Locations[0].Path != tt.path || p.Ecosystem != "Maven" {
					t.Errorf("package %+v", p)
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestZipBomb(t *testing.T) {
	// A nested jar that declares (and inflates to) more than MaxNestedSize.
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create("lib/huge.jar")
	zeros := make([]byte, 1<<20)
	for i := 0; i < MaxNestedSize>>20+1; i++ {
		w.Write(zeros)
	}
	zw.Close()
	_, err := inventory.Run(t.Context(), New(), &inventory.Input{Path: "bomb.jar", Reader: bytes.NewReader(buf.Bytes())})
	if !errors.Is(err, ErrBudget) {
		t.Fatalf("error = %v, want ErrBudget", err)
	}
	_, err = inventory.Run(t.Context(), New(), &inventory.Input{Path: "not.jar", Reader: bytes.NewReader([]byte("PK garbage"))})
	var pe *inventory.ParseError
	if !errors.As(err, &pe) || pe.Path != "not.jar" {
		t.Fatalf("error = %v, want a ParseError naming the file", err)
	}
}
