# METADATA
# title: Container allows privilege escalation
# description: >-
#   Unless allowPrivilegeEscalation is false, a process can gain more privileges
#   than its parent (setuid binaries, file capabilities).
# custom:
#   id: VGL-K8S-002
#   severity: MEDIUM
#   input: kubernetes
#   remediation: Set securityContext.allowPrivilegeEscalation to false.
#   references: ["https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted"]
#   controls: {pss: restricted, cis_kubernetes: "5.2.6"}
package vigil.checks.kubernetes.allow_privilege_escalation

import data.vigil.lib.kubernetes as k8s
import rego.v1

deny contains res if {
	some ctr in k8s.containers
	not k8s.csc_is_false(ctr, "allowPrivilegeEscalation")
	res := {
		"msg": sprintf("%s does not set securityContext.allowPrivilegeEscalation to false", [k8s.container_label(ctr)]),
		"path": k8s.csc_path(ctr, "allowPrivilegeEscalation"),
	}
}
