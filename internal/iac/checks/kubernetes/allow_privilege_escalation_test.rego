package vigil.checks.kubernetes.allow_privilege_escalation_test

import data.vigil.checks.kubernetes.allow_privilege_escalation as check
import data.vigil.lib.fixtures as f
import rego.v1

test_true if {
	r := check.deny with input as f.deployment([f.with_sc({"allowPrivilegeEscalation": true})])
	r == {{"msg": "Container 'app' of Deployment 'web' does not set securityContext.allowPrivilegeEscalation to false", "path": ["spec", "template", "spec", "containers", 0, "securityContext", "allowPrivilegeEscalation"]}}
}

test_missing_points_at_container if {
	r := check.deny with input as f.pod({"containers": [{"name": "a", "image": "x"}]})
	[x | some x in r] == [{"msg": "Container 'a' of Pod 'p' does not set securityContext.allowPrivilegeEscalation to false", "path": ["spec", "containers", 0]}]
}

test_false if {
	count(check.deny) == 0 with input as f.deployment([f.hardened])
}
