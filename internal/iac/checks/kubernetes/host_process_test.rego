package vigil.checks.kubernetes.host_process_test

import data.vigil.checks.kubernetes.host_process as check
import data.vigil.lib.fixtures as f
import rego.v1

test_host_process if {
	r := check.deny with input as f.pod({"containers": [{"name": "a", "securityContext": {"windowsOptions": {"hostProcess": true}}}]})
	[x.path | some x in r] == [["spec", "containers", 0, "securityContext", "windowsOptions", "hostProcess"]]
}

test_normal if {
	count(check.deny) == 0 with input as f.pod({"containers": [{"name": "a", "securityContext": {"windowsOptions": {"runAsUserName": "app"}}}]})
}
