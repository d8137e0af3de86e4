# METADATA
# title: Seccomp profile is Unconfined
# description: >-
#   An Unconfined seccomp profile lets the container make every system call,
#   including ones used in kernel exploits.
# custom:
#   id: VGL-K8S-014
#   severity: MEDIUM
#   input: kubernetes
#   remediation: Set securityContext.seccompProfile.type to RuntimeDefault (or Localhost).
#   references: ["https://kubernetes.io/docs/tutorials/security/seccomp/"]
#   controls: {pss: baseline, cis_kubernetes: "5.7.2"}
package vigil.checks.kubernetes.seccomp_unconfined

import data.vigil.lib.kubernetes as k8s
import rego.v1

deny contains res if {
	some pod in k8s.pods
	lower(pod.spec.securityContext.seccompProfile.type) == "unconfined"
	res := {
		"msg": sprintf("%s sets seccomp profile Unconfined", [k8s.label]),
		"path": array.concat(pod.path, ["securityContext", "seccompProfile", "type"]),
	}
}

deny contains res if {
	some ctr in k8s.containers
	lower(ctr.container.securityContext.seccompProfile.type) == "unconfined"
	res := {
		"msg": sprintf("%s sets seccomp profile Unconfined", [k8s.container_label(ctr)]),
		"path": array.concat(ctr.path, ["securityContext", "seccompProfile", "type"]),
	}
}

# Legacy annotations (removed in Kubernetes 1.27 but still found in manifests).
deny contains res if {
	some pod in k8s.pods
	some key, value in k8s.pod_annotations(pod)
	startswith(key, "seccomp.security.alpha.kubernetes.io/")
	value == "unconfined"
	res := {
		"msg": sprintf("%s sets seccomp profile unconfined (annotation %s)", [k8s.label, key]),
		"path": array.concat(pod.meta_path, ["annotations", key]),
	}
}

deny contains res if {
	some pod in k8s.pods
	some key, value in k8s.pod_annotations(pod)
	startswith(key, "container.seccomp.security.alpha.kubernetes.io/")
	value == "unconfined"
	res := {
		"msg": sprintf("%s sets seccomp profile unconfined (annotation %s)", [k8s.label, key]),
		"path": array.concat(pod.meta_path, ["annotations", key]),
	}
}
