package dockerfile

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-sec/vigil/internal/iac/input"
	"github.com/vigil-sec/vigil/internal/secrets"
)

func TestMatch(t *testing.T) {
	tests := map[string]bool{
		"Dockerfile": true, "dockerfile": true, "Containerfile": true, "app.Dockerfile": true,
		"Dockerfile.prod": true, "x/y/Dockerfile": true, "Dockerfile.": true,
		"Dockerfiles": false, "main.go": false, "docker-compose.yml": false,
	}
	for name, want := range tests {
		if got := Match(name); got != want {
			t.Errorf("Match(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestLoad(t *testing.T) {
	src, err := os.ReadFile("testdata/Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	docs, err := Load(t.Context(), "testdata/Dockerfile", src, Options{})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if len(docs) != 1 {
		t.Fatalf("got %d docs", len(docs))
	}
	d := docs[0]
	v := d.Value.(map[string]any)
	stages := v["stages"].([]any)
	if len(stages) != 2 {
		t.Fatalf("got %d stages", len(stages))
	}
	s0 := stages[0].(map[string]any)
	wantFrom := map[string]any{"image": "golang", "tag": "1.22", "digest": "sha256:abc", "platform": "linux/amd64", "ref": "golang:1.22@sha256:abc", "line": 2}
	if diff := cmp.Diff(wantFrom, s0["from"]); diff != "" {
		t.Errorf("from mismatch (-want +got):\n%s", diff)
	}
	if s0["name"] != "build" {
		t.Errorf("name = %v", s0["name"])
	}
	s1 := stages[1].(map[string]any)
	if got := s1["from"].(map[string]any)["image"]; got != "gcr.io/distroless/static" {
		t.Errorf("stage 1 image = %v", got)
	}

	type ins struct {
		Cmd, Value string
		Args       []any
		Flags      []any
		Line, End  int
		Stage      int
	}
	var got []ins
	for _, x := range v["instructions"].([]any) {
		m := x.(map[string]any)
		got = append(got, ins{m["cmd"].(string), m["value"].(string), m["args"].([]any), m["flags"].([]any), m["line"].(int), m["end_line"].(int), m["stage"].(int)})
	}
	want := []ins{
		{"arg", "BASE=golang", []any{"BASE=golang"}, []any{}, 1, 1, -1},
		{"from", "golang:1.22@sha256:abc AS build", []any{"golang:1.22@sha256:abc", "AS", "build"}, []any{"--platform=linux/amd64"}, 2, 2, 0},
		{"run", "apt-get update &&     apt-get install -y curl", []any{"apt-get update &&     apt-get install -y curl"}, []any{}, 4, 5, 0},
		{"copy", ". /src", []any{".", "/src"}, []any{"--chown=app:app"}, 6, 6, 0},
		{"env", `A=1 B="two words"`, []any{"A=1", `B="two words"`}, []any{}, 7, 7, 0},
		{"from", "gcr.io/distroless/static", []any{"gcr.io/distroless/static"}, []any{}, 9, 9, 1},
		{"copy", "/src/app /app", []any{"/src/app", "/app"}, []any{"--from=build"}, 10, 10, 1},
		{"user", "root", []any{"root"}, []any{}, 11, 11, 1},
		{"entrypoint", "/app --serve", []any{"/app", "--serve"}, []any{}, 12, 12, 1},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("instructions mismatch (-want +got):\n%s", diff)
	}

	locs := []struct {
		path     []any
		line     int
		resource string
	}{
		{[]any{"stages", 1, "instructions", 2}, 11, "stage 1"},
		{[]any{"instructions", 2}, 4, "stage 0"},
		{[]any{"instructions", 0}, 1, ""},
		{[]any{"stages", 0, "from"}, 2, "stage 0"},
		{[]any{"stages", 0}, 2, "stage 0"},
	}
	for _, l := range locs {
		if got := d.Locate(l.path); got.Line != l.line {
			t.Errorf("Locate(%v) = %d, want %d", l.path, got.Line, l.line)
		}
		if got := d.ResourceAt(l.path); got != l.resource {
			t.Errorf("ResourceAt(%v) = %q, want %q", l.path, got, l.resource)
		}
	}
	if _, ok := d.Ignores["testdata/Dockerfile"].Match("VGL-TEST-003", 4); !ok {
		t.Errorf("ignore above RUN not found")
	}
}

func TestMalformed(t *testing.T) {
	tests := map[string][]byte{
		"long-line.Dockerfile": []byte("FROM alpine\nRUN echo " + strings.Repeat("a", 1<<20) + "\n"),
		"too-large.Dockerfile": make([]byte, MaxFileSize+1),
		"binary.Dockerfile":    {0, 1, 2, 0xff, '\n', '\\'},
	}
	src, err := os.ReadFile("testdata/malformed/trailing-continuation.Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	tests["trailing-continuation.Dockerfile"] = src
	for name, src := range tests {
		t.Run(name, func(t *testing.T) {
			docs, err := Load(t.Context(), name, src, Options{Secrets: secretScanner(t)})
			var pe *input.ParseError
			if err != nil && (!errors.As(err, &pe) || pe.Path != name) {
				t.Errorf("err = %v, want *input.ParseError naming the file", err)
			}
			if err == nil && len(docs) != 1 {
				t.Errorf("got %d docs and no error", len(docs))
			}
		})
	}
}

func secretScanner(t testing.TB) *secrets.Scanner {
	t.Helper()
	sc, err := secrets.New(secrets.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

// TestLoadSecrets: ENV and ARG instructions carry the credentials their
// values hold, redacted, in both the key=value and the legacy "ENV KEY
// value" forms, across line continuations; other instructions do not.
func TestLoadSecrets(t *testing.T) {
	id := "AKIA" + "QX7RZ4T2MB5KJW3N" // assembled: no credential-shaped literal in the repository
	src := "ARG TOKEN=" + id + "\n" +
		"FROM alpine\n" +
		"ENV REGION=eu-west-1 \\\n    ACCESS=" + id + "\n" +
		"ENV LEGACY " + id + "\n" +
		"ARG EMPTY\n" +
		"ENV REF=${X}\n" +
		"RUN echo " + id + "\n"
	docs, err := Load(t.Context(), "Dockerfile", []byte(src), Options{Secrets: secretScanner(t)})
	if err != nil {
		t.Fatal(err)
	}
	type hit struct {
		Cmd   string
		Line  int
		Key   string
		Rule  string
		Match string
	}
	var got []hit
	var without []string
	for _, x := range docs[0].Value.(map[string]any)["instructions"].([]any) {
		ins := x.(map[string]any)
		list, ok := ins["secrets"].([]any)
		if !ok {
			without = append(without, ins["cmd"].(string))
			continue
		}
		for _, s := range list {
			m := s.(map[string]any)
			got = append(got, hit{ins["cmd"].(string), ins["line"].(int), m["key"].(string), m["rule"].(string), m["match"].(string)})
		}
	}
	want := []hit{
		{"arg", 1, "TOKEN", "aws-access-key-id", "AKIA…"},
		{"env", 3, "ACCESS", "aws-access-key-id", "AKIA…"},
		{"env", 5, "LEGACY", "aws-access-key-id", "AKIA…"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("secrets mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"from", "run"}, without); diff != "" {
		t.Errorf("instructions without a secrets field (-want +got):\n%s", diff)
	}
	// Without a scanner, no field.
	docs, err = Load(t.Context(), "Dockerfile", []byte(src), Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range docs[0].Value.(map[string]any)["instructions"].([]any) {
		if _, ok := x.(map[string]any)["secrets"]; ok {
			t.Errorf("secrets field without Options.Secrets: %v", x)
		}
	}
}
