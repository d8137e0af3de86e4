# METADATA
# title: Root filesystem is writable
# description: >-
#   Without readOnlyRootFilesystem an attacker can modify binaries and drop
#   tools inside the container.
# custom:
#   id: VGL-K8S-017
#   severity: LOW
#   input: kubernetes
#   remediation: Set securityContext.readOnlyRootFilesystem to true and mount emptyDir volumes where writes are needed.
#   references: ["https://kubernetes.io/docs/tasks/configure-pod-container/security-context/"]
#   controls: {cis_kubernetes: "5.7.3"}
package vigil.checks.kubernetes.read_only_root_fs

import data.vigil.lib.kubernetes as k8s
import rego.v1

deny contains res if {
	some ctr in k8s.containers
	ctr.field != "ephemeralContainers"
	not k8s.csc_is_true(ctr, "readOnlyRootFilesystem")
	res := {
		"msg": sprintf("%s does not set securityContext.readOnlyRootFilesystem to true", [k8s.container_label(ctr)]),
		"path": k8s.csc_path(ctr, "readOnlyRootFilesystem"),
	}
}
