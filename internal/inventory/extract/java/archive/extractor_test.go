package archive

import (
	"archive/zip"
	"bytes"
	"errors"
	"strings"
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

func manifest(lines ...string) file {
	return file{"META-INF/MANIFEST.MF", []byte("Manifest-Version: 1.0\r\n" + strings.Join(lines, "\r\n") + "\r\n\r\nName: other/section\r\nImplementation-Title: not-main\r\n")}
}

func TestExtract(t *testing.T) {
	inner := zipOf(t, pom("org.apache.commons", "commons-lang3", "3.12.0"))
	manifestOnly := zipOf(t, manifest("Implementation-Title: guava", "Implementation-Version: 31.1-jre", "Bundle-SymbolicName: com.google.guava"))
	nameOnly := zipOf(t, file{"a.class", []byte("x")})
	deep := zipOf(t, file{"lib/l1.jar", zipOf(t, pom("a", "l1", "1"),
		file{"lib/l2.jar", zipOf(t, pom("a", "l2", "1"), file{"lib/l3.jar", zipOf(t, pom("too", "deep", "1"))})})})
	const (
		pomEv  = EvidencePOMProperties
		manEv  = EvidenceManifest
		unconf = EvidenceManifestUnconfirmed
		fileEv = EvidenceFileName
	)
	tests := []struct {
		name string
		path string
		data []byte
		want []string // "name version evidence"
	}{
		{"jar with pom.properties", "app/log4j-core-2.14.1.jar", zipOf(t, pom("org.apache.logging.log4j", "log4j-core", "2.14.1")),
			[]string{"org.apache.logging.log4j:log4j-core 2.14.1 " + pomEv}},
		{"pom.properties wins over the manifest", "app/x-9.jar", zipOf(t, pom("g", "a", "1"), manifest("Implementation-Vendor-Id: other", "Implementation-Title: x", "Implementation-Version: 9")),
			[]string{"g:a 1 " + pomEv}},
		{"war with nested jars", "srv/app.war", zipOf(t, pom("com.example", "app", "1.0.0"),
			file{"WEB-INF/lib/commons-lang3-3.12.0.jar", inner},
			file{"WEB-INF/lib/guava-31.1-jre.jar", manifestOnly},
			file{"WEB-INF/lib/mystery-2.0.jar", nameOnly},
			file{"WEB-INF/lib/broken.jar", []byte("not a zip")}),
			[]string{"com.example:app 1.0.0 " + pomEv, "org.apache.commons:commons-lang3 3.12.0 " + pomEv, "guava 31.1-jre " + unconf, "mystery 2.0 " + fileEv}},
		{"depth bounded", "x/outer.jar", deep, []string{"a:l1 1 " + pomEv, "a:l2 1 " + pomEv}},
		// The Maven archiver's default entries: Implementation-Title is the
		// project name, which is the artifactId when <name> is not set.
		{"manifest confirmed by Implementation-Title", "usr/share/java/commons-io-2.11.0.jar",
			zipOf(t, manifest("Implementation-Title: commons-io", "Implementation-Vendor-Id: commons-io", "Implementation-Version: 2.11.0")),
			[]string{"commons-io:commons-io 2.11.0 " + manEv}},
		// maven-bundle-plugin's symbolic name for org.apache.commons:commons-lang3.
		{"manifest confirmed by Bundle-SymbolicName", "usr/share/java/commons-lang3-3.12.0.jar",
			zipOf(t, manifest("Implementation-Title: Apache Commons Lang", "Implementation-Vendor-Id: org.apache.commons",
				"Bundle-SymbolicName: org.apache.commons.lang3;singleton:=true", "Bundle-Version: 3.12.0", "Implementation-Version: 3.12.0")),
			[]string{"org.apache.commons:commons-lang3 3.12.0 " + manEv}},
		{"manifest confirmed, no version in the file name", "usr/share/java/jackson-databind.jar",
			zipOf(t, manifest("Implementation-Vendor-Id: com.fasterxml.jackson.core", "Bundle-SymbolicName: com.fasterxml.jackson.core.jackson-databind",
				"Bundle-Version: 2.14.2")),
			[]string{"com.fasterxml.jackson.core:jackson-databind 2.14.2 " + manEv}},
		{"continuation lines", "lib/guava-31.1-jre.jar",
			zipOf(t, manifest("Implementation-Vendor-Id: com.google.gu", " ava", "Bundle-SymbolicName: com.google.guava", "Bundle-Version: 31.1-jre")),
			[]string{"com.google.guava:guava 31.1-jre " + manEv}},
		{"versions disagree", "lib/commons-io-2.10.0.jar",
			zipOf(t, manifest("Implementation-Title: commons-io", "Implementation-Vendor-Id: commons-io", "Implementation-Version: 2.11.0")),
			[]string{"commons-io:commons-io 2.11.0 " + unconf}},
		{"title names another artifact", "lib/mylib-1.0.jar",
			zipOf(t, manifest("Implementation-Title: Something Else", "Implementation-Vendor-Id: org.example", "Implementation-Version: 1.0")),
			[]string{"org.example:mylib 1.0 " + unconf}},
		{"symbolic name without the group", "lib/commons-lang3-3.12.0.jar",
			zipOf(t, manifest("Bundle-SymbolicName: org.apache.commons.lang3", "Bundle-Version: 3.12.0")),
			[]string{"commons-lang3 3.12.0 " + fileEv}},
		{"OSGi version loses to the file name's", "lib/guava-31.1-jre.jar",
			zipOf(t, manifest("Bundle-SymbolicName: com.google.guava", "Bundle-Version: 31.1.0.jre")),
			[]string{"guava 31.1-jre " + fileEv}},
		{"version only from the manifest", "lib/app.jar",
			zipOf(t, manifest("Implementation-Version: 4.2")),
			[]string{"app 4.2 " + unconf}},
		{"artifact from the title when the file name has none", "lib/.jar",
			zipOf(t, manifest("Implementation-Title: tool", "Implementation-Version: 1")),
			[]string{"tool 1 " + unconf}},
		{"file name only", "opt/app/lib/netty-all-4.1.94.Final.jar", nameOnly,
			[]string{"netty-all 4.1.94.Final " + fileEv}},
		{"nothing to go on", "opt/app/lib/app.jar", nameOnly, nil},
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
				got = append(got, p.Name+" "+p.Version+" "+p.Evidence)
				if p.Locations[0].Path != tt.path || p.Ecosystem != "Maven" {
					t.Errorf("package %+v", p)
				}
				if want := tt.path; p.Locations[0].Path != want {
					t.Errorf("location %q, want %q", p.Locations[0].Path, want)
				}
				if confident := p.Evidence == pomEv || p.Evidence == manEv; p.Confident() != confident {
					t.Errorf("%s: Confident() = %v with evidence %q", p.Name, p.Confident(), p.Evidence)
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestBundleSymbolicName(t *testing.T) {
	for _, tt := range []struct{ group, artifact, want string }{
		{"org.apache.commons", "commons-lang3", "org.apache.commons.lang3"},
		{"com.google.guava", "guava", "com.google.guava"},
		{"com.fasterxml.jackson.core", "jackson-databind", "com.fasterxml.jackson.core.jackson-databind"},
		{"org.osgi", "org.osgi.core", "org.osgi.core"},
		{"org.apache.felix", "felixframework", "org.apache.felix.framework"},
		{"junit", "junit", "junit"},
		{"commons-io", "commons-io", "commons-io"},
		{"org.", "x", "org..x"},
	} {
		if got := bundleSymbolicName(tt.group, tt.artifact); got != tt.want {
			t.Errorf("bundleSymbolicName(%q, %q) = %q, want %q", tt.group, tt.artifact, got, tt.want)
		}
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
