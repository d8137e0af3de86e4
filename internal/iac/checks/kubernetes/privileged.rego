# METADATA
# title: Container runs privileged
# description: >-
#   Privileged containers have every capability and access to all host devices;
#   a process escaping the container owns the node.
# custom:
#   id: VGL-K8S-001
#   severity: HIGH
#   input: kubernetes
#   remediation: Set securityContext.privileged to false (or remove it).
#   references: ["https://kubernetes.io/docs/concepts/security/pod-security-standards/"]
#   controls: {pss: baseline, cis_kubernetes: "5.2.2"}
package vigil.checks.kubernetes.privileged

import data.vigil.lib.kubernetes as k8s
import rego.v1

deny contains res if {
	some ctr in k8s.containers
	k8s.is_true(ctr.container.securityContext.privileged)
	res := {
		"msg": sprintf("%s runs privileged", [k8s.container_label(ctr)]),
		"path": k8s.csc_path(ctr, "privileged"),
	}
}
