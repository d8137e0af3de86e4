package vigil.checks.kubernetes.seccomp_unconfined_test

import data.vigil.checks.kubernetes.seccomp_unconfined as check
import data.vigil.lib.fixtures as f
import rego.v1

test_pod_level if {
	r := check.deny with input as f.pod({"securityContext": {"seccompProfile": {"type": "Unconfined"}}, "containers": [{"name": "a"}]})
	[x.path | some x in r] == [["spec", "securityContext", "seccompProfile", "type"]]
}

test_container_level if {
	r := check.deny with input as f.deployment([f.with_sc({"seccompProfile": {"type": "Unconfined"}})])
	[x.path | some x in r] == [["spec", "template", "spec", "containers", 0, "securityContext", "seccompProfile", "type"]]
}

test_annotation if {
	inp := json.patch(f.pod({"containers": [{"name": "a"}]}), [{"op": "add", "path": "/metadata/annotations", "value": {"seccomp.security.alpha.kubernetes.io/pod": "unconfined"}}])
	r := check.deny with input as inp
	[x.path | some x in r] == [["metadata", "annotations", "seccomp.security.alpha.kubernetes.io/pod"]]
}

test_runtime_default if {
	count(check.deny) == 0 with input as f.deployment([f.hardened])
}
