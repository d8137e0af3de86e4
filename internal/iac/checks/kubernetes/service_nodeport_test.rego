package vigil.checks.kubernetes.service_nodeport_test

import data.vigil.checks.kubernetes.service_nodeport as check
import rego.v1

test_nodeport if {
	r := check.deny with input as {"kind": "Service", "metadata": {"name": "s"}, "spec": {"type": "NodePort"}}
	[x.path | some x in r] == [["spec", "type"]]
}

test_clusterip if {
	count(check.deny) == 0 with input as {"kind": "Service", "metadata": {"name": "s"}, "spec": {"ports": [{"port": 80}]}}
}
