# METADATA
# title: Custom SELinux options
# description: >-
#   Setting a custom SELinux user or role, or a type outside the container
#   types, can remove the SELinux confinement of the container.
# custom:
#   id: VGL-K8S-041
#   severity: MEDIUM
#   input: kubernetes
#   remediation: Remove seLinuxOptions.user/role and use one of the container_t types.
#   references: ["https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline"]
#   controls: {pss: baseline, cis_kubernetes: "5.7.3"}
package vigil.checks.kubernetes.selinux_options

import data.vigil.lib.kubernetes as k8s
import rego.v1

allowed_types := {"", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"}

contexts contains {"opts": pod.spec.securityContext.seLinuxOptions, "path": array.concat(pod.path, ["securityContext", "seLinuxOptions"]), "label": k8s.label} if {
	some pod in k8s.pods
	is_object(pod.spec.securityContext.seLinuxOptions)
}

contexts contains {"opts": ctr.container.securityContext.seLinuxOptions, "path": array.concat(ctr.path, ["securityContext", "seLinuxOptions"]), "label": k8s.container_label(ctr)} if {
	some ctr in k8s.containers
	is_object(ctr.container.securityContext.seLinuxOptions)
}

deny contains res if {
	some c in contexts
	some key in ["user", "role"]
	v := c.opts[key]
	v != ""
	res := {"msg": sprintf("%s sets SELinux %s '%v'", [c.label, key, v]), "path": array.concat(c.path, [key])}
}

deny contains res if {
	some c in contexts
	t := c.opts.type
	not allowed_types[t]
	res := {"msg": sprintf("%s sets SELinux type '%v'", [c.label, t]), "path": array.concat(c.path, ["type"])}
}
