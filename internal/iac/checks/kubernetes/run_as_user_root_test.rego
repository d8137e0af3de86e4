package vigil.checks.kubernetes.run_as_user_root_test

import data.vigil.checks.kubernetes.run_as_user_root as check
import data.vigil.lib.fixtures as f
import rego.v1

test_container_zero if {
	r := check.deny with input as f.deployment([f.with_sc({"runAsUser": 0})])
	[x.path | some x in r] == [["spec", "template", "spec", "containers", 0, "securityContext", "runAsUser"]]
}

test_pod_zero if {
	r := check.deny with input as f.pod({"securityContext": {"runAsUser": 0}, "containers": [{"name": "a"}]})
	[x.path | some x in r] == [["spec", "securityContext", "runAsUser"]]
}

test_container_overrides_pod if {
	count(check.deny) == 0 with input as f.pod({"securityContext": {"runAsUser": 0}, "containers": [{"name": "a", "securityContext": {"runAsUser": 1000}}]})
}

test_hardened if {
	count(check.deny) == 0 with input as f.deployment([f.hardened])
}
