package vigil.checks.kubernetes.host_network_test

import data.vigil.checks.kubernetes.host_network as check
import data.vigil.lib.fixtures as f
import rego.v1

test_enabled if {
	r := check.deny with input as f.cronjob({"hostNetwork": true, "containers": [f.hardened]})
	[x.path | some x in r] == [["spec", "jobTemplate", "spec", "template", "spec", "hostNetwork"]]
}

test_disabled if {
	count(check.deny) == 0 with input as f.deployment_spec({"hostNetwork": false, "containers": [f.hardened]})
}

test_absent if {
	count(check.deny) == 0 with input as f.deployment([f.hardened])
}
