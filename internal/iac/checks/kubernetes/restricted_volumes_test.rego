package vigil.checks.kubernetes.restricted_volumes_test

import data.vigil.checks.kubernetes.restricted_volumes as check
import data.vigil.lib.fixtures as f
import rego.v1

test_nfs if {
	r := check.deny with input as f.pod({"containers": [f.hardened], "volumes": [{"name": "d", "nfs": {"server": "n", "path": "/"}}]})
	r == {{"msg": "Pod 'p' uses nfs volume 'd'", "path": ["spec", "volumes", 0, "nfs"]}}
}

test_allowed if {
	count(check.deny) == 0 with input as f.pod({"containers": [f.hardened], "volumes": [{"name": "a", "emptyDir": {}}, {"name": "b", "persistentVolumeClaim": {"claimName": "c"}}]})
}
