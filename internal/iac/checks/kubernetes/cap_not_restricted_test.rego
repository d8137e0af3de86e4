package vigil.checks.kubernetes.cap_not_restricted_test

import data.vigil.checks.kubernetes.cap_not_restricted as check
import data.vigil.lib.fixtures as f
import rego.v1

test_chown if {
	r := check.deny with input as f.pod({"containers": [{"name": "a", "securityContext": {"capabilities": {"add": ["NET_BIND_SERVICE", "CHOWN", "NET_RAW"]}}}]})
	[x.path | some x in r] == [["spec", "containers", 0, "securityContext", "capabilities", "add", 1]]
}

test_net_bind if {
	count(check.deny) == 0 with input as f.pod({"containers": [{"name": "a", "securityContext": {"capabilities": {"add": ["NET_BIND_SERVICE"]}}}]})
}
