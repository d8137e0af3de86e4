package terraform

import (
	"errors"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-sec/vigil/internal/iac/input"
)

func readModule(t *testing.T, dir string) []File {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join("testdata", dir, "*.tf"))
	if err != nil {
		t.Fatal(err)
	}
	var files []File
	for _, p := range paths {
		src, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, File{Path: path.Join(dir, filepath.Base(p)), Src: src})
	}
	return files
}

func resources(doc *input.Document) map[string]map[string]any {
	out := map[string]map[string]any{}
	for _, r := range doc.Value.(map[string]any)["resources"].([]any) {
		m := r.(map[string]any)
		out[m["address"].(string)] = m
	}
	return out
}

func TestLoadModule(t *testing.T) {
	doc, err := LoadModule(t.Context(), "module", readModule(t, "module"))
	if err != nil {
		t.Fatalf("LoadModule: %v", err)
	}
	rs := resources(doc)
	tests := []struct {
		addr string
		want map[string]any
	}{
		{"aws_s3_bucket.logs", map[string]any{
			"bucket": "logs-prod",
			"acl":    "public-read",
			"tags":   map[string]any{"Env": "prod", "Name": "logs-prod"},
		}},
		{"aws_s3_bucket_public_access_block.logs", map[string]any{
			"bucket":            "aws_s3_bucket.logs.id",
			"block_public_acls": true,
		}},
		{"aws_security_group.web", map[string]any{
			"name": "web-prod",
			"ingress": []any{
				map[string]any{"from_port": int64(22), "to_port": int64(22), "cidr_blocks": []any{"0.0.0.0/0"}},
				map[string]any{"from_port": int64(443), "to_port": int64(443), "cidr_blocks": []any{nil}},
			},
			"egress": []any{map[string]any{"from_port": nil, "protocol": "tcp"}},
		}},
		{"data.aws_iam_policy_document.p", map[string]any{
			"statement": []any{map[string]any{"actions": []any{"s3:*"}, "resources": []any{"aws_s3_bucket.logs.arn/*"}}},
		}},
		{"aws_instance.x", map[string]any{
			"count":            int64(2),
			"ami":              "data.aws_ami.ubuntu.id",
			"user_data":        nil,
			"instance_type":    nil,
			"metadata_options": []any{map[string]any{"http_tokens": "OPTIONAL"}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			r, ok := rs[tt.addr]
			if !ok {
				t.Fatalf("resource %s missing; have %v", tt.addr, rs)
			}
			if diff := cmp.Diff(tt.want, r["config"]); diff != "" {
				t.Errorf("config mismatch (-want +got):\n%s", diff)
			}
		})
	}
	v := doc.Value.(map[string]any)
	wantVars := map[string]any{
		"env":  map[string]any{"default": "prod"},
		"cidr": map[string]any{"default": nil, "description": "allowed range"},
	}
	if diff := cmp.Diff(wantVars, v["variables"]); diff != "" {
		t.Errorf("variables mismatch (-want +got):\n%s", diff)
	}
	if got := v["locals"].(map[string]any)["name"]; got != "logs-prod" {
		t.Errorf("local.name = %v", got)
	}
}

func TestLocateModule(t *testing.T) {
	doc, err := LoadModule(t.Context(), "module", readModule(t, "module"))
	if err != nil {
		t.Fatal(err)
	}
	// resources are in file order: main.tf first
	idx := map[string]int{}
	for i, r := range doc.Value.(map[string]any)["resources"].([]any) {
		idx[r.(map[string]any)["address"].(string)] = i
	}
	sg := idx["aws_security_group.web"]
	tests := []struct {
		name     string
		path     []any
		file     string
		line     int
		start    int
		resource string
	}{
		{"attribute", []any{"resources", idx["aws_s3_bucket.logs"], "config", "acl"}, "module/main.tf", 3, 1, "aws_s3_bucket.logs"},
		{"missing attribute", []any{"resources", idx["aws_s3_bucket.logs"], "config", "versioning"}, "module/main.tf", 1, 1, "aws_s3_bucket.logs"},
		{"nested block element", []any{"resources", sg, "config", "ingress", 1, "cidr_blocks"}, "module/main.tf", 25, 13, "aws_security_group.web"},
		{"tuple item", []any{"resources", sg, "config", "ingress", 0, "cidr_blocks", 0}, "module/main.tf", 19, 13, "aws_security_group.web"},
		{"object key", []any{"resources", idx["aws_s3_bucket.logs"], "config", "tags", "Env"}, "module/main.tf", 4, 1, "aws_s3_bucket.logs"},
		{"variable", []any{"variables", "cidr"}, "module/variables.tf", 6, 6, ""},
		{"local", []any{"locals", "tags"}, "module/variables.tf", 12, 12, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := doc.Locate(tt.path)
			if diff := cmp.Diff(input.Position{File: tt.file, Line: tt.line, Start: tt.start}, got); diff != "" {
				t.Errorf("Locate(%v) mismatch (-want +got):\n%s", tt.path, diff)
			}
			if r := doc.ResourceAt(tt.path); r != tt.resource {
				t.Errorf("ResourceAt = %q, want %q", r, tt.resource)
			}
		})
	}
	ig := doc.Ignores["module/main.tf"]
	if _, ok := ig.Match("VGL-TEST-002", 3); !ok {
		t.Errorf("trailing // ignore not found")
	}
	if _, ok := ig.Match("VGL-TEST-009", 10, 8); !ok {
		t.Errorf("ignore above resource not found")
	}
}

func TestMalformedModule(t *testing.T) {
	doc, err := LoadModule(t.Context(), "malformed", readModule(t, "malformed"))
	var pe *input.ParseError
	if !errors.As(err, &pe) || pe.Path != "malformed/unclosed.tf" || pe.Line == 0 {
		t.Fatalf("err = %v, want ParseError in malformed/unclosed.tf with a line", err)
	}
	if doc == nil {
		t.Fatal("good file of the module not returned")
	}
	if _, ok := resources(doc)["aws_s3_bucket.good"]; !ok {
		t.Errorf("good resource missing")
	}
}

func TestHostileModule(t *testing.T) {
	tests := map[string]string{
		"deep.tf":      "locals {\n x = " + strings.Repeat("[", 100_000) + strings.Repeat("]", 100_000) + "\n}\n",
		"deep-obj.tf":  "locals {\n x = " + strings.Repeat("{a=", 5000) + "1" + strings.Repeat("}", 5000) + "\n}\n",
		"cycle.tf":     "locals {\n a = local.b\n b = local.a\n}\nresource \"x\" \"y\" { v = local.a }\n",
		"selfref.tf":   "locals {\n a = \"${local.a}x\"\n}\nresource \"x\" \"y\" { v = local.a }\n",
		"bigstring.tf": "locals {\n a = \"" + strings.Repeat("x", 1000) + "\"\n b = join(\"\", [local.a, local.a])\n}\n",
	}
	for name, src := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := LoadModule(t.Context(), ".", []File{{Path: name, Src: []byte(src)}})
			var pe *input.ParseError
			if err != nil && (!errors.As(err, &pe) || pe.Path != name) {
				t.Errorf("err = %v, want nil or ParseError naming the file", err)
			}
		})
	}
}

func TestLoadPlan(t *testing.T) {
	src, err := os.ReadFile("testdata/plan.json")
	if err != nil {
		t.Fatal(err)
	}
	if !LooksLikePlan(src) {
		t.Fatal("LooksLikePlan = false")
	}
	doc, err := LoadPlan(t.Context(), "plan.json", src)
	if err != nil || doc == nil {
		t.Fatalf("LoadPlan = %v, %v", doc, err)
	}
	rs := resources(doc)
	var addrs []string
	for a := range rs {
		addrs = append(addrs, a)
	}
	want := map[string]any{"bucket": "aws_s3_bucket.logs.id", "block_public_acls": true}
	if diff := cmp.Diff(want, rs["aws_s3_bucket_public_access_block.logs"]["config"]); diff != "" {
		t.Errorf("config mismatch (-want +got):\n%s", diff)
	}
	if rs["module.net.aws_security_group.web"]["module"] != "module.net" {
		t.Errorf("child module resource missing: %v", addrs)
	}
	// resources: logs, pab, web
	tests := []struct {
		path []any
		line int
	}{
		{[]any{"resources", 0}, 10},
		{[]any{"resources", 0, "config", "acl"}, 17},
		{[]any{"resources", 2, "config", "ingress", 0, "cidr_blocks"}, 41},
		{[]any{"variables", "env"}, 5},
	}
	for _, tt := range tests {
		if got := doc.Locate(tt.path); got.Line != tt.line || got.File != "plan.json" {
			t.Errorf("Locate(%v) = %+v, want line %d", tt.path, got, tt.line)
		}
	}
}

func TestLoadPlanNotPlan(t *testing.T) {
	doc, err := LoadPlan(t.Context(), "x.json", []byte(`{"format_version": "1"}`))
	if doc != nil || err != nil {
		t.Errorf("LoadPlan(non-plan) = %v, %v", doc, err)
	}
	_, err = LoadPlan(t.Context(), "x.json", []byte("{\n\"format_version\": \"1\",\n\"planned_values\": [1,"))
	var pe *input.ParseError
	if !errors.As(err, &pe) || pe.Line != 3 {
		t.Errorf("truncated plan: err = %v, want ParseError at line 3", err)
	}
}
