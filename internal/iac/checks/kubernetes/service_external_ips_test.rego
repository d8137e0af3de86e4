package vigil.checks.kubernetes.service_external_ips_test

import data.vigil.checks.kubernetes.service_external_ips as check
import rego.v1

test_external if {
	r := check.deny with input as {"kind": "Service", "metadata": {"name": "s"}, "spec": {"externalIPs": ["10.0.0.1"]}}
	[x.path | some x in r] == [["spec", "externalIPs"]]
}

test_none if {
	count(check.deny) == 0 with input as {"kind": "Service", "metadata": {"name": "s"}, "spec": {"type": "ClusterIP"}}
}
