# METADATA
# title: Test fixtures
# description: Builders for check unit tests (test-only; not loaded by the scanner).
package vigil.lib.fixtures

import rego.v1

# deployment(containers): a Deployment "web" with the given containers.
deployment(containers) := {
	"apiVersion": "apps/v1",
	"kind": "Deployment",
	"metadata": {"name": "web", "namespace": "shop"},
	"spec": {"template": {"metadata": {}, "spec": {"containers": containers}}},
}

# deployment_spec(spec): a Deployment "web" with the given pod spec.
deployment_spec(spec) := {
	"apiVersion": "apps/v1",
	"kind": "Deployment",
	"metadata": {"name": "web", "namespace": "shop"},
	"spec": {"template": {"metadata": {}, "spec": spec}},
}

# pod(spec): a Pod "p" with the given spec.
pod(spec) := {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "shop"}, "spec": spec}

# cronjob(spec): a CronJob "c" with the given pod spec.
cronjob(spec) := {
	"apiVersion": "batch/v1",
	"kind": "CronJob",
	"metadata": {"name": "c", "namespace": "shop"},
	"spec": {"jobTemplate": {"spec": {"template": {"spec": spec}}}},
}

# hardened: a container that passes every container-level check.
hardened := {
	"name": "app",
	"image": "registry.example.com/app:1.2.3@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
	"securityContext": {
		"allowPrivilegeEscalation": false,
		"privileged": false,
		"readOnlyRootFilesystem": true,
		"runAsNonRoot": true,
		"runAsUser": 10001,
		"runAsGroup": 10001,
		"capabilities": {"drop": ["ALL"]},
		"seccompProfile": {"type": "RuntimeDefault"},
	},
	"resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"cpu": "500m", "memory": "256Mi"}},
	"livenessProbe": {"httpGet": {"path": "/healthz", "port": 8080}},
	"readinessProbe": {"httpGet": {"path": "/ready", "port": 8080}},
}

# with_sc(patch): hardened container with securityContext fields overridden.
with_sc(patch) := object.union(hardened, {"securityContext": object.union(hardened.securityContext, patch)})

# dockerfile(lines): a single-stage Dockerfile input from [cmd, value] pairs
# (the first must be a from). args are the value's words.
dockerfile(ins) := {
	"stages": [{"name": "", "from": {"image": "alpine", "tag": "3.20", "digest": "", "line": 1}, "instructions": flat(ins)}],
	"instructions": flat(ins),
}

flat(ins) := [{"cmd": i[0], "value": i[1], "args": split(i[1], " "), "flags": [], "line": n + 1, "end_line": n + 1, "stage": 0} |
	some n, i in ins
]

# tf(resources): a terraform module input from [type, name, config] triples.
tf(resources) := {"resources": [r |
	some x in resources
	r := {"address": sprintf("%s.%s", [x[0], x[1]]), "type": x[0], "name": x[1], "mode": "managed", "file": "main.tf", "config": x[2]}
]}
