package vigil.checks.kubernetes.seccomp_missing_test

import data.vigil.checks.kubernetes.seccomp_missing as check
import data.vigil.lib.fixtures as f
import rego.v1

test_missing if {
	r := check.deny with input as f.pod({"securityContext": {"runAsNonRoot": true}, "containers": [{"name": "a", "securityContext": {}}]})
	[x.path | some x in r] == [["spec", "containers", 0, "securityContext"]]
}

test_pod_level if {
	count(check.deny) == 0 with input as f.pod({"securityContext": {"seccompProfile": {"type": "RuntimeDefault"}}, "containers": [{"name": "a"}]})
}

test_container_level if {
	count(check.deny) == 0 with input as f.deployment([f.hardened])
}
