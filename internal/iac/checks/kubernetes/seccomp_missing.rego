# METADATA
# title: Seccomp profile not set
# description: >-
#   Without a seccomp profile (RuntimeDefault or Localhost) on the container or
#   the pod, most runtimes run the container Unconfined.
# custom:
#   id: VGL-K8S-015
#   severity: LOW
#   input: kubernetes
#   remediation: Set spec.securityContext.seccompProfile.type to RuntimeDefault.
#   references: ["https://kubernetes.io/docs/tutorials/security/seccomp/"]
#   controls: {pss: restricted, cis_kubernetes: "5.7.2"}
package vigil.checks.kubernetes.seccomp_missing

import data.vigil.lib.kubernetes as k8s
import rego.v1

deny contains res if {
	some ctr in k8s.containers
	not has_profile(ctr)
	not legacy_annotation(ctr)
	not windows(ctr.pod)
	res := {
		"msg": sprintf("%s has no seccomp profile", [k8s.container_label(ctr)]),
		"path": k8s.sc_path(ctr, "seccompProfile"),
	}
}

has_profile(ctr) if {
	t := k8s.sc(ctr, "seccompProfile").type
	is_string(t)
}

legacy_annotation(ctr) if {
	some key, _ in k8s.pod_annotations(ctr.pod)
	key in {"seccomp.security.alpha.kubernetes.io/pod", sprintf("container.seccomp.security.alpha.kubernetes.io/%s", [k8s.container_name(ctr)])}
}

# Seccomp does not apply to Windows pods.
windows(pod) if pod.spec.os.name == "windows"
