package vigil.checks.kubernetes.proc_mount_test

import data.vigil.checks.kubernetes.proc_mount as check
import data.vigil.lib.fixtures as f
import rego.v1

test_unmasked if {
	r := check.deny with input as f.deployment([f.with_sc({"procMount": "Unmasked"})])
	[x.path | some x in r] == [["spec", "template", "spec", "containers", 0, "securityContext", "procMount"]]
}

test_default if {
	count(check.deny) == 0 with input as f.deployment([f.with_sc({"procMount": "Default"})])
	count(check.deny) == 0 with input as f.deployment([f.hardened])
}
