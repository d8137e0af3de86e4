# METADATA
# title: Container adds CAP_SYS_ADMIN
# description: >-
#   SYS_ADMIN is nearly equivalent to root on the node: it allows mounting
#   filesystems, many namespace operations and most container escapes.
# custom:
#   id: VGL-K8S-005
#   severity: HIGH
#   input: kubernetes
#   remediation: Remove SYS_ADMIN from securityContext.capabilities.add.
#   references: ["https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline"]
#   controls: {pss: baseline, cis_kubernetes: "5.2.9"}
package vigil.checks.kubernetes.cap_sys_admin

import data.vigil.lib.kubernetes as k8s
import rego.v1

deny contains res if {
	some ctr in k8s.containers
	some i, cap in ctr.container.securityContext.capabilities.add
	is_string(cap)
	trim_prefix(upper(cap), "CAP_") == "SYS_ADMIN"
	res := {
		"msg": sprintf("%s adds capability SYS_ADMIN", [k8s.container_label(ctr)]),
		"path": array.concat(ctr.path, ["securityContext", "capabilities", "add", i]),
	}
}
