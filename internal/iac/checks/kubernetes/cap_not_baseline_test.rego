package vigil.checks.kubernetes.cap_not_baseline_test

import data.vigil.checks.kubernetes.cap_not_baseline as check
import data.vigil.lib.fixtures as f
import rego.v1

test_net_raw_and_all if {
	r := check.deny with input as f.pod({"containers": [{"name": "a", "securityContext": {"capabilities": {"add": ["CHOWN", "NET_RAW", "all", "SYS_ADMIN"]}}}]})
	{x.msg | some x in r} == {"Container 'a' of Pod 'p' adds capability NET_RAW", "Container 'a' of Pod 'p' adds capability ALL"}
}

test_baseline_caps if {
	count(check.deny) == 0 with input as f.pod({"containers": [{"name": "a", "securityContext": {"capabilities": {"add": ["CHOWN", "NET_BIND_SERVICE"]}}}]})
}
