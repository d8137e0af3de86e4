package vigil.checks.kubernetes.root_group_test

import data.vigil.checks.kubernetes.root_group as check
import data.vigil.lib.fixtures as f
import rego.v1

test_groups if {
	r := check.deny with input as f.pod({"securityContext": {"runAsGroup": 0, "fsGroup": 0, "supplementalGroups": [5, 0]}, "containers": [{"name": "a"}]})
	{x.path | some x in r} == {["spec", "securityContext", "runAsGroup"], ["spec", "securityContext", "fsGroup"], ["spec", "securityContext", "supplementalGroups", 1]}
}

test_nonzero if {
	count(check.deny) == 0 with input as f.pod({"securityContext": {"runAsGroup": 0, "fsGroup": 2000}, "containers": [f.hardened]})
}
