package vigil.checks.kubernetes.readiness_probe_test

import data.vigil.checks.kubernetes.readiness_probe as check
import data.vigil.lib.fixtures as f
import rego.v1

test_missing if {
	r := check.deny with input as f.deployment_spec({"initContainers": [{"name": "init"}], "containers": [f.hardened, {"name": "side"}]})
	r == {{"msg": "Container 'side' of Deployment 'web' has no readinessProbe", "path": ["spec", "template", "spec", "containers", 1]}}
}

test_present if {
	count(check.deny) == 0 with input as f.deployment([f.hardened])
}

test_cronjob_skipped if {
	count(check.deny) == 0 with input as f.cronjob({"containers": [{"name": "a"}]})
}
