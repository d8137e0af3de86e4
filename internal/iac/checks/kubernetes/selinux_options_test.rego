package vigil.checks.kubernetes.selinux_options_test

import data.vigil.checks.kubernetes.selinux_options as check
import data.vigil.lib.fixtures as f
import rego.v1

test_custom if {
	r := check.deny with input as f.pod({"securityContext": {"seLinuxOptions": {"type": "spc_t"}}, "containers": [{"name": "a", "securityContext": {"seLinuxOptions": {"user": "system_u"}}}]})
	{x.path | some x in r} == {["spec", "securityContext", "seLinuxOptions", "type"], ["spec", "containers", 0, "securityContext", "seLinuxOptions", "user"]}
}

test_allowed if {
	count(check.deny) == 0 with input as f.pod({"securityContext": {"seLinuxOptions": {"type": "container_t", "level": "s0:c1,c2"}}, "containers": [f.hardened]})
}
