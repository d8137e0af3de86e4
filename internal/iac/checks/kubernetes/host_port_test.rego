package vigil.checks.kubernetes.host_port_test

import data.vigil.checks.kubernetes.host_port as check
import data.vigil.lib.fixtures as f
import rego.v1

test_host_port if {
	r := check.deny with input as f.pod({"containers": [{"name": "a", "ports": [{"containerPort": 80}, {"containerPort": 443, "hostPort": 443}]}]})
	r == {{"msg": "Container 'a' of Pod 'p' uses host port 443", "path": ["spec", "containers", 0, "ports", 1, "hostPort"]}}
}

test_container_port_only if {
	count(check.deny) == 0 with input as f.pod({"containers": [{"name": "a", "ports": [{"containerPort": 80}, {"containerPort": 81, "hostPort": 0}]}]})
}
