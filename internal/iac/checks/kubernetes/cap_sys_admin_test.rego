package vigil.checks.kubernetes.cap_sys_admin_test

import data.vigil.checks.kubernetes.cap_sys_admin as check
import data.vigil.lib.fixtures as f
import rego.v1

test_added if {
	r := check.deny with input as f.deployment([f.with_sc({"capabilities": {"add": ["NET_BIND_SERVICE", "cap_sys_admin"]}})])
	[x.path | some x in r] == [["spec", "template", "spec", "containers", 0, "securityContext", "capabilities", "add", 1]]
}

test_other_cap if {
	count(check.deny) == 0 with input as f.deployment([f.with_sc({"capabilities": {"add": ["NET_BIND_SERVICE"], "drop": ["ALL"]}})])
}
