package vigil.checks.kubernetes.privileged_test

import data.vigil.checks.kubernetes.privileged
import data.vigil.lib.fixtures as f
import rego.v1

test_privileged_deployment if {
	r := privileged.deny with input as f.deployment([f.with_sc({"privileged": true})])
	r == {{"msg": "Container 'app' of Deployment 'web' runs privileged", "path": ["spec", "template", "spec", "containers", 0, "securityContext", "privileged"]}}
}

test_privileged_init_container_cronjob if {
	r := privileged.deny with input as f.cronjob({"containers": [f.hardened], "initContainers": [f.with_sc({"privileged": true})]})
	some x in r
	x.path == ["spec", "jobTemplate", "spec", "template", "spec", "initContainers", 0, "securityContext", "privileged"]
}

test_not_privileged if {
	count(privileged.deny) == 0 with input as f.deployment([f.hardened])
}

test_unset if {
	count(privileged.deny) == 0 with input as f.pod({"containers": [{"name": "a", "image": "x"}]})
}
