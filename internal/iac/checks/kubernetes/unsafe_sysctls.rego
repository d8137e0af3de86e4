# METADATA
# title: Pod sets an unsafe sysctl
# description: >-
#   Sysctls outside the safe set are not namespaced or can affect the node and
#   other pods.
# custom:
#   id: VGL-K8S-035
#   severity: HIGH
#   input: kubernetes
#   remediation: Remove the sysctl or restrict the pod to dedicated nodes after review.
#   references: ["https://kubernetes.io/docs/tasks/administer-cluster/sysctl-cluster/"]
#   controls: {pss: baseline}
package vigil.checks.kubernetes.unsafe_sysctls

import data.vigil.lib.kubernetes as k8s
import rego.v1

safe := {
	"kernel.shm_rmid_forced",
	"net.ipv4.ip_local_port_range",
	"net.ipv4.ip_unprivileged_port_start",
	"net.ipv4.tcp_syncookies",
	"net.ipv4.ping_group_range",
	"net.ipv4.ip_local_reserved_ports",
	"net.ipv4.tcp_keepalive_time",
	"net.ipv4.tcp_fin_timeout",
	"net.ipv4.tcp_keepalive_intvl",
	"net.ipv4.tcp_keepalive_probes",
}

deny contains res if {
	some pod in k8s.pods
	some i, s in pod.spec.securityContext.sysctls
	not safe[s.name]
	res := {
		"msg": sprintf("%s sets unsafe sysctl %v", [k8s.label, s.name]),
		"path": array.concat(pod.path, ["securityContext", "sysctls", i, "name"]),
	}
}
