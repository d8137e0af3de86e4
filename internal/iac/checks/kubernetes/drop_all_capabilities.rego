# METADATA
# title: Container does not drop all capabilities
# description: >-
#   The Restricted profile requires dropping ALL capabilities and adding back
#   only NET_BIND_SERVICE when needed; the runtime default set includes
#   NET_RAW, CHOWN, SETUID and others a typical service never needs.
# custom:
#   id: VGL-K8S-007
#   severity: LOW
#   input: kubernetes
#   remediation: 'Set securityContext.capabilities.drop to ["ALL"].'
#   references: ["https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted"]
#   controls: {pss: restricted, cis_kubernetes: "5.2.10"}
package vigil.checks.kubernetes.drop_all_capabilities

import data.vigil.lib.kubernetes as k8s
import rego.v1

deny contains res if {
	some ctr in k8s.containers
	not drops_all(ctr)
	res := {
		"msg": sprintf("%s does not drop ALL capabilities", [k8s.container_label(ctr)]),
		"path": path(ctr),
	}
}

drops_all(ctr) if {
	some cap in ctr.container.securityContext.capabilities.drop
	upper(cap) == "ALL"
}

path(ctr) := array.concat(ctr.path, ["securityContext", "capabilities", "drop"]) if {
	_ = ctr.container.securityContext.capabilities.drop
} else := array.concat(ctr.path, ["securityContext", "capabilities"]) if {
	_ = ctr.container.securityContext.capabilities
} else := k8s.csc_path(ctr, "capabilities")
