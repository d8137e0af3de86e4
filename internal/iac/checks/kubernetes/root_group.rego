# METADATA
# title: Container runs with the root group
# description: >-
#   GID 0 (runAsGroup, fsGroup or supplementalGroups) gives the process the
#   root group's access to files owned by group root.
# custom:
#   id: VGL-K8S-037
#   severity: LOW
#   input: kubernetes
#   remediation: Use a non-zero runAsGroup / fsGroup and remove 0 from supplementalGroups.
#   references: ["https://kubernetes.io/docs/tasks/configure-pod-container/security-context/"]
#   controls: {}
package vigil.checks.kubernetes.root_group

import data.vigil.lib.kubernetes as k8s
import rego.v1

deny contains res if {
	some ctr in k8s.containers
	k8s.to_int(k8s.sc(ctr, "runAsGroup")) == 0
	res := {
		"msg": sprintf("%s runs with group 0 (runAsGroup)", [k8s.container_label(ctr)]),
		"path": k8s.sc_path(ctr, "runAsGroup"),
	}
}

deny contains res if {
	some pod in k8s.pods
	k8s.to_int(pod.spec.securityContext.fsGroup) == 0
	res := {
		"msg": sprintf("%s sets fsGroup 0", [k8s.label]),
		"path": array.concat(pod.path, ["securityContext", "fsGroup"]),
	}
}

deny contains res if {
	some pod in k8s.pods
	some i, g in pod.spec.securityContext.supplementalGroups
	k8s.to_int(g) == 0
	res := {
		"msg": sprintf("%s adds supplemental group 0", [k8s.label]),
		"path": array.concat(pod.path, ["securityContext", "supplementalGroups", i]),
	}
}
