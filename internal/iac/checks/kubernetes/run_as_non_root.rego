# METADATA
# title: Container may run as root
# description: >-
#   Neither runAsNonRoot: true nor a non-zero runAsUser is set (on the container
#   or the pod), so the container runs as whatever user the image declares,
#   often root.
# custom:
#   id: VGL-K8S-003
#   severity: MEDIUM
#   input: kubernetes
#   remediation: Set securityContext.runAsNonRoot to true (pod or container) and run the image as a non-root UID.
#   references: ["https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted"]
#   controls: {pss: restricted, cis_kubernetes: "5.2.7"}
package vigil.checks.kubernetes.run_as_non_root

import data.vigil.lib.kubernetes as k8s
import rego.v1

deny contains res if {
	some ctr in k8s.containers
	not k8s.sc_is_true(ctr, "runAsNonRoot")
	not has_uid(ctr)
	res := {
		"msg": sprintf("%s may run as root: set runAsNonRoot to true", [k8s.container_label(ctr)]),
		"path": k8s.sc_path(ctr, "runAsNonRoot"),
	}
}

# An explicit UID (0 is reported by VGL-K8S-004) decides the user.
has_uid(ctr) if k8s.to_int(k8s.sc(ctr, "runAsUser")) >= 0
