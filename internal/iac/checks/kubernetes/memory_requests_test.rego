package vigil.checks.kubernetes.memory_requests_test

import data.vigil.checks.kubernetes.memory_requests as check
import data.vigil.lib.fixtures as f
import rego.v1

test_missing if {
	r := check.deny with input as f.pod({"containers": [{"name": "a", "resources": {"requests": {}}}, {"name": "b"}]})
	r == {
		{"msg": "Container 'a' of Pod 'p' has no resources.requests.memory", "path": ["spec", "containers", 0, "resources", "requests"]},
		{"msg": "Container 'b' of Pod 'p' has no resources.requests.memory", "path": ["spec", "containers", 1]},
	}
}

test_set if {
	count(check.deny) == 0 with input as f.deployment([f.hardened])
}
