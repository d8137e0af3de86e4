package vigil.checks.kubernetes.read_only_root_fs_test

import data.vigil.checks.kubernetes.read_only_root_fs as check
import data.vigil.lib.fixtures as f
import rego.v1

test_false if {
	r := check.deny with input as f.deployment([f.with_sc({"readOnlyRootFilesystem": false})])
	[x.path | some x in r] == [["spec", "template", "spec", "containers", 0, "securityContext", "readOnlyRootFilesystem"]]
}

test_missing if {
	r := check.deny with input as f.pod({"containers": [{"name": "a"}]})
	count(r) == 1
}

test_true if {
	count(check.deny) == 0 with input as f.deployment([f.hardened])
}
