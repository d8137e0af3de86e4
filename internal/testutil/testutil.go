// Package testutil holds test helpers: golden files, schema validation and
// locating the module root and ../shared.
package testutil

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

var update = flag.Bool("update-golden", false, "rewrite golden files")

// ModuleRoot returns the directory holding go.mod.
func ModuleRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the test's directory")
		}
		dir = parent
	}
}

// Shared returns ../shared beside the module root. When it is missing the
// test fails under CI (a skipped check would stop running unnoticed) and is
// skipped elsewhere.
func Shared(t testing.TB) string {
	t.Helper()
	dir := filepath.Join(ModuleRoot(t), "..", "shared")
	if _, err := os.Stat(dir); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("../shared is missing under CI: %v", err)
		}
		t.Skipf("../shared is missing: %v", err)
	}
	return dir
}

// Golden compares got with the file at path; with -update-golden or
// VIGIL_UPDATE_GOLDEN=1 it rewrites the file instead.
func Golden(t testing.TB, path string, got []byte) {
	t.Helper()
	if *update || os.Getenv("VIGIL_UPDATE_GOLDEN") == "1" {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden (run with VIGIL_UPDATE_GOLDEN=1 to create it): %v", err)
	}
	if !bytes.Equal(want, got) {
		t.Errorf("%s mismatch (-want +got):\n%s", path, cmp.Diff(string(want), string(got)))
	}
}

// Schema names.
const (
	SchemaCycloneDX16 = "cyclonedx-1.6"
	SchemaSPDX23      = "spdx-2.3"
	SchemaSARIF210    = "sarif-2.1.0"
	SchemaOSV         = "osv"
	SchemaOpenVEX     = "openvex"
	SchemaVigil       = "vigil"
)

type schemaSpec struct {
	dir   string            // under ../shared/schemas, or "" for the repo's docs/json-schema
	files map[string]string // file name -> id to register
	root  string            // id to compile
}

var specs = map[string]schemaSpec{
	SchemaCycloneDX16: {"cyclonedx-1.6", map[string]string{
		"bom-1.6.schema.json":  "http://cyclonedx.org/schema/bom-1.6.schema.json",
		"spdx.schema.json":     "http://cyclonedx.org/schema/spdx.schema.json",
		"jsf-0.82.schema.json": "http://cyclonedx.org/schema/jsf-0.82.schema.json",
	}, "http://cyclonedx.org/schema/bom-1.6.schema.json"},
	SchemaSPDX23: {"spdx-2.3", map[string]string{"spdx-schema.json": "http://spdx.org/rdf/terms/2.3"}, "http://spdx.org/rdf/terms/2.3"},
	SchemaSARIF210: {"sarif-2.1.0", map[string]string{
		"sarif-schema-2.1.0.json": "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json",
	}, "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"},
	SchemaOSV:     {"osv", map[string]string{"schema.json": "https://raw.githubusercontent.com/ossf/osv-schema/main/validation/schema.json"}, "https://raw.githubusercontent.com/ossf/osv-schema/main/validation/schema.json"},
	SchemaOpenVEX: {"openvex", map[string]string{"openvex_json_schema.json": "https://github.com/openvex/spec/openvex_json_schema_0.2.0.json"}, "https://github.com/openvex/spec/openvex_json_schema_0.2.0.json"},
	SchemaVigil:   {"", map[string]string{"vigil-report.schema.json": "https://vigil.dev/schema/vigil-report-1.json"}, "https://vigil.dev/schema/vigil-report-1.json"},
}

var (
	mu       sync.Mutex
	compiled = map[string]*jsonschema.Schema{}
)

// Validate checks doc (JSON bytes) against the named schema.
func Validate(t testing.TB, name string, doc []byte) {
	t.Helper()
	sch := schema(t, name)
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		t.Fatalf("%s: output is not JSON: %v", name, err)
	}
	if err := sch.Validate(inst); err != nil {
		t.Errorf("output does not validate against %s:\n%v", name, err)
	}
}

func schema(t testing.TB, name string) *jsonschema.Schema {
	t.Helper()
	mu.Lock()
	defer mu.Unlock()
	if s, ok := compiled[name]; ok {
		return s
	}
	spec, ok := specs[name]
	if !ok {
		t.Fatalf("unknown schema %q", name)
	}
	dir := filepath.Join(ModuleRoot(t), "docs", "json-schema")
	if spec.dir != "" {
		dir = filepath.Join(Shared(t), "schemas", spec.dir)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	for file, id := range spec.files {
		f, err := os.Open(filepath.Join(dir, file))
		if err != nil {
			t.Fatal(err)
		}
		doc, err := jsonschema.UnmarshalJSON(f)
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		if err := c.AddResource(id, doc); err != nil {
			t.Fatal(err)
		}
	}
	s, err := c.Compile(spec.root)
	if err != nil {
		t.Fatalf("compile %s: %v", name, err)
	}
	compiled[name] = s
	return s
}
