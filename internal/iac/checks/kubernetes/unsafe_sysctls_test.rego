package vigil.checks.kubernetes.unsafe_sysctls_test

import data.vigil.checks.kubernetes.unsafe_sysctls as check
import data.vigil.lib.fixtures as f
import rego.v1

test_unsafe if {
	r := check.deny with input as f.pod({"securityContext": {"sysctls": [{"name": "net.ipv4.tcp_syncookies", "value": "1"}, {"name": "kernel.msgmax", "value": "65536"}]}, "containers": [f.hardened]})
	r == {{"msg": "Pod 'p' sets unsafe sysctl kernel.msgmax", "path": ["spec", "securityContext", "sysctls", 1, "name"]}}
}

test_safe if {
	count(check.deny) == 0 with input as f.pod({"securityContext": {"sysctls": [{"name": "net.ipv4.ip_local_port_range", "value": "1024 65535"}]}, "containers": [f.hardened]})
}
