package vigil.checks.kubernetes.share_process_namespace_test

import data.vigil.checks.kubernetes.share_process_namespace as check
import data.vigil.lib.fixtures as f
import rego.v1

test_shared if {
	r := check.deny with input as f.pod({"shareProcessNamespace": true, "containers": [f.hardened]})
	[x.path | some x in r] == [["spec", "shareProcessNamespace"]]
}

test_default if {
	count(check.deny) == 0 with input as f.pod({"containers": [f.hardened]})
}
