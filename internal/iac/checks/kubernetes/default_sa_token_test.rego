package vigil.checks.kubernetes.default_sa_token_test

import data.vigil.checks.kubernetes.default_sa_token as check
import data.vigil.lib.fixtures as f
import rego.v1

test_default_sa if {
	r := check.deny with input as f.deployment([f.hardened])
	[x.path | some x in r] == [["spec", "template", "spec"]]
}

test_explicit_automount if {
	r := check.deny with input as f.pod({"serviceAccountName": "default", "automountServiceAccountToken": true, "containers": [f.hardened]})
	[x.path | some x in r] == [["spec", "automountServiceAccountToken"]]
}

test_dedicated_sa if {
	count(check.deny) == 0 with input as f.pod({"serviceAccountName": "web", "containers": [f.hardened]})
}

test_automount_off if {
	count(check.deny) == 0 with input as f.pod({"automountServiceAccountToken": false, "containers": [f.hardened]})
}
