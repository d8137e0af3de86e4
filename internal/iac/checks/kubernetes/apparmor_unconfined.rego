# METADATA
# title: AppArmor profile is unconfined
# description: >-
#   Overriding the runtime's default AppArmor profile with unconfined removes a
#   layer of mandatory access control around the container.
# custom:
#   id: VGL-K8S-016
#   severity: MEDIUM
#   input: kubernetes
#   remediation: Use RuntimeDefault or a Localhost AppArmor profile (securityContext.appArmorProfile, or the runtime/default annotation value).
#   references: ["https://kubernetes.io/docs/tutorials/security/apparmor/"]
#   controls: {pss: baseline, cis_kubernetes: "5.7.3"}
package vigil.checks.kubernetes.apparmor_unconfined

import data.vigil.lib.kubernetes as k8s
import rego.v1

prefix := "container.apparmor.security.beta.kubernetes.io/"

deny contains res if {
	some pod in k8s.pods
	some key, value in k8s.pod_annotations(pod)
	startswith(key, prefix)
	value == "unconfined"
	res := {
		"msg": sprintf("%s runs container '%s' with AppArmor profile unconfined", [k8s.label, trim_prefix(key, prefix)]),
		"path": array.concat(pod.meta_path, ["annotations", key]),
	}
}

deny contains res if {
	some pod in k8s.pods
	lower(pod.spec.securityContext.appArmorProfile.type) == "unconfined"
	res := {
		"msg": sprintf("%s sets AppArmor profile Unconfined", [k8s.label]),
		"path": array.concat(pod.path, ["securityContext", "appArmorProfile", "type"]),
	}
}

deny contains res if {
	some ctr in k8s.containers
	lower(ctr.container.securityContext.appArmorProfile.type) == "unconfined"
	res := {
		"msg": sprintf("%s sets AppArmor profile Unconfined", [k8s.container_label(ctr)]),
		"path": array.concat(ctr.path, ["securityContext", "appArmorProfile", "type"]),
	}
}
