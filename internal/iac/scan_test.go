package iac

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-sec/vigil/internal/iac/policy"
)

// newTestScanner uses the example checks in testdata/policies instead of the
// embedded ones, so the engine is tested independently of the check set.
func newTestScanner(t *testing.T, opts Options) *Scanner {
	t.Helper()
	if opts.Builtin == nil {
		opts.Builtin = os.DirFS("testdata/policies")
	}
	s, err := New(t.Context(), opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return s
}

func summarize(fs []Finding) []string {
	var out []string
	for _, f := range fs {
		s := fmt.Sprintf("%s:%d %s %s", f.Path, f.Line, f.CheckID, f.Resource)
		if f.Suppressed {
			s += " suppressed(" + f.SuppressReason + ")"
		}
		out = append(out, s)
	}
	return out
}

func errorsOf(es []FileError) []string {
	var out []string
	for _, e := range es {
		out = append(out, fmt.Sprintf("%s:%d", e.Path, e.Line))
	}
	return out
}

func TestScanFS(t *testing.T) {
	tests := []struct {
		name       string
		opts       Options
		want       []string
		wantErrors []string
	}{
		{
			name: "defaults",
			want: []string{
				"Dockerfile:4 VGL-TEST-003 stage 0 suppressed(entrypoint drops privileges)",
				"Dockerfile:5 VGL-TEST-003 stage 0",
				"charts/web/templates/deployment.yaml:11 VGL-TEST-001 Deployment/default/web-release-name",
				"charts/web/templates/deployment.yaml:12 VGL-TEST-001 Deployment/default/web-release-name",
				"k8s/deploy.yaml:12 VGL-TEST-001 Deployment/default/web suppressed(demo only)",
				"k8s/deploy.yaml:16 VGL-TEST-001 Deployment/default/web",
				"k8s/deploy.yaml:17 VGL-TEST-001 Deployment/default/web",
				"k8s/deploy.yaml:31 VGL-TEST-001 Deployment/default/ignored suppressed(the whole object is a test fixture)",
				"plan/plan.json:17 VGL-TEST-002 aws_s3_bucket.logs",
				"tf/main.tf:7 VGL-TEST-002 aws_s3_bucket.public",
				"tf/main.tf:11 VGL-TEST-002 aws_s3_bucket.legacy suppressed(legacy bucket, tracked in JIRA-1)",
			},
			wantErrors: []string{"k8s/broken.yaml:5", "tf/broken.tf:2"},
		},
		{
			name: "helm values and disabled check",
			opts: Options{HelmValues: []string{"testdata/helm-values.yaml"}, Disabled: []string{"vgl-test-002"}},
			want: []string{
				"Dockerfile:4 VGL-TEST-003 stage 0 suppressed(entrypoint drops privileges)",
				"Dockerfile:5 VGL-TEST-003 stage 0",
				"charts/web/templates/deployment.yaml:11 VGL-TEST-001 Deployment/default/web-release-name",
				"k8s/deploy.yaml:12 VGL-TEST-001 Deployment/default/web suppressed(demo only)",
				"k8s/deploy.yaml:16 VGL-TEST-001 Deployment/default/web",
				"k8s/deploy.yaml:17 VGL-TEST-001 Deployment/default/web",
				"k8s/deploy.yaml:31 VGL-TEST-001 Deployment/default/ignored suppressed(the whole object is a test fixture)",
			},
			wantErrors: []string{"k8s/broken.yaml:5", "tf/broken.tf:2"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestScanner(t, tt.opts)
			res, err := s.ScanFS(t.Context(), os.DirFS("testdata/scan"))
			if err != nil {
				t.Fatalf("ScanFS: %v", err)
			}
			if diff := cmp.Diff(tt.want, summarize(res.Findings)); diff != "" {
				t.Errorf("findings mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantErrors, errorsOf(res.Errors)); diff != "" {
				t.Errorf("errors mismatch (-want +got):\n%s\n%v", diff, res.Errors)
			}
		})
	}
}

func TestFindingMetadata(t *testing.T) {
	s := newTestScanner(t, Options{})
	fsys := fstest.MapFS{"a/pod.yaml": {Data: []byte(`apiVersion: apps/v1
kind: Deployment
metadata: {name: a, namespace: ns}
spec:
  template:
    spec:
      containers:
        - name: c
          securityContext: {privileged: true, runAsNonRoot: true}
`)}}
	res, err := s.ScanFS(t.Context(), fsys)
	if err != nil {
		t.Fatal(err)
	}
	want := []Finding{{
		CheckID:     "VGL-TEST-001",
		Title:       "Test privileged container",
		Description: "A container runs privileged.",
		Severity:    "HIGH",
		Remediation: "Remove securityContext.privileged.",
		References:  []string{"https://example.com/privileged"},
		Controls:    map[string]string{"pss": "baseline", "cis_kubernetes": "5.2.1"},
		InputKind:   "kubernetes",
		Path:        "a/pod.yaml",
		Line:        9,
		Resource:    "Deployment/ns/a",
		Message:     `container "c" is privileged`,
	}}
	if diff := cmp.Diff(want, res.Findings); diff != "" {
		t.Errorf("findings mismatch (-want +got):\n%s", diff)
	}
}

func TestBareStringResult(t *testing.T) {
	s := newTestScanner(t, Options{})
	df := "FROM a\n" + strings.Repeat("FROM b\n", 6)
	res, err := s.ScanFS(t.Context(), fstest.MapFS{"Dockerfile": {Data: []byte(df)}})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"Dockerfile:1 VGL-TEST-003 Dockerfile"}, summarize(res.Findings)); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
	if res.Findings[0].Message != "bare string result" {
		t.Errorf("message = %q", res.Findings[0].Message)
	}
}

func TestUserPolicyDir(t *testing.T) {
	dir := t.TempDir()
	rego := `# METADATA
# title: User check
# description: Every Service is flagged.
# custom:
#   id: USR-001
#   severity: medium
#   input: kubernetes
#   remediation: none
package user.services

import rego.v1

deny contains {"msg": "service", "path": ["spec", "type"]} if input.kind == "Service"
`
	if err := os.WriteFile(dir+"/svc.rego", []byte(rego), 0o644); err != nil {
		t.Fatal(err)
	}
	s := newTestScanner(t, Options{PolicyDirs: []string{dir}})
	res, err := s.ScanFS(t.Context(), fstest.MapFS{"svc.yaml": {Data: []byte("apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  type: NodePort\n")}})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"svc.yaml:5 USR-001 Service/default/s"}, summarize(res.Findings)); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
	if res.Findings[0].Severity != "MEDIUM" {
		t.Errorf("severity = %q", res.Findings[0].Severity)
	}
	var ids []string
	compiled, err := s.Checks()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range compiled {
		ids = append(ids, c.ID)
	}
	if diff := cmp.Diff([]string{"USR-001", "VGL-TEST-001", "VGL-TEST-002", "VGL-TEST-003"}, ids); diff != "" {
		t.Errorf("Checks() mismatch (-want +got):\n%s", diff)
	}
}

func TestBadPolicies(t *testing.T) {
	tests := map[string]string{
		"syntax":       "package x\ndeny contains 1 if {",
		"no severity":  "# METADATA\n# custom:\n#   id: X-1\n#   input: kubernetes\npackage x\nimport rego.v1\ndeny contains 1 if true\n",
		"bad input":    "# METADATA\n# custom:\n#   id: X-1\n#   severity: LOW\n#   input: ansible\npackage x\nimport rego.v1\ndeny contains 1 if true\n",
		"no deny":      "# METADATA\n# custom:\n#   id: X-1\n#   severity: LOW\n#   input: kubernetes\npackage x\nimport rego.v1\nwarn contains 1 if true\n",
		"duplicate id": "# METADATA\n# custom:\n#   id: VGL-TEST-001\n#   severity: LOW\n#   input: kubernetes\npackage x\nimport rego.v1\ndeny contains 1 if true\n",
		"unsafe":       "# METADATA\n# custom:\n#   id: X-1\n#   severity: LOW\n#   input: kubernetes\npackage x\nimport rego.v1\ndeny contains 1 if http.send({\"method\": \"get\", \"url\": \"http://x\"})\n",
	}
	for name, src := range tests {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(dir+"/p.rego", []byte(src), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := New(t.Context(), Options{Builtin: os.DirFS("testdata/policies"), PolicyDirs: []string{dir}})
			if err == nil {
				t.Fatal("New succeeded, want error")
			}
		})
	}
}

func TestTestPolicies(t *testing.T) {
	var buf bytes.Buffer
	passed, failed, err := TestPolicies(t.Context(), []string{"testdata/policies"}, &buf)
	if err != nil || passed != 2 || failed != 0 {
		t.Errorf("TestPolicies(ok) = %d, %d, %v\n%s", passed, failed, err, buf.String())
	}
	buf.Reset()
	passed, failed, err = TestPolicies(t.Context(), []string{"testdata/failing-tests"}, &buf)
	if !errors.Is(err, policy.ErrTestsFailed) || passed != 1 || failed != 1 {
		t.Errorf("TestPolicies(failing) = %d, %d, %v", passed, failed, err)
	}
	if !strings.Contains(buf.String(), "FAIL user.fail_test.test_fails") {
		t.Errorf("output lacks the failing test:\n%s", buf.String())
	}
	if _, _, err := TestPolicies(t.Context(), []string{t.TempDir()}, &buf); !errors.Is(err, policy.ErrNoTests) {
		t.Errorf("empty dir: err = %v, want ErrNoTests", err)
	}
}

func TestCancelled(t *testing.T) {
	s := newTestScanner(t, Options{})
	ctx, cancel := contextWithCancel(t)
	cancel()
	if _, err := s.ScanFS(ctx, os.DirFS("testdata/scan")); err == nil {
		t.Error("ScanFS with cancelled context succeeded")
	}
}
