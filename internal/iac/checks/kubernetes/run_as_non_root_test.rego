package vigil.checks.kubernetes.run_as_non_root_test

import data.vigil.checks.kubernetes.run_as_non_root as check
import data.vigil.lib.fixtures as f
import rego.v1

test_missing if {
	r := check.deny with input as f.pod({"containers": [{"name": "a", "image": "x", "securityContext": {}}]})
	r == {{"msg": "Container 'a' of Pod 'p' may run as root: set runAsNonRoot to true", "path": ["spec", "containers", 0, "securityContext"]}}
}

test_explicit_false_at_pod if {
	r := check.deny with input as f.pod({"securityContext": {"runAsNonRoot": false}, "containers": [{"name": "a", "image": "x"}]})
	[x.path | some x in r] == [["spec", "securityContext", "runAsNonRoot"]]
}

test_pod_level_true if {
	count(check.deny) == 0 with input as f.pod({"securityContext": {"runAsNonRoot": true}, "containers": [{"name": "a", "image": "x"}]})
}

test_uid_set if {
	count(check.deny) == 0 with input as f.pod({"containers": [{"name": "a", "image": "x", "securityContext": {"runAsUser": "1000"}}]})
}

test_hardened if {
	count(check.deny) == 0 with input as f.deployment([f.hardened])
}
