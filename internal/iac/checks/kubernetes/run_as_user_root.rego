# METADATA
# title: Container runs as UID 0
# description: runAsUser is explicitly 0 (root) for the container or its pod.
# custom:
#   id: VGL-K8S-004
#   severity: MEDIUM
#   input: kubernetes
#   remediation: Set securityContext.runAsUser to a non-zero UID (for example 10001).
#   references: ["https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted"]
#   controls: {pss: restricted, cis_kubernetes: "5.2.7"}
package vigil.checks.kubernetes.run_as_user_root

import data.vigil.lib.kubernetes as k8s
import rego.v1

deny contains res if {
	some ctr in k8s.containers
	k8s.to_int(k8s.sc(ctr, "runAsUser")) == 0
	res := {
		"msg": sprintf("%s runs as UID 0 (root)", [k8s.container_label(ctr)]),
		"path": k8s.sc_path(ctr, "runAsUser"),
	}
}
