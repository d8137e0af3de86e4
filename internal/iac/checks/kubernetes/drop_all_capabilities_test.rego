package vigil.checks.kubernetes.drop_all_capabilities_test

import data.vigil.checks.kubernetes.drop_all_capabilities as check
import data.vigil.lib.fixtures as f
import rego.v1

test_drop_some if {
	r := check.deny with input as f.deployment([f.with_sc({"capabilities": {"drop": ["NET_RAW"]}})])
	[x.path | some x in r] == [["spec", "template", "spec", "containers", 0, "securityContext", "capabilities", "drop"]]
}

test_missing if {
	r := check.deny with input as f.pod({"containers": [{"name": "a"}]})
	[x.path | some x in r] == [["spec", "containers", 0]]
}

test_drop_all if {
	count(check.deny) == 0 with input as f.deployment([f.with_sc({"capabilities": {"drop": ["all"], "add": ["NET_BIND_SERVICE"]}})])
}
