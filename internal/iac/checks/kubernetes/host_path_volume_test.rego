package vigil.checks.kubernetes.host_path_volume_test

import data.vigil.checks.kubernetes.host_path_volume as check
import data.vigil.lib.fixtures as f
import rego.v1

test_host_path if {
	r := check.deny with input as f.pod({"containers": [f.hardened], "volumes": [{"name": "tmp", "emptyDir": {}}, {"name": "sock", "hostPath": {"path": "/var/run/docker.sock"}}]})
	r == {{"msg": "Pod 'p' mounts hostPath '/var/run/docker.sock' (volume 'sock')", "path": ["spec", "volumes", 1, "hostPath"]}}
}

test_other_volumes if {
	count(check.deny) == 0 with input as f.pod({"containers": [f.hardened], "volumes": [{"name": "tmp", "emptyDir": {}}]})
}
