// Package deploy holds what runs Vigil elsewhere: the Helm chart
// (deploy/helm/vigil) and the reproducible image builder (deploy/image).
// Its tests render the chart through Vigil's own IaC engine.
package deploy

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-sec/vigil/internal/iac"
	"github.com/vigil-sec/vigil/internal/iac/helm"
	"github.com/vigil-sec/vigil/internal/iac/input"
)

const chartDir = "helm/vigil"

// chartCases are the value sets the chart is scanned with. allowed lists
// the check ids a case may report (any severity below HIGH); want lists the
// ids it must report (the negative control).
var chartCases = []struct {
	name    string
	values  string // file relative to deploy/, "" for the chart's defaults
	allowed []string
	want    []string
}{
	// The defaults cannot know the digest of the image that will run.
	{name: "defaults", allowed: []string{"VGL-K8S-023"}},
	{name: "production", values: chartDir + "/ci/production-values.yaml"},
	{name: "loadbalancer", values: chartDir + "/ci/loadbalancer-values.yaml"},
	// Values that undo the hardening: the checks must see it, or a clean
	// scan of the other cases proves nothing.
	{name: "weakened", values: "testdata/weakened-values.yaml",
		want: []string{"VGL-K8S-001", "VGL-K8S-002", "VGL-K8S-004", "VGL-K8S-005", "VGL-K8S-007", "VGL-K8S-017", "VGL-K8S-034"}},
}

// TestHelmChart renders the chart as `vigil scan` does (docs/iac.md: Helm
// library, release "release-name", values.yaml then each values file) and
// fails on any HIGH or CRITICAL finding, on any finding a case does not
// allow, and on a rendering error.
func TestHelmChart(t *testing.T) {
	for _, tc := range chartCases {
		t.Run(tc.name, func(t *testing.T) {
			var opts iac.Options
			if tc.values != "" {
				opts.HelmValues = []string{tc.values}
			}
			s, err := iac.New(t.Context(), opts)
			if err != nil {
				t.Fatal(err)
			}
			checks, err := s.Checks()
			if err != nil {
				t.Fatal(err)
			}
			k8s := 0
			for _, c := range checks {
				if c.Input == input.Kubernetes {
					k8s++
				}
			}
			if k8s < 20 {
				t.Fatalf("%d Kubernetes checks loaded, want the built-in set", k8s)
			}
			res, err := s.ScanFS(t.Context(), os.DirFS("helm"))
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range res.Errors {
				t.Errorf("scan error: %v", e)
			}
			got := map[string]bool{}
			for _, f := range res.Findings {
				got[f.CheckID] = true
				if !strings.HasPrefix(f.Path, "vigil/templates/") {
					t.Errorf("finding outside the chart's templates: %+v", f)
				}
				if tc.want != nil {
					continue
				}
				if f.Severity == "HIGH" || f.Severity == "CRITICAL" || !slices.Contains(tc.allowed, f.CheckID) {
					t.Errorf("%s %s %s:%d %s: %s", f.Severity, f.CheckID, f.Path, f.Line, f.Resource, f.Message)
				}
			}
			for _, id := range tc.want {
				if !got[id] {
					t.Errorf("%s not reported; the checks did not see the weakened values (got %v)", id, got)
				}
			}
			t.Logf("%d checks, %d findings", len(checks), len(res.Findings))
		})
	}
}

// TestHelmChartRendering checks what the templates render to with the
// defaults and the production values: the objects, the wiring between them
// and the settings the deployment guide promises.
func TestHelmChartRendering(t *testing.T) {
	def := render(t, "")
	if diff := cmp.Diff([]string{"Deployment", "PodDisruptionBudget", "Service", "ServiceAccount"}, kinds(def)); diff != "" {
		t.Errorf("objects with the defaults (-want +got):\n%s", diff)
	}
	dep := def["Deployment"]
	selector := get(t, dep, "spec", "selector", "matchLabels")
	for _, k := range []string{"Service", "PodDisruptionBudget"} {
		path := []any{"spec", "selector", "matchLabels"}
		if k == "Service" {
			path = []any{"spec", "selector"}
		}
		if diff := cmp.Diff(selector, get(t, def[k], path...)); diff != "" {
			t.Errorf("%s selects other pods than the Deployment (-deployment +%s):\n%s", k, k, diff)
		}
	}
	podLabels := get(t, dep, "spec", "template", "metadata", "labels").(map[string]any)
	for k, v := range selector.(map[string]any) {
		if podLabels[k] != v {
			t.Errorf("pod label %s = %v, the selector wants %v", k, podLabels[k], v)
		}
	}
	pod := get(t, dep, "spec", "template", "spec")
	ctr := get(t, pod, "containers", 0)
	for _, tt := range []struct {
		path []any
		want any
	}{
		{[]any{"spec", "replicas"}, 2},
		{[]any{"spec", "strategy", "rollingUpdate", "maxUnavailable"}, 0},
		{[]any{"spec", "template", "spec", "automountServiceAccountToken"}, false},
		{[]any{"spec", "template", "spec", "serviceAccountName"}, get(t, def["ServiceAccount"], "metadata", "name")},
		{[]any{"spec", "template", "spec", "securityContext", "seccompProfile", "type"}, "RuntimeDefault"},
		{[]any{"spec", "template", "spec", "terminationGracePeriodSeconds"}, 50},
	} {
		if got := get(t, dep, tt.path...); fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Errorf("Deployment %v = %v, want %v", tt.path, got, tt.want)
		}
	}
	if got := get(t, def["ServiceAccount"], "automountServiceAccountToken"); got != false {
		t.Errorf("ServiceAccount automountServiceAccountToken = %v", got)
	}
	for _, tt := range []struct {
		path []any
		want any
	}{
		{[]any{"readinessProbe", "httpGet", "path"}, "/readyz"},
		{[]any{"livenessProbe", "httpGet", "path"}, "/healthz"},
		{[]any{"startupProbe", "httpGet", "path"}, "/healthz"},
		{[]any{"readinessProbe", "httpGet", "scheme"}, "HTTP"},
		{[]any{"securityContext", "runAsNonRoot"}, true},
		{[]any{"securityContext", "runAsUser"}, 65532},
		{[]any{"securityContext", "readOnlyRootFilesystem"}, true},
		{[]any{"securityContext", "allowPrivilegeEscalation"}, false},
		{[]any{"securityContext", "capabilities", "drop"}, []any{"ALL"}},
		{[]any{"securityContext", "seccompProfile", "type"}, "RuntimeDefault"},
		{[]any{"resources", "requests", "memory"}, "512Mi"},
		{[]any{"resources", "limits", "memory"}, "2Gi"},
		{[]any{"image"}, "ghcr.io/vigil-sec/vigil:0.1.0"},
	} {
		if got := get(t, ctr, tt.path...); fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Errorf("container %v = %v, want %v", tt.path, got, tt.want)
		}
	}
	env := map[string]any{}
	for _, e := range get(t, ctr, "env").([]any) {
		e := e.(map[string]any)
		env[e["name"].(string)] = e
	}
	if diff := cmp.Diff(map[string]any{"name": "VIGIL_DATABASE_URL", "valueFrom": map[string]any{"secretKeyRef": map[string]any{"name": "vigil-database", "key": "url"}}}, env["VIGIL_DATABASE_URL"]); diff != "" {
		t.Errorf("VIGIL_DATABASE_URL (-want +got):\n%s", diff)
	}
	if got := get(t, env["GOMEMLIMIT"], "value"); got != "1843MiB" { // 0.9 x 2Gi
		t.Errorf("GOMEMLIMIT = %v, want 1843MiB", got)
	}
	args := strs(get(t, ctr, "args"))
	for _, a := range []string{"serve", "--listen=:8080", "--data-dir=/var/lib/vigil", "--insecure-listen", "--shutdown-grace=30s"} {
		if !slices.Contains(args, a) {
			t.Errorf("args %q lack %q", args, a)
		}
	}
	mounts := map[string]string{}
	for _, m := range get(t, ctr, "volumeMounts").([]any) {
		m := m.(map[string]any)
		mounts[m["name"].(string)] = m["mountPath"].(string)
	}
	if diff := cmp.Diff(map[string]string{"data": "/var/lib/vigil", "tmp": "/tmp"}, mounts); diff != "" {
		t.Errorf("volume mounts (-want +got):\n%s", diff)
	}
	for i, name := range []string{"data", "tmp"} {
		if got := get(t, pod, "volumes", i, "name"); got != name || get(t, pod, "volumes", i, "emptyDir") == nil {
			t.Errorf("volume %d = %v, want emptyDir %q", i, get(t, pod, "volumes", i), name)
		}
	}

	prod := render(t, chartDir+"/ci/production-values.yaml")
	if diff := cmp.Diff([]string{"Deployment", "Ingress", "NetworkPolicy", "PodDisruptionBudget", "Service", "ServiceAccount"}, kinds(prod)); diff != "" {
		t.Errorf("objects with the production values (-want +got):\n%s", diff)
	}
	ctr = get(t, prod["Deployment"], "spec", "template", "spec", "containers", 0)
	wantImage := "ghcr.io/vigil-sec/vigil:0.1.0@sha256:" + strings.Repeat("0", 64)
	if got := get(t, ctr, "image"); got != wantImage {
		t.Errorf("image = %v, want %s", got, wantImage)
	}
	if got := get(t, ctr, "readinessProbe", "httpGet", "scheme"); got != "HTTPS" {
		t.Errorf("readiness scheme with pod TLS = %v", got)
	}
	args = strs(get(t, ctr, "args"))
	if !slices.Contains(args, "--tls-cert=/etc/vigil/tls/tls.crt") || slices.Contains(args, "--insecure-listen") {
		t.Errorf("args with pod TLS = %q", args)
	}
	if got := get(t, prod["Ingress"], "spec", "rules", 0, "http", "paths", 0, "backend", "service", "port", "name"); got != "https" {
		t.Errorf("Ingress backend port = %v, want the Service's https port", got)
	}
	if got := get(t, prod["Service"], "spec", "ports", 0, "name"); got != "https" {
		t.Errorf("Service port name = %v", got)
	}
}

// TestHelmValuesSchema: values.schema.json turns a mistyped value into a
// rendering error instead of a silently ignored setting.
func TestHelmValuesSchema(t *testing.T) {
	for _, bad := range []string{
		"replicas: 3\n",                      // unknown key (replicaCount)
		"image:\n  digest: latest\n",         // not a digest
		"server:\n  logLevel: verbose\n",     // not a level
		"service:\n  type: ExternalName\n",   // not offered
		"serviceAccount:\n  name: default\n", // the default SA is what the chart avoids
	} {
		v, err := helm.ParseValues([]byte(bad))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := helm.Render(t.Context(), os.DirFS("helm"), "vigil", v); err == nil {
			t.Errorf("values %q rendered without error", bad)
		}
	}
}

// render renders the chart with the values file (or the defaults) and
// returns its objects by kind; each kind must occur once.
func render(t *testing.T, valuesFile string) map[string]any {
	t.Helper()
	var vals []map[string]any
	if valuesFile != "" {
		data, err := os.ReadFile(valuesFile)
		if err != nil {
			t.Fatal(err)
		}
		v, err := helm.ParseValues(data)
		if err != nil {
			t.Fatal(err)
		}
		vals = append(vals, v)
	}
	docs, err := helm.Render(t.Context(), os.DirFS("helm"), "vigil", vals...)
	if err != nil {
		t.Fatalf("render %s: %v", valuesFile, err)
	}
	out := map[string]any{}
	for _, d := range docs {
		// Round-trip through JSON so that numbers compare alike whatever
		// the loader made of them.
		b, err := json.Marshal(d.Value)
		if err != nil {
			t.Fatal(err)
		}
		var v map[string]any
		if err := json.Unmarshal(b, &v); err != nil {
			t.Fatal(err)
		}
		kind, _ := v["kind"].(string)
		if _, dup := out[kind]; dup {
			t.Fatalf("two %s objects", kind)
		}
		if testing.Verbose() {
			pretty, _ := json.MarshalIndent(v, "", "  ")
			t.Logf("%s (%s):\n%s", kind, filepath.Base(d.Path), pretty)
		}
		out[kind] = v
	}
	return out
}

func kinds(objs map[string]any) []string {
	var ks []string
	for k := range objs {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// get walks maps (string keys) and lists (int indexes); a missing step is
// nil.
func get(t *testing.T, v any, path ...any) any {
	t.Helper()
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = m[k]
		case int:
			l, ok := v.([]any)
			if !ok || k >= len(l) {
				return nil
			}
			v = l[k]
		default:
			t.Fatalf("bad path element %v", p)
		}
	}
	return v
}

func strs(v any) []string {
	l, _ := v.([]any)
	out := make([]string, 0, len(l))
	for _, x := range l {
		out = append(out, fmt.Sprint(x))
	}
	return out
}
