# METADATA
# title: Container adds a capability beyond the default set
# description: >-
#   The Baseline profile only allows adding capabilities from the container
#   runtime's default set. Capabilities such as NET_RAW, NET_ADMIN, SYS_PTRACE,
#   SYS_MODULE or ALL widen the attack surface (SYS_ADMIN: VGL-K8S-005).
# custom:
#   id: VGL-K8S-006
#   severity: MEDIUM
#   input: kubernetes
#   remediation: Remove the capability from securityContext.capabilities.add.
#   references: ["https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline"]
#   controls: {pss: baseline, cis_kubernetes: "5.2.8, 5.2.9"}
package vigil.checks.kubernetes.cap_not_baseline

import data.vigil.lib.kubernetes as k8s
import rego.v1

baseline := {
	"AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD",
	"NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
}

deny contains res if {
	some ctr in k8s.containers
	some i, raw in ctr.container.securityContext.capabilities.add
	is_string(raw)
	cap := trim_prefix(upper(raw), "CAP_")
	not baseline[cap]
	cap != "SYS_ADMIN"
	res := {
		"msg": sprintf("%s adds capability %s", [k8s.container_label(ctr), cap]),
		"path": array.concat(ctr.path, ["securityContext", "capabilities", "add", i]),
	}
}
